#include "events/outbox.h"

#include "domain/money.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/json.h"

namespace centli::events {
namespace {

constexpr const char* kInsertOutbox =
    "INSERT INTO outbox (event_id, event_type, source, user_id, correlation_id, created_ms, "
    "envelope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

}  // namespace

void write_amount(json::Writer& w, std::int64_t amount_minor, std::string_view currency) {
  json::key(w, "amount");
  const std::string major = money::format_number(amount_minor);
  w.RawValue(major.data(), major.size(), rapidjson::kNumberType);
  json::kv_int(w, "amount_minor", amount_minor);
  json::kv(w, "currency", currency);
}

std::expected<std::string, sqlite::DbError> append(store::WriteTx& tx, const EventDraft& d) {
  std::string event_id = util::random_id("evt-");
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "version", "1.0");
  json::kv(w, "event_id", event_id);
  json::kv(w, "event_type", d.event_type);
  json::kv(w, "correlation_id", d.correlation_id);
  json::kv(w, "timestamp", util::format_iso8601_ms(tx.now_ms()));
  json::kv(w, "source", d.source);
  json::kv(w, "user_id", d.user_id);
  json::key(w, "data");
  w.RawValue(d.data_json.data(), d.data_json.size(), rapidjson::kObjectType);
  w.EndObject();
  auto st = tx.db().prepare(kInsertOutbox);
  if (!st) return std::unexpected(st.error());
  auto r = st->bind(1, event_id)
               .bind(2, d.event_type)
               .bind(3, d.source)
               .bind(4, d.user_id)
               .bind(5, d.correlation_id)
               .bind(6, tx.now_ms())
               .bind(7, json::view(b))
               .exec();
  if (!r) return std::unexpected(r.error());
  return event_id;
}

}  // namespace centli::events
