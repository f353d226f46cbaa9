// Writes events to the outbox in the caller's transaction, so an event exists if and only if
// the change that caused it committed. Envelope format: docs/events.md.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "store/sqlite/db.h"
#include "store/store.h"

namespace centli::events {

struct EventDraft {
  std::string_view event_type;  // TRANSFER_COMPLETED
  std::string_view source;      // action group: core-banking, crm, marketplace
  std::string_view user_id;
  std::string_view correlation_id;
  std::string_view data_json;  // JSON object text for `data`
};

// Appends one event with a fresh random event_id and the transaction's timestamp.
// Returns the event_id.
std::expected<std::string, sqlite::DbError> append(store::WriteTx& tx, const EventDraft& draft);

}  // namespace centli::events
