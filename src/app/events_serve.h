// The event bus inside `centli serve`: its options, its start, and the admin routes for dead
// letters (/v1/admin/events/dlq). Kept apart from cmd_serve.cc so serve only wires it.
#pragma once

#include <CLI/CLI.hpp>
#include <expected>
#include <string>

#include "agents/router.h"
#include "app/runtime.h"

namespace centli::app {

struct EventsServeOptions {
  std::string rules_file;  // --rules FILE; empty: built-in consumer rules only
  std::int64_t backoff_base_ms = limits::kBackoffBaseMsDefault;
  std::int64_t backoff_cap_ms = limits::kBackoffCapMsDefault;
  std::int64_t retention_days = limits::kArchiveRetentionDaysDefault;
  // Test-only: registers the internal consumer `test_consumer` (docs/events.md); refused
  // unless CENTLI_TEST_MODE=1.
  bool test_consumer = false;
  // Test-only: the delivery lease in ms (0: limits::kDeliveryLeaseMs), so a test sees a killed
  // process's claims expire without waiting a minute; refused unless CENTLI_TEST_MODE=1.
  std::int64_t test_delivery_lease_ms = 0;
};

void add_events_serve_options(CLI::App& serve, EventsServeOptions& o);
// Reads the rules file, registers test-only consumers when asked, and starts the bus. Fails
// with a message for people (unreadable file, "rules[0].pattern.x: why", bad settings,
// --test-consumer or --test-delivery-lease-ms without CENTLI_TEST_MODE=1).
std::expected<void, std::string> start_events(Runtime& rt, const EventsServeOptions& o);
// GET (list), POST (redrive) and DELETE (purge) /v1/admin/events/dlq[?id=ID], scope admin.
void add_events_routes(agents::Router& router, Runtime& rt);

}  // namespace centli::app
