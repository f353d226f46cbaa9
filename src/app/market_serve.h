// The marketplace inside `centli serve`: the purchase saga's options and its start. Kept apart
// from cmd_serve.cc so serve only wires it.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "app/runtime.h"
#include "sagas/purchase_saga.h"

namespace centli::app {

struct MarketServeOptions {
  std::int64_t purchase_wait_ms = limits::kPurchaseWaitMsDefault;
  std::int64_t hold_timeout_ms = limits::kHoldTimeoutMsDefault;
  std::string test_faults;  // test-only; refused unless CENTLI_TEST_MODE=1
};

void add_market_serve_options(CLI::App& serve, MarketServeOptions& o);
// Checks the options, registers the saga's consumer on rt.bus (call before the bus starts),
// starts the saga's sweeper and waiters and hangs it on rt.services. Fails with a message for
// people (bad bound, test faults without CENTLI_TEST_MODE=1).
std::expected<std::unique_ptr<sagas::PurchaseSaga>, std::string> start_market(
    Runtime& rt, const MarketServeOptions& o);

}  // namespace centli::app
