// The bus: a dispatcher thread turns committed outbox rows into delivery rows (one per matching
// (event, target)), and one worker thread per target delivers its due rows. All state is in the
// database, written through the store's writer, so a restart resumes where it stopped. Any
// number of processes may run a bus on one store: routing takes each event once
// (Outbox::unrouted in a write) and workers claim deliveries under a lease (Deliveries::claim),
// so processes share the work instead of repeating it (docs/events.md, "Several nodes").
#include "events/bus.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <stop_token>
#include <thread>

#include "events/pattern.h"
#include "http/client.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "store/events.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/json.h"

namespace centli::events {
namespace {

// Replay requests enqueued per dispatcher pass; the rest wait for the next pass.
constexpr std::int64_t kReplayRequestsPerPass = 16;

struct CompiledRule {
  Rule rule;
  Pattern pattern;
  bool builtin = false;
};

struct Consumer {
  std::string pattern_json;
  ConsumerFn fn;
  RetryPolicy retry;
};

// What one attempt came to.
struct Attempt {
  std::int64_t delivery_id = 0;
  int attempts = 0;  // including this one
  std::int64_t first_ms = 0;
  bool ok = false;
  bool permanent = false;  // no retry: straight to dead letters
  std::string error;
  std::string event_id;
};

// Where one event goes: a rule and the key of one of its targets.
struct Route {
  const std::string* rule;
  std::string target;
};

// A delivery claimed by a worker: its event and what its attempt came to.
struct Due {
  Envelope env;
  Attempt a;
  bool replay = false;
};

// Shared with the store's commit listener, which may outlive the bus's threads.
struct Wake {
  std::mutex mu;
  std::condition_variable cv;
  std::uint64_t generation = 0;
  bool stop = false;
  void notify() {
    {
      std::lock_guard lock(mu);
      ++generation;
    }
    cv.notify_all();
  }
  // Waits for a commit after `seen`, a stop, or the timeout; returns false on stop.
  bool wait(std::uint64_t& seen, std::int64_t timeout_ms) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                [&] { return stop || generation != seen; });
    seen = generation;
    return !stop;
  }
};

using OutboxRows = std::vector<store::OutboxEvent>;

std::string target_key(const std::string& rule, std::size_t index) {
  return rule + "/" + std::to_string(index);
}

}  // namespace

struct Bus::Impl {
  struct Worker {
    std::string key;
    const CompiledRule* rule = nullptr;
    const Target* target = nullptr;
    std::thread thread;
    std::atomic<std::int64_t> delivered{0}, retried{0}, dead_lettered{0}, lag_ms{0};
  };

  explicit Impl(store::Store& s) : store(s), wake(std::make_shared<Wake>()) {}

  store::Store& store;
  std::shared_ptr<Wake> wake;
  std::map<std::string, Consumer> consumers;
  BusOptions options;
  std::vector<CompiledRule> rules;
  std::vector<std::unique_ptr<Worker>> workers;
  std::thread dispatcher;
  bool started = false;
  // Requested by stop(): webhook exchanges in flight end at once, no new attempt begins.
  std::stop_source stopper;
  http::Client client;

  std::expected<void, std::string> compile(BusOptions o);
  void dispatch_loop();
  bool dispatch_pass();
  bool replay_pass();
  bool enqueue_replays(const OutboxRows& rows, const std::string& only_rule);
  void sweep();
  std::vector<Route> routes_of(const store::OutboxEvent& e, const std::string& only_rule) const;
  static bool insert_routes(store::WriteTx& tx, const store::OutboxEvent& e,
                            const std::vector<Route>& routes, bool replay);
  void work_loop(Worker& w);
  bool work_pass(Worker& w, std::mt19937_64& rng);
  bool anything_due(const Worker& w);
  std::int64_t claim_max(const Worker& w) const;
  std::vector<Due> claim(Worker& w, std::int64_t limit, std::int64_t& lease_until_ms);
  bool apply_internal(Worker& w, std::mt19937_64& rng);
  void apply_one(store::WriteTx& tx, const Worker& w, Due& d);
  std::size_t attempt_all_outside(Worker& w, std::vector<Due>& due, std::int64_t lease_until_ms);
  Attempt attempt_outside(Worker& w, const Envelope& env, bool replay);
  std::int64_t next_delay_ms(const Attempt& a, std::mt19937_64& rng) const;
  void record(Worker& w, const std::vector<Due>& due, std::size_t done, std::int64_t lease_until_ms,
              std::mt19937_64& rng);
  void log_attempts(Worker& w, const std::vector<Due>& done);
  bool record_one(store::WriteTx& tx, Worker& w, const Attempt& a, std::int64_t next_delay_ms);
};

Bus::Bus(store::Store& store) : store_(store), impl_(std::make_unique<Impl>(store)) {}

Bus::~Bus() { stop(); }

void Bus::register_consumer(std::string name, std::string pattern_json, ConsumerFn fn,
                            RetryPolicy retry) {
  impl_->consumers[std::move(name)] = Consumer{std::move(pattern_json), std::move(fn), retry};
}

std::expected<void, std::string> Bus::Impl::compile(BusOptions o) {
  options = std::move(o);
  for (const auto& [name, c] : consumers) {
    Target t;
    t.type = TargetType::kInternal;
    t.consumer = name;
    Rule r{"consumer:" + name, c.pattern_json, {t}, c.retry};
    auto p = Pattern::compile(r.pattern_json);
    if (!p) {
      return std::unexpected("consumer " + name + " pattern." + p.error().path + ": " +
                             p.error().message);
    }
    rules.push_back(CompiledRule{std::move(r), std::move(*p), true});
  }
  for (auto& r : options.rules) {
    auto p = Pattern::compile(r.pattern_json);
    if (!p) return std::unexpected("rule " + r.name + " pattern: " + p.error().message);
    for (const auto& t : r.targets) {
      if (t.type == TargetType::kInternal && !consumers.contains(t.consumer)) {
        return std::unexpected("rule " + r.name + ": no internal consumer named " + t.consumer);
      }
    }
    rules.push_back(CompiledRule{r, std::move(*p), false});
  }
  return {};
}

std::expected<void, std::string> Bus::start(BusOptions options) {
  if (impl_->started) return std::unexpected("the bus is already started");
  if (auto r = impl_->compile(std::move(options)); !r) return r;
  Impl& im = *impl_;
  for (const auto& rule : im.rules) {
    for (std::size_t i = 0; i < rule.rule.targets.size(); ++i) {
      auto w = std::make_unique<Impl::Worker>();
      w->key = target_key(rule.rule.name, i);
      w->rule = &rule;
      w->target = &rule.rule.targets[i];
      im.workers.push_back(std::move(w));
    }
  }
  im.started = true;
  std::weak_ptr<Wake> weak = im.wake;
  store_.add_commit_listener([weak] {
    if (auto w = weak.lock()) w->notify();
  });
  im.dispatcher = std::thread([&im] { im.dispatch_loop(); });
  for (auto& w : im.workers) {
    w->thread = std::thread([&im, &w = *w] { im.work_loop(w); });
  }
  return {};
}

void Bus::stop() {
  if (!impl_ || !impl_->started) return;
  impl_->stopper.request_stop();
  {
    std::lock_guard lock(impl_->wake->mu);
    impl_->wake->stop = true;
  }
  impl_->wake->cv.notify_all();
  if (impl_->dispatcher.joinable()) impl_->dispatcher.join();
  for (auto& w : impl_->workers) {
    if (w->thread.joinable()) w->thread.join();
  }
  impl_->started = false;
}

std::vector<TargetStats> Bus::stats() const {
  std::vector<TargetStats> out;
  for (const auto& w : impl_->workers) {
    out.push_back(TargetStats{w->key, w->delivered.load(), w->retried.load(),
                              w->dead_lettered.load(), w->lag_ms.load()});
  }
  return out;
}

// --- dispatcher ---

void Bus::Impl::dispatch_loop() {
  std::uint64_t seen = 0;
  std::int64_t next_sweep_ms = 0;
  for (;;) {
    // With no rules events are still marked routed: rules apply to events committed while
    // they are loaded, and replay serves the past.
    bool more = dispatch_pass();
    more = replay_pass() || more;
    if (util::now_ms() >= next_sweep_ms) {
      sweep();
      next_sweep_ms = util::now_ms() + 60'000;
    }
    if (more) {
      std::lock_guard lock(wake->mu);
      if (wake->stop) return;
      continue;
    }
    if (!wake->wait(seen, limits::kDispatchIdleSleepMsMax)) return;
  }
}

// Routes a batch of events: reads the unrouted events and matches them off the writer thread,
// then in one write takes the unrouted events again (those another process's routing holds are
// skipped), inserts their deliveries and marks them routed, so an event is routed once even
// with several processes. Events first seen in the write are matched there. True when a full
// batch was routed (more may wait).
bool Bus::Impl::dispatch_pass() {
  constexpr auto kBatch = static_cast<std::int64_t>(limits::kDispatchBatchMax);
  OutboxRows rows;
  {
    auto reader = store.reader();
    auto read = reader.tx().outbox().unrouted(kBatch);
    if (!read) return false;
    rows = std::move(*read);
  }
  // Nothing to route, nothing written: a write would wake this loop again through the commit
  // listener.
  if (rows.empty()) return false;
  std::map<std::int64_t, std::vector<Route>> matched;
  for (const auto& e : rows) matched[e.seq] = routes_of(e, "");
  std::size_t routed = 0;
  const bool committed = store.write_sync([&](store::WriteTx& tx) {
    // All of the batch or none of it: a failed statement must not spoil the writer's batch.
    store::Savepoint sp(tx);
    auto taken = tx.outbox().unrouted(kBatch);
    if (!taken) return;
    std::vector<std::int64_t> seqs;
    for (const auto& e : *taken) {
      auto it = matched.find(e.seq);
      if (!insert_routes(tx, e, it != matched.end() ? it->second : routes_of(e, ""), false)) {
        return;
      }
      seqs.push_back(e.seq);
    }
    if (tx.outbox().mark_routed(seqs) && sp.release()) routed = seqs.size();
  });
  if (committed) obs::metrics::events_routed(static_cast<std::int64_t>(routed));
  return committed && routed == limits::kDispatchBatchMax;
}

// The targets of every rule (or only `only_rule`) whose pattern `e` matches; none for an
// envelope that does not parse.
std::vector<Route> Bus::Impl::routes_of(const store::OutboxEvent& e,
                                        const std::string& only_rule) const {
  std::vector<Route> out;
  rapidjson::Document doc;
  doc.Parse(e.envelope.data(), e.envelope.size());
  if (doc.HasParseError()) return out;
  for (const auto& r : rules) {
    if (!only_rule.empty() && r.rule.name != only_rule) continue;
    if (!r.pattern.matches(doc)) continue;
    for (std::size_t i = 0; i < r.rule.targets.size(); ++i) {
      out.push_back(Route{&r.rule.name, target_key(r.rule.name, i)});
    }
  }
  return out;
}

// A pending delivery of `e` per route; false when an insert failed.
bool Bus::Impl::insert_routes(store::WriteTx& tx, const store::OutboxEvent& e,
                              const std::vector<Route>& routes, bool replay) {
  for (const auto& route : routes) {
    if (!tx.deliveries().insert({.seq = e.seq,
                                 .event_id = e.event_id,
                                 .rule = *route.rule,
                                 .target = route.target,
                                 .replay = replay,
                                 .enqueued_ms = tx.now_ms()})) {
      return false;
    }
  }
  return true;
}

bool Bus::Impl::replay_pass() {
  std::vector<store::ReplayRequest> requests;
  {
    auto reader = store.reader();
    auto read = reader.tx().deliveries().open_replays(kReplayRequestsPerPass);
    if (!read) return false;
    requests = std::move(*read);
  }
  for (const auto& [id, from_ms, to_ms, rule] : requests) {
    std::int64_t after = 0;
    for (;;) {
      // Stopping leaves the request open: the next start enqueues its window again.
      if (stopper.stop_requested()) return false;
      OutboxRows rows;
      {
        auto reader = store.reader();
        auto read = reader.tx().outbox().window(
            from_ms, to_ms, after, static_cast<std::int64_t>(limits::kDispatchBatchMax));
        if (!read) return false;
        rows = std::move(*read);
      }
      if (rows.empty()) break;
      after = rows.back().seq;
      if (!enqueue_replays(rows, rule)) return false;
    }
    store.write_sync(
        [id](store::WriteTx& tx) { (void)tx.deliveries().finish_replay(id, tx.now_ms()); });
    obs::log(obs::Level::kInfo, "events replay requested deliveries",
             {"", "", "", "", "{\"replay_id\":" + std::to_string(id) + "}"});
  }
  return false;
}

// In one write, a replay delivery of each of `rows` per matching target (of `only_rule` alone
// when not empty).
bool Bus::Impl::enqueue_replays(const OutboxRows& rows, const std::string& only_rule) {
  std::vector<std::vector<Route>> routes;
  for (const auto& e : rows) routes.push_back(routes_of(e, only_rule));
  bool ok = false;
  const bool committed = store.write_sync([&](store::WriteTx& tx) {
    // All of the pass or none of it: a pass retried after a partial insert would enqueue its
    // replay deliveries twice (replays are not deduplicated per event and target).
    store::Savepoint sp(tx);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (!insert_routes(tx, rows[i], routes[i], true)) return;
    }
    ok = sp.release().has_value();
  });
  return committed && ok;
}

// Retention: the store keeps every event not yet routed, whatever its age.
void Bus::Impl::sweep() {
  const std::int64_t cut = util::now_ms() - options.retention_days * 86'400'000;
  store.write_sync([&](store::WriteTx& tx) {
    (void)tx.deliveries().sweep_delivered(cut);
    (void)tx.outbox().sweep(cut);
  });
}

// --- workers ---

void Bus::Impl::work_loop(Worker& w) {
  std::mt19937_64 rng(std::random_device{}());
  std::uint64_t seen = 0;
  for (;;) {
    const bool more = work_pass(w, rng);
    if (more) {
      std::lock_guard lock(wake->mu);
      if (wake->stop) return;
      continue;
    }
    if (!wake->wait(seen, limits::kDispatchIdleSleepMsMax)) return;
  }
}

static Envelope envelope_from(store::OutboxEvent&& o) {
  Envelope e;
  e.seq = o.seq;
  e.event_id = std::move(o.event_id);
  e.event_type = std::move(o.event_type);
  e.source = std::move(o.source);
  e.user_id = std::move(o.user_id);
  e.correlation_id = std::move(o.correlation_id);
  e.created_ms = o.created_ms;
  e.json = std::move(o.envelope);
  e.doc.Parse(e.json.data(), e.json.size());
  return e;
}

static std::vector<Due> due_from(std::vector<store::DueDelivery>&& rows) {
  std::vector<Due> due;
  for (auto& row : rows) {
    Due d{envelope_from(std::move(row.event)), {}, row.replay};
    d.a.delivery_id = row.delivery_id;
    d.a.attempts = static_cast<int>(row.attempts) + 1;
    d.a.first_ms = row.first_ms;
    d.a.event_id = d.env.event_id;
    due.push_back(std::move(d));
  }
  return due;
}

bool Bus::Impl::work_pass(Worker& w, std::mt19937_64& rng) {
  // A claim is a write: only made when a read finds something due, so that an idle worker
  // writes nothing (each commit wakes every worker).
  if (!anything_due(w)) return false;
  if (w.target->type == TargetType::kInternal) return apply_internal(w, rng);
  const std::int64_t limit = claim_max(w);
  std::int64_t lease_until_ms = 0;
  std::vector<Due> due = claim(w, limit, lease_until_ms);
  if (due.empty()) return false;
  const bool full = static_cast<std::int64_t>(due.size()) == limit;
  // A stop abandons the attempt in flight and those not begun: none of them is recorded; they
  // are given back, due at once, and made again after a restart (at least once).
  const std::size_t done = attempt_all_outside(w, due, lease_until_ms);
  record(w, due, done, lease_until_ms, rng);
  due.resize(done);
  log_attempts(w, due);
  return full;
}

bool Bus::Impl::anything_due(const Worker& w) {
  auto reader = store.reader();
  auto read = reader.tx().deliveries().due(w.key, util::now_ms(), 1);
  return read && !read->empty();
}

// Deliveries one claim takes. A webhook worker attempts its claim one delivery after another,
// each up to its target's timeout, so it takes only as many as end within the lease.
std::int64_t Bus::Impl::claim_max(const Worker& w) const {
  constexpr auto kAll = static_cast<std::int64_t>(limits::kDeliveryClaimMax);
  if (w.target->type != TargetType::kWebhook) return kAll;
  const std::int64_t fit = options.delivery_lease_ms / std::max(1, w.target->timeout_ms) - 1;
  return std::clamp<std::int64_t>(fit, 1, kAll);
}

// Claims up to `limit` due deliveries of the worker's target in a write of their own, leased
// until `lease_until_ms`; none when the write did not commit (unleased, an attempt could meet
// another process's).
std::vector<Due> Bus::Impl::claim(Worker& w, std::int64_t limit, std::int64_t& lease_until_ms) {
  std::vector<store::DueDelivery> rows;
  const bool committed = store.write_sync([&](store::WriteTx& tx) {
    store::Savepoint sp(tx);
    lease_until_ms = tx.now_ms() + options.delivery_lease_ms;
    auto claimed = tx.deliveries().claim(w.key, tx.now_ms(), lease_until_ms, limit);
    if (claimed && sp.release()) rows = std::move(*claimed);
  });
  if (!committed) return {};
  return due_from(std::move(rows));
}

// Claims, applies and records in one write, so an internal delivery is never left leased: a
// crash or a failed commit keeps none of it. True when a full claim was applied.
bool Bus::Impl::apply_internal(Worker& w, std::mt19937_64& rng) {
  std::vector<Due> due;
  const bool committed = store.write_sync([&](store::WriteTx& tx) {
    store::Savepoint sp(tx);
    const std::int64_t now = tx.now_ms();
    auto claimed = tx.deliveries().claim(w.key, now, now + options.delivery_lease_ms,
                                         static_cast<std::int64_t>(limits::kDeliveryClaimMax));
    if (!claimed) return;
    due = due_from(std::move(*claimed));
    bool ok = true;
    for (auto& d : due) {
      apply_one(tx, w, d);
      ok = ok && record_one(tx, w, d.a, next_delay_ms(d.a, rng));
    }
    // A failed write rolls back the whole claim: the deliveries stay due, nothing is applied.
    if (!ok || !sp.release()) due.clear();
  });
  if (!committed) return false;
  log_attempts(w, due);
  return due.size() == limits::kDeliveryClaimMax;
}

// Runs the consumer on `d` unless its inbox has the event; d.a.ok says whether it is applied.
// Two processes may apply one event at once (a replay, a lease that ran out): the second inbox
// insert waits for the first's transaction and, once it commits, is refused by the inbox's key;
// the second's effect is rolled back with its savepoint and its delivery retried, which then
// finds the event in the inbox. So the event is applied once.
void Bus::Impl::apply_one(store::WriteTx& tx, const Worker& w, Due& d) {
  Attempt& a = d.a;
  const std::string& consumer = w.target->consumer;
  const Consumer& c = consumers.at(consumer);
  // A failed check counts as not applied: the inbox insert then refuses a repeat.
  auto seen = tx.inbox().contains(consumer, a.event_id);
  bool applied = seen && *seen;
  if (!applied) {
    store::Savepoint sp(tx);
    auto r = c.fn(tx, d.env);
    if (r) {
      if (tx.inbox().insert(consumer, a.event_id, tx.now_ms()) && sp.release()) {
        applied = true;
      } else {
        a.error = "inbox write failed";
      }
    } else {
      a.error = r.error().message;
    }
  }
  a.ok = applied;
}

// Attempts `due` in order until a stop, or until an attempt could outlast the lease (another
// process may claim the delivery from then on); returns how many attempts completed (a prefix).
std::size_t Bus::Impl::attempt_all_outside(Worker& w, std::vector<Due>& due,
                                           std::int64_t lease_until_ms) {
  for (std::size_t i = 0; i < due.size(); ++i) {
    if (stopper.stop_requested()) return i;
    if (i > 0 && util::now_ms() + w.target->timeout_ms >= lease_until_ms) return i;
    Attempt r = attempt_outside(w, due[i].env, due[i].replay);
    if (stopper.stop_requested() && !r.ok && !r.permanent) return i;
    r.delivery_id = due[i].a.delivery_id;
    r.attempts = due[i].a.attempts;
    r.first_ms = due[i].a.first_ms;
    r.event_id = due[i].a.event_id;
    due[i].a = std::move(r);
  }
  return due.size();
}

void Bus::Impl::log_attempts(Worker& w, const std::vector<Due>& done) {
  const std::int64_t now = util::now_ms();
  for (const Due& d : done) {
    const Attempt& a = d.a;
    if (a.ok) w.lag_ms = now - d.env.created_ms;
    const std::string details = "{\"target\":\"" + w.key + "\",\"event_id\":\"" + a.event_id +
                                "\",\"attempt\":" + std::to_string(a.attempts) +
                                ",\"delivered\":" + (a.ok ? "true" : "false") + "}";
    obs::log(a.ok ? obs::Level::kInfo : obs::Level::kWarn, "event delivery attempt",
             {d.env.correlation_id, "", d.env.event_type, "", details});
  }
}

Attempt Bus::Impl::attempt_outside(Worker& w, const Envelope& env, bool replay) {
  Attempt a;
  if (w.target->type == TargetType::kLog) {
    obs::log(obs::Level::kInfo, "event",
             {env.correlation_id, "", env.event_type, "", obs::mask_json(env.json)});
    a.ok = true;
    return a;
  }
  const std::string ts = std::to_string(util::now_ms() / 1000);
  http::ClientRequest req;
  req.url = w.target->url;
  req.body = env.json;
  req.timeout_ms = w.target->timeout_ms;
  req.headers = {{"Content-Type", "application/json"},
                 {"X-Centli-Timestamp", ts},
                 {"X-Centli-Signature",
                  "sha256=" + util::hmac_sha256_hex(w.target->secret, ts + "." + env.json)},
                 {"X-Centli-Event-Id", env.event_id},
                 {"X-Correlation-Id", env.correlation_id}};
  if (replay) req.headers.emplace_back("X-Centli-Replay", "true");
  auto res = client.send(req, stopper.get_token());
  if (!res) {
    a.error = res.error();
    return a;
  }
  const int s = res->status;
  a.ok = s >= 200 && s < 300;
  if (!a.ok) {
    a.error = "HTTP " + std::to_string(s);
    a.permanent = s >= 400 && s < 500 && s != 429;
  }
  return a;
}

// The wait before the attempt after `a` (full-jitter backoff).
std::int64_t Bus::Impl::next_delay_ms(const Attempt& a, std::mt19937_64& rng) const {
  return backoff_delay_ms(a.attempts + 1, options.backoff_base_ms, options.backoff_cap_ms,
                          std::uniform_real_distribution<double>(0, 1)(rng));
}

// In one write: the outcomes of the first `done` of `due`, and the others (not attempted) given
// back under their lease, due at once.
void Bus::Impl::record(Worker& w, const std::vector<Due>& due, std::size_t done,
                       std::int64_t lease_until_ms, std::mt19937_64& rng) {
  std::vector<std::int64_t> delays;
  for (std::size_t i = 0; i < done; ++i) delays.push_back(next_delay_ms(due[i].a, rng));
  // A crash before this commits means the attempts are made again, after the lease: at least
  // once.
  store.write_sync([&](store::WriteTx& tx) {
    store::Savepoint sp(tx);
    bool ok = true;
    for (std::size_t i = 0; i < done; ++i) ok = ok && record_one(tx, w, due[i].a, delays[i]);
    for (std::size_t i = done; i < due.size() && ok; ++i) {
      ok = tx.deliveries().release(due[i].a.delivery_id, lease_until_ms, tx.now_ms()).has_value();
    }
    if (ok) (void)sp.release();
  });
}

// The outcome of one attempt; false when a write failed (the caller rolls back).
bool Bus::Impl::record_one(store::WriteTx& tx, Worker& w, const Attempt& a,
                           std::int64_t next_delay_ms) {
  const std::int64_t now = tx.now_ms();
  if (a.ok) {
    if (!tx.deliveries().mark_delivered(a.delivery_id, a.attempts, now)) return false;
    obs::metrics::delivery(w.key, "delivered");
    ++w.delivered;
    return true;
  }
  const auto& retry = w.rule->rule.retry;
  const bool exhausted = a.permanent || a.attempts >= retry.max_attempts ||
                         now + next_delay_ms - a.first_ms > retry.max_age_s * 1000;
  if (!exhausted) {
    if (!tx.deliveries().mark_retry(a.delivery_id, a.attempts, now + next_delay_ms, now, a.error)) {
      return false;
    }
    obs::metrics::delivery(w.key, "retry");
    ++w.retried;
    return true;
  }
  // A delivery no longer pending (recorded or purged meanwhile) gets no dead letter.
  auto dead = tx.deliveries().mark_dead(a.delivery_id, a.attempts, now, a.error);
  if (!dead) return false;
  if (!*dead) return true;
  if (!tx.dead_letters().insert({.dead_id = util::random_id("dlq-"),
                                 .delivery_id = a.delivery_id,
                                 .event_id = a.event_id,
                                 .rule = w.rule->rule.name,
                                 .target = w.key,
                                 .attempts = a.attempts,
                                 .last_error = a.error,
                                 .dead_ms = now})) {
    return false;
  }
  obs::metrics::delivery(w.key, "dead");
  ++w.dead_lettered;
  return true;
}

}  // namespace centli::events
