#include "sagas/purchase_saga.h"

#include <unistd.h>

#include <chrono>

#include "domain/benefits.h"
#include "domain/ledger.h"
#include "events/bus.h"
#include "events/outbox.h"
#include "obs/log.h"
#include "sagas/market_data.h"
#include "store/ledger_store.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/json.h"

namespace centli::sagas {
namespace {

constexpr const char* kSelectPurchase =
    "SELECT purchase_id, user_id, product_id, retailer_id, quantity, account_id, option_id, "
    "total_minor, currency, status, reason, correlation_id, cashback_minor FROM purchases "
    "WHERE purchase_id = ?1";
constexpr const char* kAdvancePurchase =
    "UPDATE purchases SET status = ?3, reason = CASE WHEN ?4 = '' THEN reason ELSE ?4 END, "
    "updated_ms = ?5 WHERE purchase_id = ?1 AND status = ?2";
constexpr const char* kInsertStep =
    "INSERT INTO saga_steps (purchase_id, seq, event_type, event_id, state_after, at_ms) "
    "VALUES (?1, (SELECT COUNT(*) + 1 FROM saga_steps WHERE purchase_id = ?1), ?2, ?3, ?4, ?5)";
constexpr const char* kReserveStock =
    "UPDATE products SET held_stock = held_stock + ?2 "
    "WHERE product_id = ?1 AND stock - held_stock >= ?2";
constexpr const char* kInsertHold =
    "INSERT INTO holds (hold_id, purchase_id, kind, account_id, product_id, amount_minor, "
    "quantity, state, created_ms, expires_ms, resolved_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr const char* kSelectLiveStockHold =
    "SELECT hold_id FROM holds WHERE purchase_id = ?1 AND kind = 'stock' AND state = 'held' "
    "AND expires_ms > ?2";
constexpr const char* kResolveStockHold =
    "UPDATE holds SET state = ?3, reason = ?4, resolved_ms = ?2 "
    "WHERE purchase_id = ?1 AND kind = 'stock' AND state = 'held'";
constexpr const char* kCommitStock =
    "UPDATE products SET stock = stock - ?2, held_stock = held_stock - ?2 WHERE product_id = ?1";
constexpr const char* kReleaseStock =
    "UPDATE products SET held_stock = held_stock - ?2 WHERE product_id = ?1";
constexpr const char* kSetTransfer = "UPDATE purchases SET transfer_id = ?2 WHERE purchase_id = ?1";
constexpr const char* kSelectExpiredHolds =
    "SELECT h.purchase_id FROM holds h JOIN purchases p ON p.purchase_id = h.purchase_id "
    "WHERE h.state = 'held' AND h.kind = 'stock' AND h.expires_ms <= ?1 AND p.status = 'RESERVED' "
    "ORDER BY h.expires_ms LIMIT ?2";

// The saga's consumed events, the state each requires and the step it runs.
constexpr StepRule kSteps[] = {
    {"PURCHASE_INITIATED", kInitiated, "reserve"},
    {"INVENTORY_RESERVED", kReserved, "pay"},
    {"PAYMENT_COMPLETED", kPaid, "confirm"},
    {"PAYMENT_FAILED", kPaymentFailed, "compensate"},
    {"COMPENSATION_REQUIRED", kCompensating, "release"},
    {"INVENTORY_RELEASED", kReleased, "notify"},
};

Error db_error(const sqlite::DbError& e) {
  return Error{ErrorCode::kInternal, "store failure: " + e.message, "", ""};
}
Error db_error(const store::Error& e) {
  return Error{ErrorCode::kInternal, "store failure: " + e.message, "", ""};
}

struct Purchase {
  std::string purchase_id, user_id, product_id, retailer_id;
  std::int64_t quantity = 0;
  std::string account_id, option_id;
  std::int64_t total_minor = 0;
  std::string currency, status, reason, correlation_id;
  std::int64_t cashback_minor = 0;
};

std::expected<std::optional<Purchase>, Error> load_purchase(sqlite::Db& db, std::string_view id) {
  auto st = db.prepare(kSelectPurchase);
  if (!st) return std::unexpected(db_error(st.error()));
  st->bind(1, id);
  auto row = st->step();
  if (!row) return std::unexpected(db_error(row.error()));
  if (!*row) return std::optional<Purchase>();
  return Purchase{st->text(0),  st->text(1),  st->text(2),  st->text(3), st->int64(4),
                  st->text(5),  st->text(6),  st->int64(7), st->text(8), st->text(9),
                  st->text(10), st->text(11), st->int64(12)};
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
  auto st = tx.db().prepare(kAdvancePurchase);
  if (!st) return std::unexpected(db_error(st.error()));
  auto ok = st->bind(1, p.purchase_id)
                .bind(2, from)
                .bind(3, to)
                .bind(4, reason)
                .bind(5, tx.now_ms())
                .exec();
  if (!ok) return std::unexpected(db_error(ok.error()));
  if (tx.db().changes() == 0) return false;
  const std::string data = event_data(p, to, reason.empty() ? p.reason : reason);
  auto ev = events::append(tx, {event_type, "marketplace", p.user_id, p.correlation_id, data});
  if (!ev) return std::unexpected(db_error(ev.error()));
  auto step = tx.db().prepare(kInsertStep);
  if (!step) return std::unexpected(db_error(step.error()));
  auto ins = step->bind(1, p.purchase_id)
                 .bind(2, event_type)
                 .bind(3, *ev)
                 .bind(4, to)
                 .bind(5, tx.now_ms())
                 .exec();
  if (!ins) return std::unexpected(db_error(ins.error()));
  return true;
}

std::expected<void, Error> exec2(store::WriteTx& tx, const char* sql, std::string_view a,
                                 std::int64_t b) {
  auto st = tx.db().prepare(sql);
  if (!st) return std::unexpected(db_error(st.error()));
  if (auto ok = st->bind(1, a).bind(2, b).exec(); !ok) return std::unexpected(db_error(ok.error()));
  return {};
}

std::expected<bool, Error> resolve_stock_hold(store::WriteTx& tx, const Purchase& p,
                                              std::string_view state, std::string_view reason) {
  auto st = tx.db().prepare(kResolveStockHold);
  if (!st) return std::unexpected(db_error(st.error()));
  auto ok = st->bind(1, p.purchase_id).bind(2, tx.now_ms()).bind(3, state).bind(4, reason).exec();
  if (!ok) return std::unexpected(db_error(ok.error()));
  return tx.db().changes() == 1;
}

std::expected<void, Error> insert_hold(store::WriteTx& tx, const Purchase& p, std::string_view kind,
                                       std::string_view state, std::int64_t expires_ms) {
  auto st = tx.db().prepare(kInsertHold);
  if (!st) return std::unexpected(db_error(st.error()));
  const bool funds = kind == "funds";
  auto ok = st->bind(1, util::random_id("hld-"))
                .bind(2, p.purchase_id)
                .bind(3, kind)
                .bind(4, funds ? std::string_view(p.account_id) : std::string_view(""))
                .bind(5, funds ? std::string_view("") : std::string_view(p.product_id))
                .bind(6, funds ? p.total_minor : 0)
                .bind(7, funds ? 0 : p.quantity)
                .bind(8, state)
                .bind(9, tx.now_ms())
                .bind(10, expires_ms)
                .bind(11, state == "held" ? 0 : tx.now_ms())
                .exec();
  if (!ok) return std::unexpected(db_error(ok.error()));
  return {};
}

std::expected<void, Error> reserve(store::WriteTx& tx, const Purchase& p,
                                   std::int64_t hold_timeout_ms) {
  if (auto ok = exec2(tx, kReserveStock, p.product_id, p.quantity); !ok) return ok;
  if (tx.db().changes() == 0) {
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

// The payment checks, first failure wins; empty when the payment may go ahead.
std::string payment_refusal(const std::optional<ledger::AccountState>& source, const Purchase& p,
                            const SagaConfig& cfg) {
  if (!source || source->user_id != p.user_id || !ledger::is_customer_account(source->type)) {
    return "account_not_found";
  }
  if (!source->active) return "account_inactive";
  if (source->currency != p.currency) return "currency_mismatch";
  if (p.total_minor > cfg.amount_minor_max) return "amount_limit_exceeded";
  if (ledger::available_minor(*source) < p.total_minor) return "insufficient_funds";
  if (cfg.faults.fail_payment) return "test_fault";
  return "";
}

std::expected<void, Error> post_payment(store::WriteTx& tx, const Purchase& p,
                                        const ledger::AccountState& src) {
  auto retailer = market::load_retailer(tx.db(), p.retailer_id);
  if (!retailer) return std::unexpected(db_error(retailer.error()));
  if (!*retailer) return std::unexpected(Error{ErrorCode::kInternal, "retailer vanished", "", ""});
  auto target = store::load_account(tx.db(), (*retailer)->settlement_account_id);
  if (!target) return std::unexpected(db_error(target.error()));
  if (!*target) {
    return std::unexpected(Error{ErrorCode::kInternal, "no settlement account", "", ""});
  }
  const ledger::AccountState& dst = **target;
  const std::string transfer_id = util::random_id("pay-");
  const std::string description = "Compra " + p.purchase_id;
  store::Posting posting{transfer_id,
                         "purchase",
                         &src,
                         &dst,
                         p.total_minor,
                         src.posted_minor - p.total_minor,
                         dst.posted_minor + p.total_minor,
                         (*retailer)->name,
                         p.purchase_id,
                         description,
                         p.correlation_id,
                         std::string_view(),
                         std::string_view(),
                         0};
  if (auto ok = store::post(tx, posting); !ok) return std::unexpected(db_error(ok.error()));
  if (auto ok = insert_hold(tx, p, "funds", "posted", tx.now_ms()); !ok) return ok;
  auto st = tx.db().prepare(kSetTransfer);
  if (!st) return std::unexpected(db_error(st.error()));
  if (auto ok = st->bind(1, p.purchase_id).bind(2, transfer_id).exec(); !ok) {
    return std::unexpected(db_error(ok.error()));
  }
  return {};
}

std::expected<void, Error> pay(store::WriteTx& tx, const Purchase& p, const SagaConfig& cfg) {
  if (cfg.faults.stall_payment) return {};
  // A hold that expired (or was voided) belongs to the sweeper, which compensates.
  auto live = tx.db().prepare(kSelectLiveStockHold);
  if (!live) return std::unexpected(db_error(live.error()));
  live->bind(1, p.purchase_id).bind(2, tx.now_ms());
  auto row = live->step();
  if (!row) return std::unexpected(db_error(row.error()));
  if (!*row) return {};
  auto source = store::load_account(tx.db(), p.account_id);
  if (!source) return std::unexpected(db_error(source.error()));
  const std::string refusal = payment_refusal(*source, p, cfg);
  if (!refusal.empty()) {
    auto r = advance(tx, p, kReserved, kPaymentFailed, refusal, "PAYMENT_FAILED");
    if (!r) return std::unexpected(r.error());
    return {};
  }
  if (auto ok = post_payment(tx, p, **source); !ok) return ok;
  auto r = advance(tx, p, kReserved, kPaid, "", "PAYMENT_COMPLETED");
  if (!r) return std::unexpected(r.error());
  return {};
}

// The cashback of the chosen option, from the retailer's settlement account back to the
// account that paid: a movement of its own, double entry like the payment.
std::expected<void, Error> credit_cashback(store::WriteTx& tx, const Purchase& p) {
  if (p.cashback_minor <= 0) return {};
  auto retailer = market::load_retailer(tx.db(), p.retailer_id);
  if (!retailer) return std::unexpected(db_error(retailer.error()));
  if (!*retailer) return std::unexpected(Error{ErrorCode::kInternal, "retailer vanished", "", ""});
  auto source = store::load_account(tx.db(), (*retailer)->settlement_account_id);
  auto target = store::load_account(tx.db(), p.account_id);
  if (!source) return std::unexpected(db_error(source.error()));
  if (!target) return std::unexpected(db_error(target.error()));
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
                         (*retailer)->name,
                         description,
                         p.correlation_id,
                         std::string_view(),
                         std::string_view(),
                         0};
  if (auto ok = store::post(tx, posting); !ok) return std::unexpected(db_error(ok.error()));
  return {};
}

std::expected<void, Error> confirm(store::WriteTx& tx, const Purchase& p) {
  auto resolved = resolve_stock_hold(tx, p, "posted", "");
  if (!resolved) return std::unexpected(resolved.error());
  if (*resolved) {  // true exactly once per purchase
    if (auto ok = exec2(tx, kCommitStock, p.product_id, p.quantity); !ok) return ok;
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
    if (auto ok = exec2(tx, kReleaseStock, p.product_id, p.quantity); !ok) return ok;
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
  auto loaded = load_purchase(tx.db(), purchase_id);
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
  std::vector<std::string> due;
  {
    auto st = tx.db().prepare(kSelectExpiredHolds);
    if (!st) return std::unexpected(db_error(st.error()));
    st->bind(1, tx.now_ms()).bind(2, limit);
    for (;;) {
      auto row = st->step();
      if (!row) return std::unexpected(db_error(row.error()));
      if (!*row) break;
      due.push_back(st->text(0));
    }
  }
  int voided = 0;
  for (const std::string& id : due) {
    auto p = load_purchase(tx.db(), id);
    if (!p) return std::unexpected(p.error());
    if (!*p) continue;
    auto resolved = resolve_stock_hold(tx, **p, "voided", "hold_expired");
    if (!resolved) return std::unexpected(resolved.error());
    if (!*resolved) continue;
    if (auto ok = exec2(tx, kReleaseStock, (*p)->product_id, (*p)->quantity); !ok) {
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
