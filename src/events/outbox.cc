#include "events/outbox.h"

#include "domain/money.h"
#include "store/events.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/json.h"

namespace centli::events {

void write_amount(json::Writer& w, std::int64_t amount_minor, std::string_view currency) {
  json::key(w, "amount");
  const std::string major = money::format_number(amount_minor);
  w.RawValue(major.data(), major.size(), rapidjson::kNumberType);
  json::kv_int(w, "amount_minor", amount_minor);
  json::kv(w, "currency", currency);
}

store::Result<std::string> append(store::WriteTx& tx, const EventDraft& d) {
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
  auto r = tx.outbox().append(store::OutboxEvent{.event_id = event_id,
                                                 .event_type = std::string(d.event_type),
                                                 .source = std::string(d.source),
                                                 .user_id = std::string(d.user_id),
                                                 .correlation_id = std::string(d.correlation_id),
                                                 .created_ms = tx.now_ms(),
                                                 .envelope = std::string(json::view(b))});
  if (!r) return std::unexpected(r.error());
  return event_id;
}

}  // namespace centli::events
