#include "app/market_serve.h"

#include "events/bus.h"

namespace centli::app {

void add_market_serve_options(CLI::App& serve, MarketServeOptions& o) {
  serve.add_option("--purchase-wait-ms", o.purchase_wait_ms,
                   "How long a purchase waits for its saga before answering PENDING "
                   "(default 2000, at most 30000)");
  serve.add_option("--hold-timeout-ms", o.hold_timeout_ms,
                   "How long a stock hold waits for payment before it is voided (default 60000)");
  serve.add_option("--test-faults", o.test_faults,
                   "TEST ONLY, needs CENTLI_TEST_MODE=1: fail-payment, stall-payment, "
                   "crash-on:EVENT_TYPE (comma-separated)");
}

std::expected<std::unique_ptr<sagas::PurchaseSaga>, std::string> start_market(
    Runtime& rt, const MarketServeOptions& o) {
  if (o.purchase_wait_ms < 0 || o.purchase_wait_ms > limits::kPurchaseWaitMsMax) {
    return std::unexpected("--purchase-wait-ms is 0 to " +
                           std::to_string(limits::kPurchaseWaitMsMax));
  }
  if (o.hold_timeout_ms < limits::kHoldTimeoutMsMin ||
      o.hold_timeout_ms > limits::kHoldTimeoutMsMax) {
    return std::unexpected("--hold-timeout-ms is " + std::to_string(limits::kHoldTimeoutMsMin) +
                           " to " + std::to_string(limits::kHoldTimeoutMsMax));
  }
  sagas::SagaConfig config;
  config.wait_ms = o.purchase_wait_ms;
  config.hold_timeout_ms = o.hold_timeout_ms;
  config.amount_minor_max = rt.services->banking.transfer_amount_minor_max;
  if (!o.test_faults.empty()) {
    auto allowed =
        require_test_mode("--test-faults", "{\"test_faults\":\"" + o.test_faults + "\"}");
    if (!allowed) return std::unexpected(allowed.error());
    auto faults = sagas::parse_test_faults(o.test_faults);
    if (!faults) return std::unexpected("--test-faults: " + faults.error());
    config.faults = std::move(*faults);
  }
  auto saga = std::make_unique<sagas::PurchaseSaga>(*rt.store, std::move(config));
  saga->register_consumer(*rt.bus);
  saga->start();
  rt.services->purchase_saga = saga.get();
  return saga;
}

}  // namespace centli::app
