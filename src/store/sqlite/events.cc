#include "store/sqlite/events.h"

#include <charconv>

#include "store/sqlite/errors.h"
#include "store/sqlite/meta.h"

namespace centli::store::sqlite_impl {
namespace {

constexpr const char* kInsertOutbox =
    "INSERT INTO outbox (event_id, event_type, source, user_id, correlation_id, created_ms, "
    "envelope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kSelectOutboxAfter =
    "SELECT seq, event_id, event_type, source, user_id, correlation_id, created_ms, envelope "
    "FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2";
constexpr const char* kSelectOutboxWindow =
    "SELECT seq, event_id, event_type, source, user_id, correlation_id, created_ms, envelope "
    "FROM outbox WHERE created_ms >= ?1 AND created_ms <= ?2 "
    "AND seq > ?3 ORDER BY seq LIMIT ?4";
constexpr const char* kListOutbox =
    "SELECT seq, event_id, event_type, source, user_id, correlation_id, created_ms, envelope "
    "FROM outbox "
    "WHERE seq > ?1 AND created_ms >= ?2 AND (?3 = '' OR event_type = ?3) "
    "AND (?4 = '' OR correlation_id = ?4) ORDER BY seq LIMIT ?5";
// The dispatcher's position (meta events.dispatch_seq, decimal text): the last seq routed. One
// writer and seq in commit order make it exact: every event up to it is routed, none after.
constexpr const char* kDispatchCursorKey = "events.dispatch_seq";
constexpr const char* kSelectUnrouted =
    "SELECT seq, event_id, event_type, source, user_id, correlation_id, created_ms, envelope "
    "FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2";
// Retention: routed events past the cut with nothing pending or dead. Without a cursor (never
// routed, or not a number) nothing is routed: the comparison with NULL keeps every row.
constexpr const char* kSweepDeliveries =
    "DELETE FROM deliveries WHERE status = 'delivered' AND seq IN (SELECT seq FROM outbox "
    "WHERE created_ms < ?1 AND seq <= (SELECT CAST(value AS INTEGER) FROM meta "
    "WHERE key = 'events.dispatch_seq'))";
constexpr const char* kSweepOutbox =
    "DELETE FROM outbox WHERE created_ms < ?1 AND seq <= (SELECT CAST(value AS INTEGER) FROM "
    "meta WHERE key = 'events.dispatch_seq') AND NOT EXISTS "
    "(SELECT 1 FROM deliveries d WHERE d.seq = outbox.seq)";

constexpr const char* kInsertDelivery =
    "INSERT OR IGNORE INTO deliveries (seq, event_id, rule, target, status, attempts, first_ms, "
    "next_ms, updated_ms, replay) VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, ?5, ?5, ?6)";
constexpr const char* kSelectDue =
    "SELECT d.delivery_id, d.attempts, d.first_ms, d.replay, o.seq, o.event_id, o.event_type, "
    "o.source, o.user_id, o.correlation_id, o.created_ms, o.envelope FROM deliveries d "
    "JOIN outbox o ON o.seq = d.seq WHERE d.target = ?1 AND d.status = 'pending' "
    "AND d.next_ms <= ?2 ORDER BY d.next_ms, d.delivery_id LIMIT ?3";
// A claim is kSelectDue then this lease of the same rows, in one write: with one writer nothing
// changes between the two statements, so no row needs a lock.
constexpr const char* kLeaseDue =
    "UPDATE deliveries SET next_ms = ?4 WHERE delivery_id IN (SELECT d.delivery_id "
    "FROM deliveries d JOIN outbox o ON o.seq = d.seq WHERE d.target = ?1 "
    "AND d.status = 'pending' AND d.next_ms <= ?2 ORDER BY d.next_ms, d.delivery_id LIMIT ?3)";
constexpr const char* kRelease =
    "UPDATE deliveries SET next_ms = ?3 WHERE delivery_id = ?1 AND status = 'pending' "
    "AND next_ms = ?2";
constexpr const char* kMarkDelivered =
    "UPDATE deliveries SET status = 'delivered', attempts = ?2, updated_ms = ?3, "
    "last_error = '' WHERE delivery_id = ?1 AND status = 'pending'";
constexpr const char* kMarkRetry =
    "UPDATE deliveries SET attempts = ?2, next_ms = ?3, updated_ms = ?4, last_error = ?5 "
    "WHERE delivery_id = ?1 AND status = 'pending'";
constexpr const char* kMarkDead =
    "UPDATE deliveries SET status = 'dead', attempts = ?2, updated_ms = ?3, last_error = ?4 "
    "WHERE delivery_id = ?1 AND status = 'pending'";
constexpr const char* kInsertReplay =
    "INSERT INTO replay_requests (from_ms, to_ms, rule, created_ms) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kLastReplay = "SELECT max(replay_id) FROM replay_requests";
constexpr const char* kSelectReplays =
    "SELECT replay_id, from_ms, to_ms, rule FROM replay_requests WHERE done_ms IS NULL "
    "ORDER BY replay_id LIMIT ?1";
constexpr const char* kFinishReplay =
    "UPDATE replay_requests SET done_ms = ?2 WHERE replay_id = ?1";

constexpr const char* kInsertDead =
    "INSERT OR REPLACE INTO dead_letters (dead_id, delivery_id, event_id, rule, target, "
    "attempts, last_error, dead_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kListDead =
    "SELECT l.dead_id, l.event_id, COALESCE(o.event_type, ''), COALESCE(o.correlation_id, ''), "
    "l.rule, l.target, l.attempts, l.last_error, l.dead_ms, COALESCE(o.envelope, '') "
    "FROM dead_letters l LEFT JOIN outbox o ON o.event_id = l.event_id "
    "WHERE ?1 = '' OR l.dead_id = ?1 ORDER BY l.dead_ms, l.dead_id LIMIT ?2";
constexpr const char* kRedriveDeliveries =
    "UPDATE deliveries SET status = 'pending', attempts = 0, first_ms = ?2, next_ms = ?2, "
    "updated_ms = ?2, last_error = '' WHERE delivery_id IN "
    "(SELECT delivery_id FROM dead_letters WHERE ?1 = '' OR dead_id = ?1)";
constexpr const char* kPurgeDeliveries =
    "DELETE FROM deliveries WHERE delivery_id IN "
    "(SELECT delivery_id FROM dead_letters WHERE ?1 = '' OR dead_id = ?1)";
constexpr const char* kDeleteDead = "DELETE FROM dead_letters WHERE ?1 = '' OR dead_id = ?1";

constexpr const char* kSelectInbox = "SELECT 1 FROM inbox WHERE consumer = ?1 AND event_id = ?2";
constexpr const char* kInsertInbox =
    "INSERT INTO inbox (consumer, event_id, applied_ms) VALUES (?1, ?2, ?3)";
constexpr const char* kTestConsumerApply =
    "INSERT INTO meta (key, value) VALUES ('test_consumer:' || ?1, '1') "
    "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)";

// The outbox columns of the current row (seq, event_id, event_type, source, user_id,
// correlation_id, created_ms, envelope), starting at column `at`, in OutboxEvent's order.
OutboxEvent read_event(const sqlite::Stmt& st, int at) {
  return OutboxEvent{.seq = st.int64(at),
                     .event_id = st.text(at + 1),
                     .event_type = st.text(at + 2),
                     .source = st.text(at + 3),
                     .user_id = st.text(at + 4),
                     .correlation_id = st.text(at + 5),
                     .created_ms = st.int64(at + 6),
                     .envelope = st.text(at + 7)};
}

Result<std::vector<OutboxEvent>> read_events(sqlite::Stmt& st) {
  return read_all<OutboxEvent>(st, [](const sqlite::Stmt& s) { return read_event(s, 0); });
}

// The dispatcher's position; 0 before the first event is routed.
Result<std::int64_t> dispatch_cursor(sqlite::Db& db) {
  auto value = SqliteMeta(db).get(kDispatchCursorKey);
  if (!value) return std::unexpected(value.error());
  if (!*value) return 0;
  const std::string& text = **value;
  std::int64_t seq = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::unexpected(Error{Error::Kind::kFailed,
                                 std::string("meta ") + kDispatchCursorKey + " is not a number"});
  }
  return seq;
}

Result<void> exec(sqlite::Stmt& st) {
  if (auto r = st.exec(); !r) return failed(r.error());
  return {};
}

// Runs `first` then kDeleteDead (both bound with ?1 = dead_id, and ?2 = now_ms when `first`
// uses it) in one savepoint; returns the dead letters deleted.
Result<std::int64_t> on_dead_letters(sqlite::Db& db, const char* first, std::string_view dead_id,
                                     std::optional<std::int64_t> now_ms) {
  sqlite::Savepoint sp(db);
  auto a = db.prepare(first);
  if (!a) return failed<std::int64_t>(a.error());
  a->bind(1, dead_id);
  if (now_ms) a->bind(2, *now_ms);
  if (auto r = a->exec(); !r) return failed<std::int64_t>(r.error());
  auto b = db.prepare(kDeleteDead);
  if (!b) return failed<std::int64_t>(b.error());
  if (auto r = b->bind(1, dead_id).exec(); !r) return failed<std::int64_t>(r.error());
  const std::int64_t changed = db.changes();
  if (auto r = sp.release(); !r) return failed<std::int64_t>(r.error());
  return changed;
}

}  // namespace

// --- outbox ---

Result<void> SqliteOutbox::append(const OutboxEvent& e) {
  auto st = db_.prepare(kInsertOutbox);
  if (!st) return failed(st.error());
  st->bind(1, e.event_id)
      .bind(2, e.event_type)
      .bind(3, e.source)
      .bind(4, e.user_id)
      .bind(5, e.correlation_id)
      .bind(6, e.created_ms)
      .bind(7, e.envelope);
  return exec(*st);
}

Result<std::vector<OutboxEvent>> SqliteOutbox::after(std::int64_t after_seq, std::int64_t limit) {
  auto st = db_.prepare(kSelectOutboxAfter);
  if (!st) return failed<std::vector<OutboxEvent>>(st.error());
  st->bind(1, after_seq).bind(2, limit);
  return read_events(*st);
}

Result<std::vector<OutboxEvent>> SqliteOutbox::window(std::int64_t from_ms, std::int64_t to_ms,
                                                      std::int64_t after_seq, std::int64_t limit) {
  auto st = db_.prepare(kSelectOutboxWindow);
  if (!st) return failed<std::vector<OutboxEvent>>(st.error());
  st->bind(1, from_ms).bind(2, to_ms).bind(3, after_seq).bind(4, limit);
  return read_events(*st);
}

Result<std::vector<OutboxEvent>> SqliteOutbox::list(const ArchiveFilter& f, std::int64_t limit) {
  auto st = db_.prepare(kListOutbox);
  if (!st) return failed<std::vector<OutboxEvent>>(st.error());
  st->bind(1, f.after_seq)
      .bind(2, f.since_ms)
      .bind(3, f.event_type)
      .bind(4, f.correlation_id)
      .bind(5, limit);
  return read_events(*st);
}

Result<std::vector<OutboxEvent>> SqliteOutbox::unrouted(std::int64_t limit) {
  auto cursor = dispatch_cursor(db_);
  if (!cursor) return std::unexpected(cursor.error());
  auto st = db_.prepare(kSelectUnrouted);
  if (!st) return failed<std::vector<OutboxEvent>>(st.error());
  st->bind(1, *cursor).bind(2, limit);
  return read_events(*st);
}

Result<void> SqliteOutbox::mark_routed(std::span<const std::int64_t> seqs) {
  if (seqs.empty()) return {};
  return SqliteMeta(db_).put(kDispatchCursorKey, std::to_string(seqs.back()));
}

Result<void> SqliteOutbox::sweep(std::int64_t cut_ms) {
  auto st = db_.prepare(kSweepOutbox);
  if (!st) return failed(st.error());
  st->bind(1, cut_ms);
  return exec(*st);
}

// --- deliveries ---

Result<void> SqliteDeliveries::insert(const DeliveryDraft& d) {
  auto st = db_.prepare(kInsertDelivery);
  if (!st) return failed(st.error());
  st->bind(1, d.seq)
      .bind(2, d.event_id)
      .bind(3, d.rule)
      .bind(4, d.target)
      .bind(5, d.enqueued_ms)
      .bind(6, d.replay ? 1 : 0);
  return exec(*st);
}

Result<std::vector<DueDelivery>> SqliteDeliveries::due(std::string_view target, std::int64_t now_ms,
                                                       std::int64_t limit) {
  auto st = db_.prepare(kSelectDue);
  if (!st) return failed<std::vector<DueDelivery>>(st.error());
  st->bind(1, target).bind(2, now_ms).bind(3, limit);
  return read_all<DueDelivery>(*st, [](const sqlite::Stmt& s) {
    return DueDelivery{.delivery_id = s.int64(0),
                       .attempts = s.int64(1),
                       .first_ms = s.int64(2),
                       .replay = s.int64(3) != 0,
                       .event = read_event(s, 4)};
  });
}

Result<std::vector<DueDelivery>> SqliteDeliveries::claim(std::string_view target,
                                                         std::int64_t now_ms,
                                                         std::int64_t lease_until_ms,
                                                         std::int64_t limit) {
  auto rows = due(target, now_ms, limit);
  if (!rows || rows->empty()) return rows;
  auto st = db_.prepare(kLeaseDue);
  if (!st) return failed<std::vector<DueDelivery>>(st.error());
  st->bind(1, target).bind(2, now_ms).bind(3, limit).bind(4, lease_until_ms);
  if (auto r = st->exec(); !r) return failed<std::vector<DueDelivery>>(r.error());
  return rows;
}

Result<void> SqliteDeliveries::release(std::int64_t delivery_id, std::int64_t lease_until_ms,
                                       std::int64_t now_ms) {
  auto st = db_.prepare(kRelease);
  if (!st) return failed(st.error());
  st->bind(1, delivery_id).bind(2, lease_until_ms).bind(3, now_ms);
  return exec(*st);
}

Result<void> SqliteDeliveries::mark_delivered(std::int64_t delivery_id, std::int64_t attempts,
                                              std::int64_t now_ms) {
  auto st = db_.prepare(kMarkDelivered);
  if (!st) return failed(st.error());
  st->bind(1, delivery_id).bind(2, attempts).bind(3, now_ms);
  return exec(*st);
}

Result<void> SqliteDeliveries::mark_retry(std::int64_t delivery_id, std::int64_t attempts,
                                          std::int64_t next_ms, std::int64_t now_ms,
                                          std::string_view error) {
  auto st = db_.prepare(kMarkRetry);
  if (!st) return failed(st.error());
  st->bind(1, delivery_id).bind(2, attempts).bind(3, next_ms).bind(4, now_ms).bind(5, error);
  return exec(*st);
}

Result<bool> SqliteDeliveries::mark_dead(std::int64_t delivery_id, std::int64_t attempts,
                                         std::int64_t now_ms, std::string_view error) {
  auto st = db_.prepare(kMarkDead);
  if (!st) return failed<bool>(st.error());
  st->bind(1, delivery_id).bind(2, attempts).bind(3, now_ms).bind(4, error);
  if (auto r = st->exec(); !r) return failed<bool>(r.error());
  return db_.changes() != 0;
}

Result<void> SqliteDeliveries::sweep_delivered(std::int64_t cut_ms) {
  auto st = db_.prepare(kSweepDeliveries);
  if (!st) return failed(st.error());
  st->bind(1, cut_ms);
  return exec(*st);
}

Result<std::int64_t> SqliteDeliveries::add_replay(std::int64_t from_ms, std::int64_t to_ms,
                                                  std::string_view rule, std::int64_t now_ms) {
  auto st = db_.prepare(kInsertReplay);
  if (!st) return failed<std::int64_t>(st.error());
  if (auto r = st->bind(1, from_ms).bind(2, to_ms).bind(3, rule).bind(4, now_ms).exec(); !r) {
    return failed<std::int64_t>(r.error());
  }
  auto last = db_.prepare(kLastReplay);
  if (!last) return failed<std::int64_t>(last.error());
  auto row = last->step();
  if (!row) return failed<std::int64_t>(row.error());
  return *row ? last->int64(0) : 0;
}

Result<std::vector<ReplayRequest>> SqliteDeliveries::open_replays(std::int64_t limit) {
  auto st = db_.prepare(kSelectReplays);
  if (!st) return failed<std::vector<ReplayRequest>>(st.error());
  st->bind(1, limit);
  return read_all<ReplayRequest>(*st, [](const sqlite::Stmt& s) {
    return ReplayRequest{s.int64(0), s.int64(1), s.int64(2), s.text(3)};
  });
}

Result<void> SqliteDeliveries::finish_replay(std::int64_t replay_id, std::int64_t now_ms) {
  auto st = db_.prepare(kFinishReplay);
  if (!st) return failed(st.error());
  st->bind(1, replay_id).bind(2, now_ms);
  return exec(*st);
}

// --- dead letters ---

Result<void> SqliteDeadLetters::insert(const DeadLetterRecord& d) {
  auto st = db_.prepare(kInsertDead);
  if (!st) return failed(st.error());
  st->bind(1, d.dead_id)
      .bind(2, d.delivery_id)
      .bind(3, d.event_id)
      .bind(4, d.rule)
      .bind(5, d.target)
      .bind(6, d.attempts)
      .bind(7, d.last_error)
      .bind(8, d.dead_ms);
  return exec(*st);
}

Result<std::vector<DeadLetter>> SqliteDeadLetters::list(std::string_view dead_id,
                                                        std::int64_t limit) {
  auto st = db_.prepare(kListDead);
  if (!st) return failed<std::vector<DeadLetter>>(st.error());
  st->bind(1, dead_id).bind(2, limit);
  return read_all<DeadLetter>(*st, [](const sqlite::Stmt& s) {
    return DeadLetter{s.text(0), s.text(1),  s.text(2), s.text(3),  s.text(4),
                      s.text(5), s.int64(6), s.text(7), s.int64(8), s.text(9)};
  });
}

Result<std::int64_t> SqliteDeadLetters::redrive(std::string_view dead_id, std::int64_t now_ms) {
  return on_dead_letters(db_, kRedriveDeliveries, dead_id, now_ms);
}

Result<std::int64_t> SqliteDeadLetters::purge(std::string_view dead_id) {
  return on_dead_letters(db_, kPurgeDeliveries, dead_id, std::nullopt);
}

// --- inbox ---

Result<bool> SqliteInbox::contains(std::string_view consumer, std::string_view event_id) {
  auto st = db_.prepare(kSelectInbox);
  if (!st) return failed<bool>(st.error());
  st->bind(1, consumer).bind(2, event_id);
  auto row = st->step();
  if (!row) return failed<bool>(row.error());
  return *row;
}

Result<void> SqliteInbox::insert(std::string_view consumer, std::string_view event_id,
                                 std::int64_t now_ms) {
  auto st = db_.prepare(kInsertInbox);
  if (!st) return failed(st.error());
  st->bind(1, consumer).bind(2, event_id).bind(3, now_ms);
  return exec(*st);
}

Result<void> SqliteInbox::test_count_application(std::string_view event_id) {
  auto st = db_.prepare(kTestConsumerApply);
  if (!st) return failed(st.error());
  st->bind(1, event_id);
  return exec(*st);
}

}  // namespace centli::store::sqlite_impl
