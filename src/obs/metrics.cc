#include "obs/metrics.h"

#include <dirent.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

namespace centli::obs::metrics {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// Seconds: from a tenth of a millisecond (a read on the embedded store) to ten seconds (a
// command that waited for a lock or a commit that waited for a disk).
Histogram::BucketBoundaries seconds_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

struct Metrics {
  prometheus::Registry registry;
  Family<Counter>& actions = BuildCounter()
                                 .Name("centli_actions_total")
                                 .Help("Actions answered, by front door, action and outcome")
                                 .Register(registry);
  Family<Histogram>& action_seconds =
      BuildHistogram()
          .Name("centli_action_duration_seconds")
          .Help("Time from an action's call to its answer, by front door and action")
          .Register(registry);
  Family<Histogram>& batch_commands = BuildHistogram()
                                          .Name("centli_store_batch_commands")
                                          .Help("Commands folded into one write transaction")
                                          .Register(registry);
  Histogram& batch_size =
      batch_commands.Add({}, Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512});
  Family<Histogram>& commit_family = BuildHistogram()
                                         .Name("centli_store_commit_duration_seconds")
                                         .Help("Time to run and commit one write batch")
                                         .Register(registry);
  Histogram& commit_seconds = commit_family.Add({}, seconds_buckets());
  Family<Counter>& batches = BuildCounter()
                                 .Name("centli_store_batches_total")
                                 .Help("Write batches, by whether they committed")
                                 .Register(registry);
  Counter& batches_committed = batches.Add({{"committed", "true"}});
  Counter& batches_failed = batches.Add({{"committed", "false"}});
  Family<Gauge>& queue_family = BuildGauge()
                                    .Name("centli_store_queue_depth")
                                    .Help("Commands waiting for the writer")
                                    .Register(registry);
  Gauge& queue_depth = queue_family.Add({});
  Family<Histogram>& read_family = BuildHistogram()
                                       .Name("centli_store_read_duration_seconds")
                                       .Help("Time a read transaction was open")
                                       .Register(registry);
  Histogram& read_seconds = read_family.Add({}, seconds_buckets());
  Family<Gauge>& pool_family = BuildGauge()
                                   .Name("centli_store_pool_in_use")
                                   .Help("Connections of the store's read pool lent out")
                                   .Register(registry);
  Gauge& pool_in_use = pool_family.Add({});
  Family<Counter>& deliveries = BuildCounter()
                                    .Name("centli_deliveries_total")
                                    .Help("Webhook delivery attempts, by target and outcome")
                                    .Register(registry);
  Family<Counter>& routed_family =
      BuildCounter()
          .Name("centli_events_routed_total")
          .Help("Events taken from the outbox and handed to their consumers and targets")
          .Register(registry);
  Counter& routed = routed_family.Add({});
  Family<Counter>& redrive_family = BuildCounter()
                                        .Name("centli_redrives_total")
                                        .Help("Dead letters sent back to their target")
                                        .Register(registry);
  Counter& redrives = redrive_family.Add({});
  Family<Gauge>& lag_family = BuildGauge()
                                  .Name("centli_outbox_lag_seconds")
                                  .Help("Age of the oldest event not yet routed (0 when none)")
                                  .Register(registry);
  Gauge& outbox_lag = lag_family.Add({});

  // The process's own, read from /proc at scrape time.
  Family<Counter>& cpu_family = BuildCounter()
                                    .Name("process_cpu_seconds_total")
                                    .Help("User and system CPU time spent in seconds")
                                    .Register(registry);
  Counter& cpu = cpu_family.Add({});
  double cpu_seen = 0;
  Family<Gauge>& rss_family = BuildGauge()
                                  .Name("process_resident_memory_bytes")
                                  .Help("Resident memory size in bytes")
                                  .Register(registry);
  Gauge& rss = rss_family.Add({});
  Family<Gauge>& vsz_family = BuildGauge()
                                  .Name("process_virtual_memory_bytes")
                                  .Help("Virtual memory size in bytes")
                                  .Register(registry);
  Gauge& vsz = vsz_family.Add({});
  Family<Gauge>& fds_family = BuildGauge()
                                  .Name("process_open_fds")
                                  .Help("Number of open file descriptors")
                                  .Register(registry);
  Gauge& open_fds = fds_family.Add({});
  Family<Gauge>& max_fds_family = BuildGauge()
                                      .Name("process_max_fds")
                                      .Help("Maximum number of open file descriptors")
                                      .Register(registry);
  Gauge& max_fds = max_fds_family.Add({});
  Family<Gauge>& start_family =
      BuildGauge()
          .Name("process_start_time_seconds")
          .Help("Start time of the process since the Unix epoch in seconds")
          .Register(registry);
  Gauge& start_time = start_family.Add({});

  std::mutex sampler_mu;
  std::function<void()> sampler;
};

Metrics& m() {
  static Metrics* metrics =
      new Metrics();  // lives as long as the process: threads may outlive main
  return *metrics;
}

// /proc/self/stat's fields after the command name: utime is the 14th field, starttime the 22nd.
void read_process(Metrics& x) {
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (!std::getline(stat, line)) return;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0, start_ticks = 0, vsize = 0, rss_pages = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
    if (i == 22) start_ticks = std::stod(field);
    if (i == 23) vsize = std::stod(field);
    if (i == 24) rss_pages = std::stod(field);
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double cpu = (utime + stime) / ticks;
  if (cpu > x.cpu_seen) {
    x.cpu.Increment(cpu - x.cpu_seen);
    x.cpu_seen = cpu;
  }
  x.vsz.Set(vsize);
  x.rss.Set(rss_pages * static_cast<double>(sysconf(_SC_PAGESIZE)));
  // Boot time from /proc/stat's btime, so the start is seconds since the epoch.
  std::ifstream system_stat("/proc/stat");
  while (std::getline(system_stat, line)) {
    if (line.starts_with("btime ")) {
      x.start_time.Set(std::stod(line.substr(6)) + start_ticks / ticks);
      break;
    }
  }
  int fds = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] != '.') ++fds;
    }
    closedir(dir);
    --fds;  // the directory's own descriptor
  }
  x.open_fds.Set(fds);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) x.max_fds.Set(static_cast<double>(limit.rlim_cur));
}

}  // namespace

void action_finished(std::string_view door, std::string_view action, std::string_view outcome,
                     double seconds) {
  // Family::Add builds a label map and takes the family's lock: each thread keeps what it found
  // for a (door, action, outcome), so a request costs one lookup without allocating.
  struct Children {
    Counter* count;
    Histogram* duration;
  };
  thread_local std::unordered_map<std::string, Children> cache;
  thread_local std::string key;
  key.assign(door).append(1, '\n').append(action).append(1, '\n').append(outcome);
  auto it = cache.find(key);
  if (it == cache.end()) {
    Metrics& x = m();
    Counter& count = x.actions.Add({{"door", std::string(door)},
                                    {"action", std::string(action)},
                                    {"outcome", std::string(outcome)}});
    Histogram& duration = x.action_seconds.Add(
        {{"door", std::string(door)}, {"action", std::string(action)}}, seconds_buckets());
    it = cache.emplace(key, Children{&count, &duration}).first;
  }
  it->second.count->Increment();
  it->second.duration->Observe(seconds);
}

void store_batch(std::size_t commands, double commit_seconds, bool committed) {
  Metrics& x = m();
  x.batch_size.Observe(static_cast<double>(commands));
  x.commit_seconds.Observe(commit_seconds);
  (committed ? x.batches_committed : x.batches_failed).Increment();
}

void store_queue_depth(std::size_t waiting) { m().queue_depth.Set(static_cast<double>(waiting)); }

void store_read(double seconds) { m().read_seconds.Observe(seconds); }

void store_pool_in_use(std::size_t lent) { m().pool_in_use.Set(static_cast<double>(lent)); }

void delivery(std::string_view target, std::string_view outcome) {
  m().deliveries.Add({{"target", std::string(target)}, {"outcome", std::string(outcome)}})
      .Increment();
}

void events_routed(std::int64_t count) {
  if (count > 0) m().routed.Increment(static_cast<double>(count));
}

void redriven(std::int64_t count) {
  if (count > 0) m().redrives.Increment(static_cast<double>(count));
}

void set_sampler(std::function<void()> sampler) {
  Metrics& x = m();
  std::lock_guard lock(x.sampler_mu);
  x.sampler = std::move(sampler);
}

void set_outbox_lag_seconds(double seconds) { m().outbox_lag.Set(seconds); }

std::string scrape() {
  Metrics& x = m();
  {
    // One scrape at a time: the sampler reads the store, the process counters move by deltas.
    std::lock_guard lock(x.sampler_mu);
    if (x.sampler) x.sampler();
    read_process(x);
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, x.registry.Collect());
  return std::move(out).str();
}

}  // namespace centli::obs::metrics
