#include "sagas/purchase_saga.h"

#include <unistd.h>

#include <chrono>

#include "domain/benefits.h"
#include "domain/ledger.h"
#include "events/bus.h"
#include "events/outbox.h"
#include "obs/log.h"
#include "sagas/market_data.h"
#include "store/market.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/json.h"

namespace centli::sagas {
namespace {

// The saga's consumed events, the state each requires and the step it runs.
constexpr StepRule kSteps[] = {
    {"PURCHASE_INITIATED", kInitiated, "reserve"},
    {"INVENTORY_RESERVED", kReserved, "pay"},
    {"PAYMENT_COMPLETED", kPaid, "confirm"},
    {"PAYMENT_FAILED", kPaymentFailed, "compensate"},
    {"COMPENSATION_REQUIRED", kCompensating, "release"},
    {"INVENTORY_RELEASED", kReleased, "notify"},
};

using store::Purchase;

std::expected<std::optional<Purchase>, Error> load_purchase(store::ReadTx& tx,
                                                            std::string_view id) {
  auto p = tx.purchases().find(id);
  if (!p) return std::unexpected(market::store_failure(p.error()));
  return std::move(*p);
}

std::string event_data(const Purchase& p, std::string_view state, std::string_view reason) {
  return purchase_event_data({p.purchase_id, p.product_id, p.retailer_id, p.quantity, p.account_id,
                              p.option_id, p.total_minor, p.currency, state, reason});
}

// Moves the purchase from `from` to `to` and records the step with its event, or does nothing
// (returns false) when the purchase is not in `from` any more: the step already ran.
std::expected<bool, Error> advance(store::WriteTx& tx, const Purchase& p, std::string_view from,
                                   std::string_view to, std::string_view reason,
                                   std::string_view event_type) {
  auto moved = tx.purchases().advance(p.purchase_id, from, to, reason, tx.now_ms());
  if (!moved) return std::unexpected(market::store_failure(moved.error()));
  if (!*moved) return false;
  const std::string data = event_data(p, to, reason.empty() ? p.reason : reason);
  auto ev = events::append(tx, {event_type, "marketplace", p.user_id, p.correlation_id, data});
  if (!ev) return std::unexpected(market::store_failure(ev.error()));
  auto step = tx.purchases().append_step(
      p.purchase_id, {std::string(event_type), std::string(to), tx.now_ms()}, *ev);
  if (!step) return std::unexpected(market::store_failure(step.error()));
  return true;
}

// A store call that returns nothing, as the saga's result.
std::expected<void, Error> done(const store::Result<void>& r) {
  if (!r) return std::unexpected(market::store_failure(r.error()));
  return {};
}

std::expected<bool, Error> resolve_stock_hold(store::WriteTx& tx, const Purchase& p,
                                              std::string_view state, std::string_view reason) {
  auto resolved = tx.holds().resolve_stock_hold(p.purchase_id, state, reason, tx.now_ms());
  if (!resolved) return std::unexpected(market::store_failure(resolved.error()));
  return *resolved;
}

std::expected<void, Error> insert_hold(store::WriteTx& tx, const Purchase& p, std::string_view kind,
                                       std::string_view state, std::int64_t expires_ms) {
  const bool funds = kind == "funds";
  return done(tx.holds().insert(store::Hold{
      .hold_id = util::random_id("hld-"),
      .purchase_id = p.purchase_id,
      .kind = std::string(kind),
      .account_id = funds ? p.account_id : std::string(),
      .product_id = funds ? std::string() : p.product_id,
      .amount_minor = funds ? p.total_minor : 0,
      .quantity = funds ? 0 : p.quantity,
      .state = std::string(state),
      .created_ms = tx.now_ms(),
      .expires_ms = expires_ms,
      .resolved_ms = state == "held" ? 0 : tx.now_ms(),
  }));
}

std::expected<void, Error> reserve(store::WriteTx& tx, const Purchase& p,
                                   std::int64_t hold_timeout_ms) {
  auto reserved = tx.catalog().reserve_stock(p.product_id, p.quantity);
  if (!reserved) return std::unexpected(market::store_failure(reserved.error()));
  if (!*reserved) {
    // Another purchase took the stock after this one was accepted: nothing was held.
    if (auto r = advance(tx, p, kInitiated, kFailed, "out_of_stock", "USER_NOTIFIED"); !r) {
      return std::unexpected(r.error());
    }
    return {};
  }
  if (auto ok = insert_hold(tx, p, "stock", "held", tx.now_ms() + hold_timeout_ms); !ok) return ok;
  if (auto r = advance(tx, p, kInitiated, kReserved, "", "INVENTORY_RESERVED"); !r) {
    return std::unexpected(r.error());
  }
  return {};
}

// The purchase's retailer, which the catalog never deletes.
std::expected<store::Retailer, Error> load_retailer(store::WriteTx& tx, const Purchase& p) {
  auto retailer = tx.catalog().find_retailer(p.retailer_id);
  if (!retailer) return std::unexpected(market::store_failure(retailer.error()));
  if (!*retailer) return std::unexpected(Error{ErrorCode::kInternal, "retailer vanished", "", ""});
  return std::move(**retailer);
}

// The payment: the ledger's transfer checks (ledger::check_transfer, as for a transfer, to the
// retailer's settlement account), then a double entry. A refusal fails the purchase with the
// check's code as its reason; a store failure fails the step.
std::expected<void, Error> pay(store::WriteTx& tx, const Purchase& p, const SagaConfig& cfg) {
  if (cfg.faults.stall_payment) return {};
  // A hold that expired (or was voided) belongs to the sweeper, which compensates.
  auto live = tx.holds().stock_hold_live(p.purchase_id, tx.now_ms());
  if (!live) return std::unexpected(market::store_failure(live.error()));
  if (!*live) return {};
  auto retailer = load_retailer(tx, p);
  if (!retailer) return std::unexpected(retailer.error());
  auto source = market::load_account(tx, p.account_id);
  if (!source) return std::unexpected(source.error());
  auto target = market::load_account(tx, retailer->settlement_account_id);
  if (!target) return std::unexpected(target.error());
  auto plan = ledger::check_transfer(
      *source, retailer->settlement_account_id, *target,
      {.user_id = p.user_id,
       .currency = p.currency,
       .amount_minor = p.total_minor,
       .target_kind = ledger::TargetKind::kSettlement},
      {.amount_minor_max = cfg.amount_minor_max, .daily_outflow_minor_max = INT64_MAX});
  std::string refusal;
  if (!plan) refusal = std::string(error_code_name(plan.error().code));
  if (refusal.empty() && cfg.faults.fail_payment) refusal = "test_fault";
  if (!refusal.empty()) {
    auto r = advance(tx, p, kReserved, kPaymentFailed, refusal, "PAYMENT_FAILED");
    if (!r) return std::unexpected(r.error());
    return {};
  }
  const std::string transfer_id = util::random_id("pay-");
  const std::string description = "Compra " + p.purchase_id;
  store::Posting posting{transfer_id,
                         "purchase",
                         &**source,
                         &**target,
                         p.total_minor,
                         plan->source_posted_after,
                         plan->target_posted_after,
                         retailer->name,
                         p.purchase_id,
                         description,
                         p.correlation_id,
                         std::string_view(),
                         std::string_view(),
                         0};
  if (auto ok = market::post(tx, posting); !ok) return ok;
  if (auto ok = insert_hold(tx, p, "funds", "posted", tx.now_ms()); !ok) return ok;
  if (auto ok = done(tx.purchases().set_transfer(p.purchase_id, transfer_id)); !ok) return ok;
  auto r = advance(tx, p, kReserved, kPaid, "", "PAYMENT_COMPLETED");
  if (!r) return std::unexpected(r.error());
  return {};
}

// The cashback of the chosen option, from the retailer's settlement account back to the
// account that paid: a movement of its own, double entry like the payment.
std::expected<void, Error> credit_cashback(store::WriteTx& tx, const Purchase& p) {
  if (p.cashback_minor <= 0) return {};
  auto retailer = load_retailer(tx, p);
  if (!retailer) return std::unexpected(retailer.error());
  // Each load is checked before the next: after a failed statement (a deadlock between nodes,
  // broken by the database) a shared store refuses every statement until the savepoint rolls
  // back.
  auto source = market::load_account(tx, retailer->settlement_account_id);
  if (!source) return std::unexpected(source.error());
  auto target = market::load_account(tx, p.account_id);
  if (!target) return std::unexpected(target.error());
  if (!*source || !*target) {
    return std::unexpected(Error{ErrorCode::kInternal, "cashback accounts vanished", "", ""});
  }
  const std::string transfer_id = util::random_id("cbk-");
  const std::string description = "Cashback " + p.purchase_id;
  store::Posting posting{transfer_id,
                         "cashback",
                         &**source,
                         &**target,
                         p.cashback_minor,
                         (*source)->posted_minor - p.cashback_minor,
                         (*target)->posted_minor + p.cashback_minor,
                         p.purchase_id,
                         retailer->name,
                         description,
                         p.correlation_id,
                         std::string_view(),
                         std::string_view(),
                         0};
  return market::post(tx, posting);
}

std::expected<void, Error> confirm(store::WriteTx& tx, const Purchase& p) {
  auto resolved = resolve_stock_hold(tx, p, "posted", "");
  if (!resolved) return std::unexpected(resolved.error());
  if (*resolved) {  // true exactly once per purchase
    if (auto ok = done(tx.catalog().take_stock(p.product_id, p.quantity)); !ok) return ok;
    if (auto ok = credit_cashback(tx, p); !ok) return ok;
  }
  auto r = advance(tx, p, kPaid, kConfirmed, "", "PURCHASE_CONFIRMED");
  if (!r) return std::unexpected(r.error());
  return {};
}

std::expected<void, Error> release(store::WriteTx& tx, const Purchase& p) {
  auto resolved = resolve_stock_hold(tx, p, "voided", p.reason);
  if (!resolved) return std::unexpected(resolved.error());
  if (*resolved) {
    if (auto ok = done(tx.catalog().release_stock(p.product_id, p.quantity)); !ok) return ok;
  }
  auto r = advance(tx, p, kCompensating, kReleased, "", "INVENTORY_RELEASED");
  if (!r) return std::unexpected(r.error());
  return {};
}

}  // namespace

bool is_terminal(std::string_view state) { return state == kConfirmed || state == kFailed; }

std::optional<StepRule> step_for(std::string_view event_type) {
  for (const StepRule& s : kSteps) {
    if (s.event_type == event_type) return s;
  }
  return std::nullopt;
}

std::expected<TestFaults, std::string> parse_test_faults(std::string_view spec) {
  TestFaults faults;
  while (!spec.empty()) {
    const auto comma = spec.find(',');
    const std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (item == "fail-payment") {
      faults.fail_payment = true;
    } else if (item == "stall-payment") {
      faults.stall_payment = true;
    } else if (item.starts_with("crash-on:") && step_for(item.substr(9))) {
      faults.crash_on = std::string(item.substr(9));
    } else {
      return std::unexpected("unknown test fault '" + std::string(item) +
                             "' (fail-payment, stall-payment, crash-on:EVENT_TYPE)");
    }
  }
  return faults;
}

std::expected<void, Error> PurchaseSaga::consume(store::WriteTx& tx, std::string_view event_type,
                                                 std::string_view purchase_id) {
  const auto rule = step_for(event_type);
  if (!rule) return {};
  if (config_.faults.crash_on == event_type) {
    obs::log(obs::Level::kWarn, "test fault: crashing before the saga step");
    ::_exit(137);
  }
  auto loaded = load_purchase(tx, purchase_id);
  if (!loaded) return std::unexpected(loaded.error());
  if (!*loaded || (*loaded)->status != rule->from_state) return {};  // already done
  const Purchase& p = **loaded;
  if (rule->step == "reserve") return reserve(tx, p, config_.hold_timeout_ms);
  if (rule->step == "pay") return pay(tx, p, config_);
  if (rule->step == "confirm") return confirm(tx, p);
  if (rule->step == "release") return release(tx, p);
  const bool compensate = rule->step == "compensate";
  auto r = compensate ? advance(tx, p, kPaymentFailed, kCompensating, "", "COMPENSATION_REQUIRED")
                      : advance(tx, p, kReleased, kFailed, "", "USER_NOTIFIED");
  if (!r) return std::unexpected(r.error());
  return {};
}

std::expected<int, Error> PurchaseSaga::sweep_expired(store::WriteTx& tx, std::int64_t limit) {
  auto due = tx.holds().expired_reservations(tx.now_ms(), limit);
  if (!due) return std::unexpected(market::store_failure(due.error()));
  int voided = 0;
  for (const std::string& id : *due) {
    auto p = load_purchase(tx, id);
    if (!p) return std::unexpected(p.error());
    if (!*p) continue;
    auto resolved = resolve_stock_hold(tx, **p, "voided", "hold_expired");
    if (!resolved) return std::unexpected(resolved.error());
    if (!*resolved) continue;
    if (auto ok = done(tx.catalog().release_stock((*p)->product_id, (*p)->quantity)); !ok) {
      return std::unexpected(ok.error());
    }
    auto r = advance(tx, **p, kReserved, kCompensating, "hold_expired", "COMPENSATION_REQUIRED");
    if (!r) return std::unexpected(r.error());
    ++voided;
  }
  return voided;
}

std::string purchase_event_data(const PurchaseEventFields& f) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "purchase_id", f.purchase_id);
  json::kv(w, "product_id", f.product_id);
  json::kv(w, "retailer_id", f.retailer_id);
  json::kv_int(w, "quantity", f.quantity);
  json::kv(w, "account_id", f.account_id);
  json::kv(w, "option_id", f.option_id);
  events::write_amount(w, f.total_minor, f.currency);
  json::kv(w, "state", f.state);
  if (!f.reason.empty()) json::kv(w, "reason", f.reason);
  w.EndObject();
  return std::string(json::view(b));
}

}  // namespace centli::sagas
