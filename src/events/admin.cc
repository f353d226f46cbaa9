#include "events/admin.h"

#include "util/clock.h"
#include "util/json.h"
#include "util/limits.h"

namespace centli::events {
namespace {

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
constexpr const char* kListEvents =
    "SELECT seq, event_id, event_type, correlation_id, created_ms, envelope FROM outbox "
    "WHERE seq > ?1 AND created_ms >= ?2 AND (?3 = '' OR event_type = ?3) "
    "AND (?4 = '' OR correlation_id = ?4) ORDER BY seq LIMIT ?5";
constexpr const char* kInsertReplay =
    "INSERT INTO replay_requests (from_ms, to_ms, rule, created_ms) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kLastReplay = "SELECT max(replay_id) FROM replay_requests";

// Runs `sql_a` then `sql_b` (both bound with ?1 = id, and ?2 = now when used) in one
// transaction; returns the rows `sql_b` changed.
std::expected<std::int64_t, std::string> two_step(store::Store& store, const char* sql_a,
                                                  const char* sql_b, std::string_view id) {
  std::int64_t changed = 0;
  std::string err;
  const bool ok = store.write_sync([&](store::WriteTx& tx) {
    sqlite::Savepoint sp(tx.db());
    auto a = tx.db().prepare(sql_a);
    if (!a) return void(err = a.error().message);
    a->bind(1, id);
    if (sql_a == kRedriveDeliveries) a->bind(2, tx.now_ms());
    if (auto r = a->exec(); !r) return void(err = r.error().message);
    auto b = tx.db().prepare(sql_b);
    if (!b) return void(err = b.error().message);
    if (auto r = b->bind(1, id).exec(); !r) return void(err = r.error().message);
    changed = tx.db().changes();
    if (auto r = sp.release(); !r) err = r.error().message;
  });
  if (!ok || !err.empty()) return std::unexpected(err.empty() ? "the store did not commit" : err);
  return changed;
}

}  // namespace

std::expected<std::vector<DeadLetter>, std::string> dlq_list(store::Store& store,
                                                             std::string_view dead_id) {
  auto reader = store.reader();
  auto st = reader.db().prepare(kListDead);
  if (!st) return std::unexpected(st.error().message);
  st->bind(1, dead_id).bind(2, static_cast<std::int64_t>(limits::kEventsListMax));
  std::vector<DeadLetter> out;
  for (;;) {
    auto more = st->step();
    if (!more) return std::unexpected(more.error().message);
    if (!*more) break;
    out.push_back(DeadLetter{st->text(0), st->text(1), st->text(2), st->text(3), st->text(4),
                             st->text(5), st->int64(6), st->text(7), st->int64(8), st->text(9)});
  }
  return out;
}

std::expected<std::int64_t, std::string> dlq_redrive(store::Store& store,
                                                     std::string_view dead_id) {
  return two_step(store, kRedriveDeliveries, kDeleteDead, dead_id);
}

std::expected<std::int64_t, std::string> dlq_purge(store::Store& store, std::string_view dead_id) {
  return two_step(store, kPurgeDeliveries, kDeleteDead, dead_id);
}

std::string dead_letters_json(const std::vector<DeadLetter>& rows) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::key(w, "dead_letters");
  w.StartArray();
  for (const auto& d : rows) {
    w.StartObject();
    json::kv(w, "dead_id", d.dead_id);
    json::kv(w, "event_id", d.event_id);
    json::kv(w, "event_type", d.event_type);
    json::kv(w, "correlation_id", d.correlation_id);
    json::kv(w, "rule", d.rule);
    json::kv(w, "target", d.target);
    json::kv_int(w, "attempts", d.attempts);
    json::kv(w, "last_error", d.last_error);
    json::kv(w, "dead_at", util::format_iso8601_ms(d.dead_ms));
    json::key(w, "event");
    if (d.envelope.empty()) {
      w.Null();
    } else {
      w.RawValue(d.envelope.data(), d.envelope.size(), rapidjson::kObjectType);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(json::view(b));
}

std::expected<std::vector<ArchivedEvent>, std::string> list_events(store::Store& store,
                                                                   const EventFilter& f) {
  auto reader = store.reader();
  auto st = reader.db().prepare(kListEvents);
  if (!st) return std::unexpected(st.error().message);
  st->bind(1, f.after_seq)
      .bind(2, f.since_ms)
      .bind(3, f.event_type)
      .bind(4, f.correlation_id)
      .bind(5, static_cast<std::int64_t>(limits::kEventsListMax));
  std::vector<ArchivedEvent> out;
  for (;;) {
    auto more = st->step();
    if (!more) return std::unexpected(more.error().message);
    if (!*more) break;
    out.push_back(ArchivedEvent{st->int64(0), st->text(1), st->text(2), st->text(3), st->int64(4),
                                st->text(5)});
  }
  return out;
}

std::expected<std::int64_t, std::string> request_replay(store::Store& store, std::int64_t from_ms,
                                                        std::int64_t to_ms,
                                                        const std::string& rule) {
  std::int64_t id = 0;
  std::string err;
  const bool ok = store.write_sync([&](store::WriteTx& tx) {
    auto st = tx.db().prepare(kInsertReplay);
    if (!st) return void(err = st.error().message);
    if (auto r = st->bind(1, from_ms).bind(2, to_ms).bind(3, rule).bind(4, tx.now_ms()).exec();
        !r) {
      return void(err = r.error().message);
    }
    auto last = tx.db().prepare(kLastReplay);
    if (last && last->step().value_or(false)) id = last->int64(0);
  });
  if (!ok || !err.empty()) return std::unexpected(err.empty() ? "the store did not commit" : err);
  return id;
}

}  // namespace centli::events
