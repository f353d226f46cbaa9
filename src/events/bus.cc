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
#include "store/sqlite/db.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/json.h"

namespace centli::events {
namespace {

constexpr const char* kCursorKey = "events.dispatch_seq";
constexpr const char* kSelectCursor = "SELECT value FROM meta WHERE key = ?1";
constexpr const char* kUpsertCursor =
    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
constexpr const char* kSelectOutboxAfter =
    "SELECT seq, event_id, envelope FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2";
constexpr const char* kSelectOutboxWindow =
    "SELECT seq, event_id, envelope FROM outbox WHERE created_ms >= ?1 AND created_ms <= ?2 "
    "AND seq > ?3 ORDER BY seq LIMIT ?4";
constexpr const char* kInsertDelivery =
    "INSERT OR IGNORE INTO deliveries (seq, event_id, rule, target, status, attempts, first_ms, "
    "next_ms, updated_ms, replay) VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, ?5, ?5, ?6)";
constexpr const char* kSelectReplays =
    "SELECT replay_id, from_ms, to_ms, rule FROM replay_requests WHERE done_ms IS NULL "
    "ORDER BY replay_id LIMIT 16";
constexpr const char* kFinishReplay =
    "UPDATE replay_requests SET done_ms = ?2 WHERE replay_id = ?1";
constexpr const char* kSelectDue =
    "SELECT d.delivery_id, d.attempts, d.first_ms, d.replay, o.seq, o.event_id, o.event_type, "
    "o.source, o.user_id, o.correlation_id, o.created_ms, o.envelope FROM deliveries d "
    "JOIN outbox o ON o.seq = d.seq WHERE d.target = ?1 AND d.status = 'pending' "
    "AND d.next_ms <= ?2 ORDER BY d.next_ms, d.delivery_id LIMIT ?3";
constexpr const char* kMarkDelivered =
    "UPDATE deliveries SET status = 'delivered', attempts = ?2, updated_ms = ?3, "
    "last_error = '' WHERE delivery_id = ?1 AND status = 'pending'";
constexpr const char* kMarkRetry =
    "UPDATE deliveries SET attempts = ?2, next_ms = ?3, updated_ms = ?4, last_error = ?5 "
    "WHERE delivery_id = ?1 AND status = 'pending'";
constexpr const char* kMarkDead =
    "UPDATE deliveries SET status = 'dead', attempts = ?2, updated_ms = ?3, last_error = ?4 "
    "WHERE delivery_id = ?1 AND status = 'pending'";
constexpr const char* kInsertDead =
    "INSERT OR REPLACE INTO dead_letters (dead_id, delivery_id, event_id, rule, target, "
    "attempts, last_error, dead_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kSelectInbox = "SELECT 1 FROM inbox WHERE consumer = ?1 AND event_id = ?2";
constexpr const char* kInsertInbox =
    "INSERT INTO inbox (consumer, event_id, applied_ms) VALUES (?1, ?2, ?3)";
// Retention: events past the cut that the dispatcher has seen, with nothing pending or dead.
constexpr const char* kSweepDeliveries =
    "DELETE FROM deliveries WHERE status = 'delivered' AND seq IN (SELECT seq FROM outbox "
    "WHERE created_ms < ?1 AND seq <= ?2)";
constexpr const char* kSweepOutbox =
    "DELETE FROM outbox WHERE created_ms < ?1 AND seq <= ?2 AND NOT EXISTS "
    "(SELECT 1 FROM deliveries d WHERE d.seq = outbox.seq)";

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
  bool insert_deliveries(
      std::int64_t seq_from, std::int64_t replay,
      const std::vector<std::tuple<std::int64_t, std::string, std::string>>& rows,
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
  auto st = reader.db().prepare(kSelectCursor);
  if (!st) return -1;
  st->bind(1, kCursorKey);
  auto row = st->step();
  if (!row) return -1;
  if (!*row) return 0;
  return std::stoll(st->text(0));
}

using OutboxRows = std::vector<std::tuple<std::int64_t, std::string, std::string>>;

// Reads up to `limit` outbox rows (seq, event_id, envelope) from `st`, already bound.
static OutboxRows read_rows(sqlite::Stmt& st) {
  OutboxRows rows;
  for (;;) {
    auto more = st.step();
    if (!more || !*more) break;
    rows.emplace_back(st.int64(0), st.text(1), st.text(2));
  }
  return rows;
}

bool Bus::Impl::dispatch_pass() {
  const std::int64_t cursor = memory_cursor >= 0 ? memory_cursor : read_cursor();
  if (cursor < 0) return false;
  OutboxRows rows;
  {
    auto reader = store.reader();
    auto st = reader.db().prepare(kSelectOutboxAfter);
    if (!st) return false;
    st->bind(1, cursor).bind(2, static_cast<std::int64_t>(limits::kDispatchBatchMax));
    rows = read_rows(*st);
  }
  if (rows.empty()) return false;
  const std::int64_t last = std::get<0>(rows.back());
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
  for (const auto& [seq, event_id, text] : rows) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError()) continue;
    for (const auto& r : rules) {
      if (!only_rule.empty() && r.rule.name != only_rule) continue;
      if (!r.pattern.matches(doc)) continue;
      for (std::size_t i = 0; i < r.rule.targets.size(); ++i) {
        out.push_back(Row{seq, &event_id, &r.rule.name, target_key(r.rule.name, i)});
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
    for (const auto& row : out) {
      auto st = tx.db().prepare(kInsertDelivery);
      if (!st || !st->bind(1, row.seq)
                      .bind(2, *row.event_id)
                      .bind(3, *row.rule)
                      .bind(4, row.target)
                      .bind(5, tx.now_ms())
                      .bind(6, replay)
                      .exec()) {
        ok = false;
        return;
      }
    }
    if (cursor > 0 && replay_id == 0) {
      auto st = tx.db().prepare(kUpsertCursor);
      if (!st || !st->bind(1, kCursorKey).bind(2, std::to_string(cursor)).exec()) ok = false;
    }
  });
  if (committed && ok && advance) {
    memory_cursor = cursor;
    cursor_persisted_ms = now;
  }
  return committed && ok;
}

bool Bus::Impl::replay_pass() {
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::string>> requests;
  {
    auto reader = store.reader();
    auto st = reader.db().prepare(kSelectReplays);
    if (!st) return false;
    for (;;) {
      auto more = st->step();
      if (!more || !*more) break;
      requests.emplace_back(st->int64(0), st->int64(1), st->int64(2), st->text(3));
    }
  }
  for (const auto& [id, from_ms, to_ms, rule] : requests) {
    std::int64_t after = 0;
    for (;;) {
      // Stopping leaves the request open: the next start enqueues its window again.
      if (stopper.stop_requested()) return false;
      OutboxRows rows;
      {
        auto reader = store.reader();
        auto st = reader.db().prepare(kSelectOutboxWindow);
        if (!st) return false;
        st->bind(1, from_ms)
            .bind(2, to_ms)
            .bind(3, after)
            .bind(4, static_cast<std::int64_t>(limits::kDispatchBatchMax));
        rows = read_rows(*st);
      }
      if (rows.empty()) break;
      after = std::get<0>(rows.back());
      if (!insert_deliveries(0, 1, rows, rule, 0, id)) return false;
    }
    store.write_sync([id](store::WriteTx& tx) {
      if (auto st = tx.db().prepare(kFinishReplay))
        (void)st->bind(1, id).bind(2, tx.now_ms()).exec();
    });
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
    if (auto st = tx.db().prepare(kSweepDeliveries)) (void)st->bind(1, cut).bind(2, cursor).exec();
    if (auto st = tx.db().prepare(kSweepOutbox)) (void)st->bind(1, cut).bind(2, cursor).exec();
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

static Envelope envelope_from(sqlite::Stmt& st) {
  Envelope e;
  e.seq = st.int64(4);
  e.event_id = st.text(5);
  e.event_type = st.text(6);
  e.source = st.text(7);
  e.user_id = st.text(8);
  e.correlation_id = st.text(9);
  e.created_ms = st.int64(10);
  e.json = st.text(11);
  e.doc.Parse(e.json.data(), e.json.size());
  return e;
}

std::vector<Due> Bus::Impl::claim_due(Worker& w) {
  std::vector<Due> due;
  auto reader = store.reader();
  auto st = reader.db().prepare(kSelectDue);
  if (!st) return due;
  st->bind(1, w.key)
      .bind(2, util::now_ms())
      .bind(3, static_cast<std::int64_t>(limits::kDeliveryClaimMax));
  for (;;) {
    auto more = st->step();
    if (!more || !*more) break;
    Due d{envelope_from(*st), {}, st->int64(3) != 0};
    d.a.delivery_id = st->int64(0);
    d.a.attempts = static_cast<int>(st->int64(1)) + 1;
    d.a.first_ms = st->int64(2);
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
      auto seen = tx.db().prepare(kSelectInbox);
      bool applied = false;
      if (seen) {
        seen->bind(1, w.target->consumer).bind(2, a.event_id);
        auto row = seen->step();
        applied = row && *row;
      }
      if (!applied) {
        sqlite::Savepoint sp(tx.db());
        auto r = c.fn(tx, due[i].env);
        if (r) {
          auto ins = tx.db().prepare(kInsertInbox);
          if (ins &&
              ins->bind(1, w.target->consumer).bind(2, a.event_id).bind(3, tx.now_ms()).exec() &&
              sp.release()) {
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
    if (auto st = tx.db().prepare(kMarkDelivered)) {
      (void)st->bind(1, a.delivery_id).bind(2, a.attempts).bind(3, now).exec();
    }
    ++w.delivered;
    return;
  }
  const auto& retry = w.rule->rule.retry;
  const bool exhausted = a.permanent || a.attempts >= retry.max_attempts ||
                         now + next_delay_ms - a.first_ms > retry.max_age_s * 1000;
  if (!exhausted) {
    if (auto st = tx.db().prepare(kMarkRetry)) {
      (void)st->bind(1, a.delivery_id)
          .bind(2, a.attempts)
          .bind(3, now + next_delay_ms)
          .bind(4, now)
          .bind(5, a.error)
          .exec();
    }
    ++w.retried;
    return;
  }
  auto st = tx.db().prepare(kMarkDead);
  if (!st) return;
  (void)st->bind(1, a.delivery_id).bind(2, a.attempts).bind(3, now).bind(4, a.error).exec();
  if (tx.db().changes() == 0) return;
  if (auto ins = tx.db().prepare(kInsertDead)) {
    (void)ins->bind(1, util::random_id("dlq-"))
        .bind(2, a.delivery_id)
        .bind(3, a.event_id)
        .bind(4, w.rule->rule.name)
        .bind(5, w.key)
        .bind(6, a.attempts)
        .bind(7, a.error)
        .bind(8, now)
        .exec();
  }
  ++w.dead_lettered;
}

}  // namespace centli::events
