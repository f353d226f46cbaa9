// The bus: a dispatcher thread turns committed outbox rows into delivery rows (one per matching
// (event, target)), and one worker thread per target delivers its due rows. All state is in the
// database, written through the store's writer, so a restart resumes where it stopped.
#include "events/bus.h"

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
  // The dispatcher's position, ahead of the persisted one while passes create no deliveries:
  // those passes skip a write (rescanning them after a crash inserts nothing, deliveries being
  // unique per event and target). Only the dispatcher thread touches these two.
  std::int64_t memory_cursor = -1;
  std::int64_t cursor_persisted_ms = 0;

  std::expected<void, std::string> compile(BusOptions o);
  void dispatch_loop();
  bool dispatch_pass();
  bool replay_pass();
  void sweep();
  std::int64_t read_cursor();
  bool insert_deliveries(std::int64_t seq_from, std::int64_t replay, const OutboxRows& rows,
                         const std::string& only_rule, std::int64_t cursor, std::int64_t replay_id);
  void work_loop(Worker& w);
  bool work_pass(Worker& w, std::mt19937_64& rng);
  std::vector<Due> claim_due(Worker& w);
  void apply_internal(Worker& w, std::vector<Due>& due, std::mt19937_64& rng);
  std::size_t attempt_all_outside(Worker& w, std::vector<Due>& due);
  Attempt attempt_outside(Worker& w, const Envelope& env, bool replay);
  void record(Worker& w, const std::vector<Due>& done, std::mt19937_64& rng);
  void log_attempts(Worker& w, const std::vector<Due>& done);
  void record_one(store::WriteTx& tx, Worker& w, const Attempt& a, std::int64_t next_delay_ms);
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
    // With no rules the cursor still advances: rules apply to events committed while they
    // are loaded, and replay serves the past.
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

std::int64_t Bus::Impl::read_cursor() {
  auto reader = store.reader();
  return reader.tx().deliveries().dispatch_cursor().value_or(-1);
}

bool Bus::Impl::dispatch_pass() {
  const std::int64_t cursor = memory_cursor >= 0 ? memory_cursor : read_cursor();
  if (cursor < 0) return false;
  OutboxRows rows;
  {
    auto reader = store.reader();
    auto read =
        reader.tx().outbox().after(cursor, static_cast<std::int64_t>(limits::kDispatchBatchMax));
    if (!read) return false;
    rows = std::move(*read);
  }
  if (rows.empty()) return false;
  const std::int64_t last = rows.back().seq;
  if (!insert_deliveries(cursor, 0, rows, "", last, 0)) return false;
  return rows.size() == limits::kDispatchBatchMax;
}

// In one transaction: a delivery row per matching (event, target), then the cursor (when
// `cursor` > 0) or the replay request's completion (when `replay_id` > 0).
bool Bus::Impl::insert_deliveries(std::int64_t, std::int64_t replay, const OutboxRows& rows,
                                  const std::string& only_rule, std::int64_t cursor,
                                  std::int64_t replay_id) {
  struct Row {
    std::int64_t seq;
    const std::string* event_id;
    const std::string* rule;
    std::string target;
  };
  std::vector<Row> out;
  for (const auto& e : rows) {
    rapidjson::Document doc;
    doc.Parse(e.envelope.data(), e.envelope.size());
    if (doc.HasParseError()) continue;
    for (const auto& r : rules) {
      if (!only_rule.empty() && r.rule.name != only_rule) continue;
      if (!r.pattern.matches(doc)) continue;
      for (std::size_t i = 0; i < r.rule.targets.size(); ++i) {
        out.push_back(Row{e.seq, &e.event_id, &r.rule.name, target_key(r.rule.name, i)});
      }
    }
  }
  const bool advance = cursor > 0 && replay_id == 0;
  const std::int64_t now = util::now_ms();
  if (advance && out.empty() && now - cursor_persisted_ms < limits::kDispatchCursorPersistMs) {
    memory_cursor = cursor;
    return true;
  }
  bool ok = true;
  const bool committed = store.write_sync([&](store::WriteTx& tx) {
    // All of the pass or none of it: a pass retried after a partial insert would enqueue its
    // replay deliveries twice (replays are not deduplicated per event and target).
    store::Savepoint sp(tx);
    for (const auto& row : out) {
      if (!tx.deliveries().insert({.seq = row.seq,
                                   .event_id = *row.event_id,
                                   .rule = *row.rule,
                                   .target = row.target,
                                   .replay = replay != 0,
                                   .enqueued_ms = tx.now_ms()})) {
        ok = false;
        return;
      }
    }
    if (advance && !tx.deliveries().set_dispatch_cursor(cursor)) ok = false;
    if (ok && !sp.release()) ok = false;
  });
  if (committed && ok && advance) {
    memory_cursor = cursor;
    cursor_persisted_ms = now;
  }
  return committed && ok;
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
      if (!insert_deliveries(0, 1, rows, rule, 0, id)) return false;
    }
    store.write_sync(
        [id](store::WriteTx& tx) { (void)tx.deliveries().finish_replay(id, tx.now_ms()); });
    obs::log(obs::Level::kInfo, "events replay requested deliveries",
             {"", "", "", "", "{\"replay_id\":" + std::to_string(id) + "}"});
  }
  return false;
}

void Bus::Impl::sweep() {
  const std::int64_t cursor = read_cursor();
  if (cursor <= 0) return;
  const std::int64_t cut = util::now_ms() - options.retention_days * 86'400'000;
  store.write_sync([&](store::WriteTx& tx) {
    (void)tx.deliveries().sweep_delivered(cut, cursor);
    (void)tx.outbox().sweep(cut, cursor);
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

std::vector<Due> Bus::Impl::claim_due(Worker& w) {
  std::vector<Due> due;
  std::vector<store::DueDelivery> rows;
  {
    auto reader = store.reader();
    auto read = reader.tx().deliveries().due(w.key, util::now_ms(),
                                             static_cast<std::int64_t>(limits::kDeliveryClaimMax));
    if (!read) return due;
    rows = std::move(*read);
  }
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
  std::vector<Due> due = claim_due(w);
  if (due.empty()) return false;
  const bool full = due.size() == limits::kDeliveryClaimMax;
  if (w.target->type == TargetType::kInternal) {
    apply_internal(w, due, rng);
  } else {
    // A stop abandons the attempt in flight and those not begun: none of them is recorded, so
    // each stays pending and is made again after a restart (at least once).
    due.resize(attempt_all_outside(w, due));
    record(w, due, rng);
  }
  log_attempts(w, due);
  return full;
}

void Bus::Impl::apply_internal(Worker& w, std::vector<Due>& due, std::mt19937_64& rng) {
  const Consumer& c = consumers.at(w.target->consumer);
  std::vector<std::int64_t> delays;
  for (auto& d : due) {
    delays.push_back(backoff_delay_ms(d.a.attempts + 1, options.backoff_base_ms,
                                      options.backoff_cap_ms,
                                      std::uniform_real_distribution<double>(0, 1)(rng)));
  }
  store.write_sync([&](store::WriteTx& tx) {
    for (std::size_t i = 0; i < due.size(); ++i) {
      Attempt& a = due[i].a;
      // A failed check counts as not applied: the inbox insert then refuses a repeat.
      auto seen = tx.inbox().contains(w.target->consumer, a.event_id);
      bool applied = seen && *seen;
      if (!applied) {
        store::Savepoint sp(tx);
        auto r = c.fn(tx, due[i].env);
        if (r) {
          if (tx.inbox().insert(w.target->consumer, a.event_id, tx.now_ms()) && sp.release()) {
            applied = true;
          } else {
            a.error = "inbox write failed";
          }
        } else {
          a.error = r.error().message;
        }
      }
      a.ok = applied;
      record_one(tx, w, a, delays[i]);
    }
  });
}

// Attempts `due` in order until a stop; returns how many attempts completed (a prefix).
std::size_t Bus::Impl::attempt_all_outside(Worker& w, std::vector<Due>& due) {
  for (std::size_t i = 0; i < due.size(); ++i) {
    if (stopper.stop_requested()) return i;
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

void Bus::Impl::record(Worker& w, const std::vector<Due>& done, std::mt19937_64& rng) {
  if (done.empty()) return;
  std::vector<std::int64_t> delays;
  for (const auto& d : done) {
    delays.push_back(backoff_delay_ms(d.a.attempts + 1, options.backoff_base_ms,
                                      options.backoff_cap_ms,
                                      std::uniform_real_distribution<double>(0, 1)(rng)));
  }
  // A crash before this commits means the attempts are made again: at least once.
  store.write_sync([&](store::WriteTx& tx) {
    for (std::size_t i = 0; i < done.size(); ++i) record_one(tx, w, done[i].a, delays[i]);
  });
}

void Bus::Impl::record_one(store::WriteTx& tx, Worker& w, const Attempt& a,
                           std::int64_t next_delay_ms) {
  const std::int64_t now = tx.now_ms();
  if (a.ok) {
    (void)tx.deliveries().mark_delivered(a.delivery_id, a.attempts, now);
    ++w.delivered;
    return;
  }
  const auto& retry = w.rule->rule.retry;
  const bool exhausted = a.permanent || a.attempts >= retry.max_attempts ||
                         now + next_delay_ms - a.first_ms > retry.max_age_s * 1000;
  if (!exhausted) {
    (void)tx.deliveries().mark_retry(a.delivery_id, a.attempts, now + next_delay_ms, now, a.error);
    ++w.retried;
    return;
  }
  // A delivery no longer pending (recorded or purged meanwhile) gets no dead letter.
  auto dead = tx.deliveries().mark_dead(a.delivery_id, a.attempts, now, a.error);
  if (!dead || !*dead) return;
  (void)tx.dead_letters().insert({.dead_id = util::random_id("dlq-"),
                                  .delivery_id = a.delivery_id,
                                  .event_id = a.event_id,
                                  .rule = w.rule->rule.name,
                                  .target = w.key,
                                  .attempts = a.attempts,
                                  .last_error = a.error,
                                  .dead_ms = now});
  ++w.dead_lettered;
}

}  // namespace centli::events
