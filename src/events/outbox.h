// Writes events to the outbox in the caller's transaction, so an event exists if and only if
// the change that caused it committed. Envelope format: docs/events.md.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "store/port.h"
#include "util/json.h"

namespace centli::events {

struct EventDraft {
  std::string_view event_type;  // TRANSFER_COMPLETED
  std::string_view source;      // action group: core-banking, crm, marketplace
  std::string_view user_id;
  std::string_view correlation_id;
  std::string_view data_json;  // JSON object text for `data`
};

// Writes the money members every event with an amount carries, in this order: `amount` (a JSON
// number in major units, exact: 500.5 for 50050), `amount_minor` (integer minor units) and
// `currency`. Inside an object being written to `w`.
void write_amount(json::Writer& w, std::int64_t amount_minor, std::string_view currency);

// Appends one event with a fresh random event_id and the transaction's timestamp.
// Returns the event_id; a store failure leaves no event.
store::Result<std::string> append(store::WriteTx& tx, const EventDraft& draft);

}  // namespace centli::events
