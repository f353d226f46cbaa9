#include "events/admin.h"

#include <functional>

#include "obs/metrics.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/limits.h"

namespace centli::events {
namespace {

// Runs `change` (redrive or purge, all or nothing) in one write; returns how many dead letters
// it took.
std::expected<std::int64_t, std::string> change_dead_letters(
    store::Store& store,
    const std::function<store::Result<std::int64_t>(store::WriteTx&)>& change) {
  std::int64_t changed = 0;
  std::string err;
  const bool ok = store.write_sync([&](store::WriteTx& tx) {
    auto n = change(tx);
    if (!n) return void(err = n.error().message);
    changed = *n;
  });
  if (!ok || !err.empty()) return std::unexpected(err.empty() ? "the store did not commit" : err);
  return changed;
}

}  // namespace

std::expected<std::vector<DeadLetter>, std::string> dlq_list(store::Store& store,
                                                             std::string_view dead_id) {
  auto reader = store.reader();
  auto rows =
      reader.tx().dead_letters().list(dead_id, static_cast<std::int64_t>(limits::kEventsListMax));
  if (!rows) return std::unexpected(rows.error().message);
  return std::move(*rows);
}

std::expected<std::int64_t, std::string> dlq_redrive(store::Store& store,
                                                     std::string_view dead_id) {
  auto redriven = change_dead_letters(
      store, [&](store::WriteTx& tx) { return tx.dead_letters().redrive(dead_id, tx.now_ms()); });
  if (redriven) obs::metrics::redriven(*redriven);
  return redriven;
}

std::expected<std::int64_t, std::string> dlq_purge(store::Store& store, std::string_view dead_id) {
  return change_dead_letters(store,
                             [&](store::WriteTx& tx) { return tx.dead_letters().purge(dead_id); });
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
  auto rows = reader.tx().outbox().list(f, static_cast<std::int64_t>(limits::kEventsListMax));
  if (!rows) return std::unexpected(rows.error().message);
  return std::move(*rows);
}

std::expected<std::int64_t, std::string> request_replay(store::Store& store, std::int64_t from_ms,
                                                        std::int64_t to_ms,
                                                        const std::string& rule) {
  std::int64_t id = 0;
  std::string err;
  const bool ok = store.write_sync([&](store::WriteTx& tx) {
    // A request whose id cannot be read is not kept: the caller is told it failed.
    store::Savepoint sp(tx);
    auto added = tx.deliveries().add_replay(from_ms, to_ms, rule, tx.now_ms());
    if (!added) return void(err = added.error().message);
    if (!sp.release()) return void(err = "savepoint release failed");
    id = *added;
  });
  if (!ok || !err.empty()) return std::unexpected(err.empty() ? "the store did not commit" : err);
  return id;
}

}  // namespace centli::events
