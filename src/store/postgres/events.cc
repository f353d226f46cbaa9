#include "store/postgres/events.h"

#include <span>
#include <string>

#include "store/postgres/errors.h"

namespace centli::store::postgres_impl {
namespace {

constexpr const char* kInsertOutbox =
    "INSERT INTO outbox (event_id, event_type, source, user_id, correlation_id, created_ms, "
    "envelope) VALUES ($1, $2, $3, $4, $5, $6, $7)";
constexpr const char* kSelectOutboxAfter =
    "SELECT seq, event_id, event_type, source, user_id, correlation_id, created_ms, envelope "
    "FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2";
constexpr const char* kSelectOutboxWindow =
    "SELECT seq, event_id, event_type, source, user_id, correlation_id, created_ms, envelope "
    "FROM outbox WHERE created_ms >= $1 AND created_ms <= $2 "
    "AND seq > $3 ORDER BY seq LIMIT $4";
constexpr const char* kListOutbox =
    "SELECT seq, event_id, event_type, source, user_id, correlation_id, created_ms, envelope "
    "FROM outbox "
    "WHERE seq > $1 AND created_ms >= $2 AND ($3 = '' OR event_type = $3) "
    "AND ($4 = '' OR correlation_id = $4) ORDER BY seq LIMIT $5";
// Routing: `routed` (migration 5) marks the events the dispatcher has turned into deliveries;
// the partial index outbox_unrouted holds only the others, so finding them stays cheap however
// large the archive. seq comes from an IDENTITY handed out at INSERT, not at COMMIT, so a
// cursor over seq would pass an event that commits after one with a higher seq: the mark is
// per event instead. Read for a write, the events are locked and those another node's routing
// write holds are skipped (SKIP LOCKED) rather than waited for: nodes share the work, no
// dispatcher's batch waits on another's, and no event is routed by two nodes at once (delivery
// inserts would be idempotent anyway, through deliveries_once, but a second node inserting the
// same (event, target) would wait for the first node's whole batch to commit). A row another
// node routed and committed meanwhile is re-checked against routed = 0 and left out.
constexpr const char* kSelectUnrouted =
    "SELECT seq, event_id, event_type, source, user_id, correlation_id, created_ms, envelope "
    "FROM outbox WHERE routed = 0 ORDER BY seq LIMIT $1";
constexpr const char* kSelectUnroutedForUpdate =
    "SELECT seq, event_id, event_type, source, user_id, correlation_id, created_ms, envelope "
    "FROM outbox WHERE routed = 0 ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED";
constexpr const char* kMarkRouted = "UPDATE outbox SET routed = 1 WHERE seq = ANY($1::bigint[])";
// Retention: routed events past the cut, with nothing pending or dead.
constexpr const char* kSweepDeliveries =
    "DELETE FROM deliveries WHERE status = 'delivered' AND seq IN (SELECT seq FROM outbox "
    "WHERE created_ms < $1 AND routed = 1)";
constexpr const char* kSweepOutbox =
    "DELETE FROM outbox WHERE created_ms < $1 AND routed = 1 AND NOT EXISTS "
    "(SELECT 1 FROM deliveries d WHERE d.seq = outbox.seq)";

// SQLite's INSERT OR IGNORE: the conflict that can happen is the one on deliveries_once.
constexpr const char* kInsertDelivery =
    "INSERT INTO deliveries (seq, event_id, rule, target, status, attempts, first_ms, "
    "next_ms, updated_ms, replay) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5, $5, $6) "
    "ON CONFLICT (event_id, target) WHERE replay = 0 DO NOTHING";
constexpr const char* kSelectDue =
    "SELECT d.delivery_id, d.attempts, d.first_ms, d.replay, o.seq, o.event_id, o.event_type, "
    "o.source, o.user_id, o.correlation_id, o.created_ms, o.envelope FROM deliveries d "
    "JOIN outbox o ON o.seq = d.seq WHERE d.target = $1 AND d.status = 'pending' "
    "AND d.next_ms <= $2 ORDER BY d.next_ms, d.delivery_id LIMIT $3";
// A claim: the due rows of the target, locked, those another node's claim holds skipped (SKIP
// LOCKED: a queue, where waiting would only hand the second claimer rows the first one leased),
// leased in the same statement. A row leased by a claim committed meanwhile is re-checked
// against next_ms <= $2 and left out. Only the deliveries are locked: events do not change.
constexpr const char* kClaim =
    "WITH due AS (SELECT d.delivery_id, d.next_ms FROM deliveries d JOIN outbox o "
    "ON o.seq = d.seq WHERE d.target = $1 AND d.status = 'pending' AND d.next_ms <= $2 "
    "ORDER BY d.next_ms, d.delivery_id LIMIT $3 FOR UPDATE OF d SKIP LOCKED), "
    "leased AS (UPDATE deliveries d SET next_ms = $4 FROM due "
    "WHERE d.delivery_id = due.delivery_id "
    "RETURNING d.delivery_id, d.attempts, d.first_ms, d.replay, d.seq, due.next_ms AS due_ms) "
    "SELECT l.delivery_id, l.attempts, l.first_ms, l.replay, o.seq, o.event_id, o.event_type, "
    "o.source, o.user_id, o.correlation_id, o.created_ms, o.envelope FROM leased l "
    "JOIN outbox o ON o.seq = l.seq ORDER BY l.due_ms, l.delivery_id";
// Only under the lease the releaser holds: a delivery claimed again since keeps its new lease.
constexpr const char* kRelease =
    "UPDATE deliveries SET next_ms = $3 WHERE delivery_id = $1 AND status = 'pending' "
    "AND next_ms = $2";
// The outcomes are conditions themselves (status = 'pending' in the UPDATE's WHERE, re-checked
// after waiting for a concurrent writer of the row), so no row is read first.
constexpr const char* kMarkDelivered =
    "UPDATE deliveries SET status = 'delivered', attempts = $2, updated_ms = $3, "
    "last_error = '' WHERE delivery_id = $1 AND status = 'pending'";
constexpr const char* kMarkRetry =
    "UPDATE deliveries SET attempts = $2, next_ms = $3, updated_ms = $4, last_error = $5 "
    "WHERE delivery_id = $1 AND status = 'pending'";
constexpr const char* kMarkDead =
    "UPDATE deliveries SET status = 'dead', attempts = $2, updated_ms = $3, last_error = $4 "
    "WHERE delivery_id = $1 AND status = 'pending'";
constexpr const char* kInsertReplay =
    "INSERT INTO replay_requests (from_ms, to_ms, rule, created_ms) VALUES ($1, $2, $3, $4) "
    "RETURNING replay_id";
constexpr const char* kSelectReplays =
    "SELECT replay_id, from_ms, to_ms, rule FROM replay_requests WHERE done_ms IS NULL "
    "ORDER BY replay_id LIMIT $1";
constexpr const char* kFinishReplay =
    "UPDATE replay_requests SET done_ms = $2 WHERE replay_id = $1";

// SQLite's INSERT OR REPLACE replaces the rows that conflict on any unique key, dead_id or
// delivery_id; ON CONFLICT has one arbiter, so the other dead letter of the same delivery goes
// first.
constexpr const char* kDeleteDeadOfDelivery =
    "DELETE FROM dead_letters WHERE delivery_id = $1 AND dead_id <> $2";
constexpr const char* kUpsertDead =
    "INSERT INTO dead_letters (dead_id, delivery_id, event_id, rule, target, attempts, "
    "last_error, dead_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
    "ON CONFLICT (dead_id) DO UPDATE SET delivery_id = excluded.delivery_id, "
    "event_id = excluded.event_id, rule = excluded.rule, target = excluded.target, "
    "attempts = excluded.attempts, last_error = excluded.last_error, dead_ms = excluded.dead_ms";
constexpr const char* kListDead =
    "SELECT l.dead_id, l.event_id, COALESCE(o.event_type, ''), COALESCE(o.correlation_id, ''), "
    "l.rule, l.target, l.attempts, l.last_error, l.dead_ms, COALESCE(o.envelope, '') "
    "FROM dead_letters l LEFT JOIN outbox o ON o.event_id = l.event_id "
    "WHERE $1 = '' OR l.dead_id = $1 ORDER BY l.dead_ms, l.dead_id LIMIT $2";
// Redrive and purge are one statement each (data-modifying CTEs) rather than two in a savepoint
// as on SQLite: a statement is all or nothing by itself, and deleting the dead letters is what
// claims them, so when two processes redrive the same dead letter the second's DELETE, after
// waiting, finds it gone and neither redrives its delivery nor counts it. The count is that of
// the dead letters deleted, as SQLite's changes() after its DELETE.
constexpr const char* kRedrive =
    "WITH gone AS (DELETE FROM dead_letters WHERE $1 = '' OR dead_id = $1 "
    "RETURNING delivery_id), "
    "redriven AS (UPDATE deliveries SET status = 'pending', attempts = 0, first_ms = $2, "
    "next_ms = $2, updated_ms = $2, last_error = '' "
    "WHERE delivery_id IN (SELECT delivery_id FROM gone)) "
    "SELECT count(*) FROM gone";
constexpr const char* kPurge =
    "WITH gone AS (DELETE FROM dead_letters WHERE $1 = '' OR dead_id = $1 "
    "RETURNING delivery_id), "
    "purged AS (DELETE FROM deliveries WHERE delivery_id IN (SELECT delivery_id FROM gone)) "
    "SELECT count(*) FROM gone";

// An absent row cannot be locked: a write that checks the inbox and then inserts relies on the
// primary key instead (a concurrent insert of the same pair waits, then fails kConstraint).
constexpr const char* kSelectInbox = "SELECT 1 FROM inbox WHERE consumer = $1 AND event_id = $2";
constexpr const char* kInsertInbox =
    "INSERT INTO inbox (consumer, event_id, applied_ms) VALUES ($1, $2, $3)";
// One atomic upsert: a concurrent one waits for the row and adds to the value it committed.
constexpr const char* kTestConsumerApply =
    "INSERT INTO meta (key, value) VALUES ('test_consumer:' || $1, '1') "
    "ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text";

// Runs a statement whose rows do not matter.
Result<void> exec(pg::Conn& conn, const char* sql, const pg::Params& params) {
  auto r = run(conn, sql, params);
  if (!r) return std::unexpected(r.error());
  return {};
}

// The outbox columns of row `r` (seq, event_id, event_type, source, user_id, correlation_id,
// created_ms, envelope), starting at column `at`, in OutboxEvent's order.
OutboxEvent read_event(const pg::Rows& rows, int r, int at) {
  return OutboxEvent{.seq = rows.int64(r, at),
                     .event_id = rows.text(r, at + 1),
                     .event_type = rows.text(r, at + 2),
                     .source = rows.text(r, at + 3),
                     .user_id = rows.text(r, at + 4),
                     .correlation_id = rows.text(r, at + 5),
                     .created_ms = rows.int64(r, at + 6),
                     .envelope = rows.text(r, at + 7)};
}

Result<std::vector<OutboxEvent>> read_events(pg::Conn& conn, const char* sql,
                                             const pg::Params& params) {
  auto rows = run(conn, sql, params);
  if (!rows) return std::unexpected(rows.error());
  return read_all<OutboxEvent>(*rows, [](const pg::Rows& s, int r) { return read_event(s, r, 0); });
}

// Deliveries with their events: delivery_id, attempts, first_ms, replay, then the outbox columns.
Result<std::vector<DueDelivery>> read_due(pg::Conn& conn, const char* sql,
                                          const pg::Params& params) {
  auto rows = run(conn, sql, params);
  if (!rows) return std::unexpected(rows.error());
  return read_all<DueDelivery>(*rows, [](const pg::Rows& s, int r) {
    return DueDelivery{.delivery_id = s.int64(r, 0),
                       .attempts = s.int64(r, 1),
                       .first_ms = s.int64(r, 2),
                       .replay = s.int64(r, 3) != 0,
                       .event = read_event(s, r, 4)};
  });
}

// `seqs` as a PostgreSQL array literal: {1,2,3}.
std::string array_text(std::span<const std::int64_t> seqs) {
  std::string out = "{";
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(seqs[i]);
  }
  return out + "}";
}

// The number in the first column of the one row `sql` returns.
Result<std::int64_t> scalar(pg::Conn& conn, const char* sql, const pg::Params& params) {
  auto rows = run(conn, sql, params);
  if (!rows) return std::unexpected(rows.error());
  return rows->int64(0, 0);
}

}  // namespace

// --- outbox ---

Result<void> PgOutbox::append(const OutboxEvent& e) {
  // seq comes from the IDENTITY column; a duplicate event_id fails on its unique key. Nobody
  // reads its rows: it goes with the command's next statement or its savepoint's release,
  // whose failure is then this append's.
  conn_.defer(kInsertOutbox, pg::Params(e.event_id, e.event_type, e.source, e.user_id,
                                        e.correlation_id, e.created_ms, e.envelope));
  return {};
}

Result<std::vector<OutboxEvent>> PgOutbox::after(std::int64_t after_seq, std::int64_t limit) {
  return read_events(conn_, kSelectOutboxAfter, pg::Params(after_seq, limit));
}

Result<std::vector<OutboxEvent>> PgOutbox::window(std::int64_t from_ms, std::int64_t to_ms,
                                                  std::int64_t after_seq, std::int64_t limit) {
  return read_events(conn_, kSelectOutboxWindow, pg::Params(from_ms, to_ms, after_seq, limit));
}

Result<std::vector<OutboxEvent>> PgOutbox::list(const ArchiveFilter& f, std::int64_t limit) {
  return read_events(conn_, kListOutbox,
                     pg::Params(f.after_seq, f.since_ms, f.event_type, f.correlation_id, limit));
}

Result<std::vector<OutboxEvent>> PgOutbox::unrouted(std::int64_t limit) {
  return read_events(conn_, writing_ ? kSelectUnroutedForUpdate : kSelectUnrouted,
                     pg::Params(limit));
}

Result<void> PgOutbox::mark_routed(std::span<const std::int64_t> seqs) {
  if (seqs.empty()) return {};
  return exec(conn_, kMarkRouted, pg::Params(array_text(seqs)));
}

Result<void> PgOutbox::sweep(std::int64_t cut_ms) {
  return exec(conn_, kSweepOutbox, pg::Params(cut_ms));
}

// --- deliveries ---

Result<void> PgDeliveries::insert(const DeliveryDraft& d) {
  return exec(conn_, kInsertDelivery,
              pg::Params(d.seq, d.event_id, d.rule, d.target, d.enqueued_ms, d.replay));
}

Result<std::vector<DueDelivery>> PgDeliveries::due(std::string_view target, std::int64_t now_ms,
                                                   std::int64_t limit) {
  return read_due(conn_, kSelectDue, pg::Params(target, now_ms, limit));
}

Result<std::vector<DueDelivery>> PgDeliveries::claim(std::string_view target, std::int64_t now_ms,
                                                     std::int64_t lease_until_ms,
                                                     std::int64_t limit) {
  return read_due(conn_, kClaim, pg::Params(target, now_ms, limit, lease_until_ms));
}

Result<void> PgDeliveries::release(std::int64_t delivery_id, std::int64_t lease_until_ms,
                                   std::int64_t now_ms) {
  return exec(conn_, kRelease, pg::Params(delivery_id, lease_until_ms, now_ms));
}

Result<void> PgDeliveries::mark_delivered(std::int64_t delivery_id, std::int64_t attempts,
                                          std::int64_t now_ms) {
  return exec(conn_, kMarkDelivered, pg::Params(delivery_id, attempts, now_ms));
}

Result<void> PgDeliveries::mark_retry(std::int64_t delivery_id, std::int64_t attempts,
                                      std::int64_t next_ms, std::int64_t now_ms,
                                      std::string_view error) {
  return exec(conn_, kMarkRetry, pg::Params(delivery_id, attempts, next_ms, now_ms, error));
}

Result<bool> PgDeliveries::mark_dead(std::int64_t delivery_id, std::int64_t attempts,
                                     std::int64_t now_ms, std::string_view error) {
  auto rows = run(conn_, kMarkDead, pg::Params(delivery_id, attempts, now_ms, error));
  if (!rows) return std::unexpected(rows.error());
  return rows->affected() != 0;
}

Result<void> PgDeliveries::sweep_delivered(std::int64_t cut_ms) {
  return exec(conn_, kSweepDeliveries, pg::Params(cut_ms));
}

Result<std::int64_t> PgDeliveries::add_replay(std::int64_t from_ms, std::int64_t to_ms,
                                              std::string_view rule, std::int64_t now_ms) {
  return scalar(conn_, kInsertReplay, pg::Params(from_ms, to_ms, rule, now_ms));
}

Result<std::vector<ReplayRequest>> PgDeliveries::open_replays(std::int64_t limit) {
  auto rows = run(conn_, kSelectReplays, pg::Params(limit));
  if (!rows) return std::unexpected(rows.error());
  return read_all<ReplayRequest>(*rows, [](const pg::Rows& s, int r) {
    return ReplayRequest{s.int64(r, 0), s.int64(r, 1), s.int64(r, 2), s.text(r, 3)};
  });
}

Result<void> PgDeliveries::finish_replay(std::int64_t replay_id, std::int64_t now_ms) {
  return exec(conn_, kFinishReplay, pg::Params(replay_id, now_ms));
}

// --- dead letters ---

Result<void> PgDeadLetters::insert(const DeadLetterRecord& d) {
  // A failure of the upsert after the delete aborts the caller's savepoint with both.
  if (auto r = exec(conn_, kDeleteDeadOfDelivery, pg::Params(d.delivery_id, d.dead_id)); !r) {
    return r;
  }
  return exec(conn_, kUpsertDead,
              pg::Params(d.dead_id, d.delivery_id, d.event_id, d.rule, d.target, d.attempts,
                         d.last_error, d.dead_ms));
}

Result<std::vector<DeadLetter>> PgDeadLetters::list(std::string_view dead_id, std::int64_t limit) {
  auto rows = run(conn_, kListDead, pg::Params(dead_id, limit));
  if (!rows) return std::unexpected(rows.error());
  return read_all<DeadLetter>(*rows, [](const pg::Rows& s, int r) {
    return DeadLetter{s.text(r, 0), s.text(r, 1),  s.text(r, 2), s.text(r, 3),  s.text(r, 4),
                      s.text(r, 5), s.int64(r, 6), s.text(r, 7), s.int64(r, 8), s.text(r, 9)};
  });
}

Result<std::int64_t> PgDeadLetters::redrive(std::string_view dead_id, std::int64_t now_ms) {
  return scalar(conn_, kRedrive, pg::Params(dead_id, now_ms));
}

Result<std::int64_t> PgDeadLetters::purge(std::string_view dead_id) {
  return scalar(conn_, kPurge, pg::Params(dead_id));
}

// --- inbox ---

Result<bool> PgInbox::contains(std::string_view consumer, std::string_view event_id) {
  auto rows = run(conn_, kSelectInbox, pg::Params(consumer, event_id));
  if (!rows) return std::unexpected(rows.error());
  return !rows->empty();
}

Result<void> PgInbox::insert(std::string_view consumer, std::string_view event_id,
                             std::int64_t now_ms) {
  return exec(conn_, kInsertInbox, pg::Params(consumer, event_id, now_ms));
}

Result<void> PgInbox::test_count_application(std::string_view event_id) {
  return exec(conn_, kTestConsumerApply, pg::Params(event_id));
}

}  // namespace centli::store::postgres_impl
