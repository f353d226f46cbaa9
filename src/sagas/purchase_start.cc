// Starting a purchase and showing one: the synchronous part of the saga.
#include <rapidjson/stringbuffer.h>

#include "domain/benefits.h"
#include "domain/ledger.h"
#include "domain/money.h"
#include "events/outbox.h"
#include "sagas/market_data.h"
#include "sagas/purchase_saga.h"
#include "store/market.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/json.h"

namespace centli::sagas {
namespace {

benefits::AccountType engine_type(ledger::AccountType t) {
  if (t == ledger::AccountType::kSavings) return benefits::AccountType::kSavings;
  if (t == ledger::AccountType::kCredit) return benefits::AccountType::kCredit;
  return benefits::AccountType::kChecking;
}

// The option as the server computes it now for this account.
std::expected<benefits::Option, Error> recompute(store::WriteTx& tx, const store::Product& p,
                                                 const ledger::AccountState& a,
                                                 const PurchaseRequest& r) {
  auto retailer = tx.catalog().find_retailer(p.retailer_id);
  if (!retailer) return std::unexpected(market::store_failure(retailer.error()));
  auto rules = market::parse_rules(*retailer ? (*retailer)->rules_json : "{}");
  if (!rules) return std::unexpected(Error{ErrorCode::kInternal, rules.error(), "", ""});
  const benefits::Account account{a.account_id, engine_type(a.type), ledger::available_minor(a),
                                  a.active};
  auto options = benefits::calculate(market::to_benefits_product(p), r.quantity,
                                     std::span(&account, 1), *rules, tx.now_ms());
  const benefits::Option* chosen = options ? benefits::find_option(*options, r.option_id) : nullptr;
  if (chosen == nullptr) {
    return std::unexpected(Error{ErrorCode::kOptionNotAvailable,
                                 "this benefit option is not available for this purchase; ask "
                                 "calculate_benefits for the current options",
                                 "option_id", ""});
  }
  return *chosen;
}

std::expected<std::string, Error> write_initiated(store::WriteTx& tx, const PurchaseRequest& r,
                                                  const store::Product& p,
                                                  const benefits::Option& o) {
  const std::string id = util::random_id("pur-");
  auto ok = tx.purchases().insert(store::Purchase{.purchase_id = id,
                                                  .user_id = r.user_id,
                                                  .product_id = p.product_id,
                                                  .retailer_id = p.retailer_id,
                                                  .quantity = r.quantity,
                                                  .account_id = r.account_id,
                                                  .option_id = o.option_id,
                                                  .unit_price_minor = p.price_minor,
                                                  .subtotal_minor = o.subtotal_minor,
                                                  .discount_minor = o.discount_minor,
                                                  .total_minor = o.total_minor,
                                                  .cashback_minor = o.cashback_minor,
                                                  .points = o.points,
                                                  .months = o.months,
                                                  .currency = p.currency,
                                                  .correlation_id = r.correlation_id,
                                                  .created_ms = tx.now_ms()});
  if (!ok) return std::unexpected(market::store_failure(ok.error()));
  const std::string data =
      purchase_event_data({id, p.product_id, p.retailer_id, r.quantity, r.account_id, o.option_id,
                           o.total_minor, p.currency, kInitiated, ""});
  auto ev =
      events::append(tx, {"PURCHASE_INITIATED", "marketplace", r.user_id, r.correlation_id, data});
  if (!ev) return std::unexpected(market::store_failure(ev.error()));
  auto step = tx.purchases().append_step(
      id, {"PURCHASE_INITIATED", std::string(kInitiated), tx.now_ms()}, *ev);
  if (!step) return std::unexpected(market::store_failure(step.error()));
  return id;
}

std::string public_status(std::string_view state) {
  if (state == kConfirmed) return "CONFIRMED";
  if (state == kFailed) return "FAILED";
  return "PENDING";
}

std::string summary(std::string_view status, std::string_view reason, std::int64_t total_minor,
                    std::string_view currency, bool en) {
  const std::string amount = money::format_display(total_minor) + " " + std::string(currency);
  if (status == "CONFIRMED") {
    return en ? "Your purchase for " + amount + " is confirmed."
              : "Tu compra por " + amount + " está confirmada.";
  }
  if (status == "FAILED") {
    return en ? "Your purchase for " + amount + " failed (" + std::string(reason) +
                    "); nothing was charged."
              : "Tu compra por " + amount + " no se realizó (" + std::string(reason) +
                    "); no se cobró nada.";
  }
  return en ? "Your purchase for " + amount + " is still in progress."
            : "Tu compra por " + amount + " sigue en proceso.";
}

void write_steps(store::ReadTx& tx, std::string_view id, json::Writer& w) {
  json::key(w, "steps");
  w.StartArray();
  // A purchase whose steps cannot be read is still shown, without them.
  if (auto steps = tx.purchases().steps(id, limits::kSagaStepsShownMax)) {
    for (const store::SagaStep& s : *steps) {
      w.StartObject();
      json::kv(w, "event_type", s.event_type);
      json::kv(w, "state", s.state_after);
      json::kv(w, "at", util::format_iso8601_ms(s.at_ms));
      w.EndObject();
    }
  }
  w.EndArray();
}

void write_view(store::ReadTx& tx, const store::Purchase& p, std::string_view locale,
                json::Writer& w) {
  const std::string status = public_status(p.status);
  w.StartObject();
  json::kv(w, "purchase_id", p.purchase_id);
  json::kv(w, "status", status);
  json::kv(w, "state", p.status);
  if (status == "FAILED") json::kv(w, "reason", p.reason);
  json::kv(w, "product_id", p.product_id);
  json::kv(w, "retailer_id", p.retailer_id);
  json::kv_int(w, "quantity", p.quantity);
  json::kv(w, "account_id", p.account_id);
  json::kv(w, "option_id", p.option_id);
  json::kv(w, "unit_price", money::format_minor(p.unit_price_minor));
  json::kv(w, "subtotal", money::format_minor(p.subtotal_minor));
  json::kv(w, "discount", money::format_minor(p.discount_minor));
  json::kv(w, "total", money::format_minor(p.total_minor));
  json::kv(w, "cashback", money::format_minor(p.cashback_minor));
  json::kv_int(w, "points", p.points);
  json::kv_int(w, "months", p.months);
  json::kv(w, "currency", p.currency);
  json::kv(w, "correlation_id", p.correlation_id);
  json::kv(w, "created_at", util::format_iso8601_ms(p.created_ms));
  write_steps(tx, p.purchase_id, w);
  json::kv(w, "summary",
           summary(status, p.reason, p.total_minor, p.currency, locale.starts_with("en")));
  w.EndObject();
}

}  // namespace

std::expected<std::string, Error> initiate(store::WriteTx& tx, const PurchaseRequest& r) {
  auto product = tx.catalog().find_product(r.product_id);
  if (!product) return std::unexpected(market::store_failure(product.error()));
  if (!*product) {
    return std::unexpected(
        Error{ErrorCode::kProductNotFound, "the product was not found", "product_id", ""});
  }
  auto account = market::load_account(tx, r.account_id);
  if (!account) return std::unexpected(account.error());
  if (!*account || (*account)->user_id != r.user_id ||
      !ledger::is_customer_account((*account)->type)) {
    return std::unexpected(
        Error{ErrorCode::kAccountNotFound, "the account was not found", "account_id", ""});
  }
  auto option = recompute(tx, **product, **account, r);
  if (!option) return std::unexpected(option.error());
  if ((*product)->stock - (*product)->held_stock < r.quantity) {
    return std::unexpected(Error{ErrorCode::kOutOfStock,
                                 "there are not enough units of this product in stock", "quantity",
                                 ""});
  }
  return write_initiated(tx, r, **product, *option);
}

std::expected<std::optional<PurchaseView>, Error> view_purchase(store::ReadTx& tx,
                                                                std::string_view purchase_id,
                                                                std::string_view user_id,
                                                                std::string_view locale) {
  auto p = tx.purchases().find(purchase_id);
  if (!p) return std::unexpected(market::store_failure(p.error()));
  if (!*p || (*p)->user_id != user_id) return std::optional<PurchaseView>();
  rapidjson::StringBuffer b;
  json::Writer w(b);
  write_view(tx, **p, locale, w);
  return PurchaseView{(*p)->status, std::string(json::view(b))};
}

}  // namespace centli::sagas
