// The purchase saga: reserve stock, pay, confirm; or compensate. Each step is one local
// transaction on the store's writer that moves purchases.status from one state to the next,
// records a saga_steps row and appends the step's outbox event with the purchase's correlation
// id. Steps are driven by the event bus (one internal consumer), so a crash at any point is
// resumed by redelivery; a step whose purchase is no longer in the state it expects does
// nothing, so redelivered events are harmless. States, events and holds: docs/marketplace.md.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <expected>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "domain/error.h"
#include "store/store.h"
#include "util/limits.h"

namespace centli::events {
class Bus;
}

namespace centli::sagas {

// purchases.status values. CONFIRMED and FAILED are terminal.
inline constexpr std::string_view kInitiated = "INITIATED";
inline constexpr std::string_view kReserved = "RESERVED";
inline constexpr std::string_view kPaid = "PAID";
inline constexpr std::string_view kConfirmed = "CONFIRMED";
inline constexpr std::string_view kPaymentFailed = "PAYMENT_FAILED";
inline constexpr std::string_view kCompensating = "COMPENSATING";
inline constexpr std::string_view kReleased = "RELEASED";
inline constexpr std::string_view kFailed = "FAILED";

bool is_terminal(std::string_view state);

// The step an event triggers: the state the purchase must be in, and the step's name. Pure.
struct StepRule {
  std::string_view event_type;  // consumed
  std::string_view from_state;  // required state; otherwise the step does nothing
  std::string_view step;        // reserve, pay, confirm, compensate, release, notify
};
std::optional<StepRule> step_for(std::string_view event_type);

// Test-only failure injection (serve --test-faults SPEC, refused unless CENTLI_TEST_MODE=1).
// SPEC is a comma-separated list of: fail-payment (the payment step refuses with reason
// test_fault), stall-payment (the payment step does nothing, so the stock hold expires),
// crash-on:EVENT_TYPE (the process exits with status 137 when the saga receives that event,
// i.e. right after the step that emitted it committed).
struct TestFaults {
  bool fail_payment = false;
  bool stall_payment = false;
  std::string crash_on;
};
std::expected<TestFaults, std::string> parse_test_faults(std::string_view spec);

struct SagaConfig {
  std::int64_t hold_timeout_ms = limits::kHoldTimeoutMsDefault;
  std::int64_t wait_ms = limits::kPurchaseWaitMsDefault;
  std::int64_t amount_minor_max = limits::kTransferAmountMinorMaxDefault;
  TestFaults faults;
};

struct PurchaseRequest {
  std::string user_id;
  std::string correlation_id;
  std::string product_id;
  std::int64_t quantity = 0;
  std::string account_id;
  std::string option_id;
};

// The `data` of every purchase saga event (docs/events.md), as JSON object text.
struct PurchaseEventFields {
  std::string_view purchase_id;
  std::string_view product_id;
  std::string_view retailer_id;
  std::int64_t quantity = 0;
  std::string_view account_id;
  std::string_view option_id;
  std::int64_t total_minor = 0;
  std::string_view currency;
  std::string_view state;
  std::string_view reason;  // empty: not written
};
std::string purchase_event_data(const PurchaseEventFields& f);

// Starts a purchase inside the caller's transaction, checks in this order (first wins):
// product exists (product_not_found), the account is one of the person's (account_not_found),
// the option exists for that account as the server computes it now (option_not_available),
// enough unreserved stock (out_of_stock). On success writes the purchase (INITIATED), its first
// saga step and PURCHASE_INITIATED, and returns the purchase_id. Nothing is held yet.
std::expected<std::string, Error> initiate(store::WriteTx& tx, const PurchaseRequest& request);

// A purchase as the API shows it (status CONFIRMED, FAILED or PENDING, the saga state, reason,
// amounts and steps). nullopt when absent or not the person's.
struct PurchaseView {
  std::string state;
  std::string body;  // JSON object text with a summary in the locale
};
std::expected<std::optional<PurchaseView>, Error> view_purchase(store::ReadTx& tx,
                                                                std::string_view purchase_id,
                                                                std::string_view user_id,
                                                                std::string_view locale);

// The running saga: the bus consumer, the hold sweeper and the waiters of purchase answers.
// Thread-safe after construction.
class PurchaseSaga {
 public:
  PurchaseSaga(store::Store& store, SagaConfig config);
  ~PurchaseSaga();
  PurchaseSaga(const PurchaseSaga&) = delete;
  PurchaseSaga& operator=(const PurchaseSaga&) = delete;

  // Before bus.start(): routes the saga's events to its consumer.
  void register_consumer(events::Bus& bus);
  // Starts the sweeper/waiter thread. stop() wakes every waiter with the state it has.
  void start();
  void stop();
  // Calls `done(state, body)` once, on the saga's thread, when the purchase reaches a terminal
  // state or after config.wait_ms, whichever is first (at once when too many are waiting).
  void wait(std::string purchase_id, std::string user_id, std::string locale,
            std::function<void(std::string state, std::string body)> done);
  // One pass of the sweeper in the caller's transaction: voids expired stock holds of
  // purchases still waiting for payment and starts their compensation. Returns how many.
  static std::expected<int, Error> sweep_expired(store::WriteTx& tx, std::int64_t limit);

  const SagaConfig& config() const { return config_; }

 private:
  struct Waiter {
    std::string purchase_id, user_id, locale;
    std::int64_t deadline_ms = 0;
    std::function<void(std::string, std::string)> done;
  };
  void loop();
  void check_waiters(bool all);
  std::expected<void, Error> consume(store::WriteTx& tx, std::string_view event_type,
                                     std::string_view purchase_id);

  store::Store& store_;
  SagaConfig config_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Waiter> waiters_;  // guarded by mu_
  bool stopping_ = false;        // guarded by mu_
  bool started_ = false;
  std::thread thread_;
};

}  // namespace centli::sagas
