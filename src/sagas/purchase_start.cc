// Starting a purchase and showing one: the synchronous part of the saga.
#include <rapidjson/stringbuffer.h>

#include "domain/benefits.h"
#include "domain/ledger.h"
#include "domain/money.h"
#include "events/outbox.h"
#include "sagas/market_data.h"
#include "sagas/purchase_saga.h"
#include "store/ledger_store.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/json.h"

namespace centli::sagas {
namespace {

constexpr const char* kInsertPurchase =
    "INSERT INTO purchases (user_id, timestamp_ms, purchase_id, product_id, retailer_id, "
    "quantity, account_id, option_id, total_minor, currency, status, reason, correlation_id, "
    "updated_ms, unit_price_minor, subtotal_minor, discount_minor, cashback_minor, points, "
    "months) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'INITIATED', '', ?11, ?2, ?12, "
    "?13, ?14, ?15, ?16, ?17)";
constexpr const char* kInsertFirstStep =
    "INSERT INTO saga_steps (purchase_id, seq, event_type, event_id, state_after, at_ms) "
    "VALUES (?1, 1, 'PURCHASE_INITIATED', ?2, 'INITIATED', ?3)";
constexpr const char* kSelectView =
    "SELECT purchase_id, user_id, product_id, retailer_id, quantity, account_id, option_id, "
    "total_minor, currency, status, reason, correlation_id, timestamp_ms, updated_ms, "
    "unit_price_minor, subtotal_minor, discount_minor, cashback_minor, points, months "
    "FROM purchases WHERE purchase_id = ?1";
constexpr const char* kSelectSteps =
    "SELECT event_type, state_after, at_ms FROM saga_steps WHERE purchase_id = ?1 "
    "ORDER BY seq LIMIT ?2";

Error db_error(const sqlite::DbError& e) {
  return Error{ErrorCode::kInternal, "store failure: " + e.message, "", ""};
}
Error db_error(const store::Error& e) {
  return Error{ErrorCode::kInternal, "store failure: " + e.message, "", ""};
}

benefits::AccountType engine_type(ledger::AccountType t) {
  if (t == ledger::AccountType::kSavings) return benefits::AccountType::kSavings;
  if (t == ledger::AccountType::kCredit) return benefits::AccountType::kCredit;
  return benefits::AccountType::kChecking;
}

// The option as the server computes it now for this account.
std::expected<benefits::Option, Error> recompute(store::WriteTx& tx, const market::ProductRow& p,
                                                 const ledger::AccountState& a,
                                                 const PurchaseRequest& r) {
  auto retailer = market::load_retailer(tx.db(), p.retailer_id);
  if (!retailer) return std::unexpected(db_error(retailer.error()));
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
                                                  const market::ProductRow& p,
                                                  const benefits::Option& o) {
  const std::string id = util::random_id("pur-");
  auto st = tx.db().prepare(kInsertPurchase);
  if (!st) return std::unexpected(db_error(st.error()));
  auto ok = st->bind(1, r.user_id)
                .bind(2, tx.now_ms())
                .bind(3, id)
                .bind(4, p.product_id)
                .bind(5, p.retailer_id)
                .bind(6, r.quantity)
                .bind(7, r.account_id)
                .bind(8, o.option_id)
                .bind(9, o.total_minor)
                .bind(10, p.currency)
                .bind(11, r.correlation_id)
                .bind(12, p.price_minor)
                .bind(13, o.subtotal_minor)
                .bind(14, o.discount_minor)
                .bind(15, o.cashback_minor)
                .bind(16, o.points)
                .bind(17, o.months)
                .exec();
  if (!ok) return std::unexpected(db_error(ok.error()));
  const std::string data =
      purchase_event_data({id, p.product_id, p.retailer_id, r.quantity, r.account_id, o.option_id,
                           o.total_minor, p.currency, kInitiated, ""});
  auto ev =
      events::append(tx, {"PURCHASE_INITIATED", "marketplace", r.user_id, r.correlation_id, data});
  if (!ev) return std::unexpected(db_error(ev.error()));
  auto step = tx.db().prepare(kInsertFirstStep);
  if (!step) return std::unexpected(db_error(step.error()));
  if (auto s = step->bind(1, id).bind(2, *ev).bind(3, tx.now_ms()).exec(); !s) {
    return std::unexpected(db_error(s.error()));
  }
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

void write_steps(sqlite::Db& db, std::string_view id, json::Writer& w) {
  json::key(w, "steps");
  w.StartArray();
  if (auto st = db.prepare(kSelectSteps)) {
    st->bind(1, id).bind(2, limits::kSagaStepsShownMax);
    for (;;) {
      auto row = st->step();
      if (!row || !*row) break;
      w.StartObject();
      json::kv(w, "event_type", st->text_view(0));
      json::kv(w, "state", st->text_view(1));
      json::kv(w, "at", util::format_iso8601_ms(st->int64(2)));
      w.EndObject();
    }
  }
  w.EndArray();
}

void write_view(sqlite::Db& db, const sqlite::Stmt& st, std::string_view locale, json::Writer& w) {
  const std::string state = st.text(9);
  const std::string status = public_status(state);
  w.StartObject();
  json::kv(w, "purchase_id", st.text_view(0));
  json::kv(w, "status", status);
  json::kv(w, "state", state);
  if (status == "FAILED") json::kv(w, "reason", st.text_view(10));
  json::kv(w, "product_id", st.text_view(2));
  json::kv(w, "retailer_id", st.text_view(3));
  json::kv_int(w, "quantity", st.int64(4));
  json::kv(w, "account_id", st.text_view(5));
  json::kv(w, "option_id", st.text_view(6));
  json::kv(w, "unit_price", money::format_minor(st.int64(14)));
  json::kv(w, "subtotal", money::format_minor(st.int64(15)));
  json::kv(w, "discount", money::format_minor(st.int64(16)));
  json::kv(w, "total", money::format_minor(st.int64(7)));
  json::kv(w, "cashback", money::format_minor(st.int64(17)));
  json::kv_int(w, "points", st.int64(18));
  json::kv_int(w, "months", st.int64(19));
  json::kv(w, "currency", st.text_view(8));
  json::kv(w, "correlation_id", st.text_view(11));
  json::kv(w, "created_at", util::format_iso8601_ms(st.int64(12)));
  write_steps(db, st.text_view(0), w);
  json::kv(
      w, "summary",
      summary(status, st.text_view(10), st.int64(7), st.text_view(8), locale.starts_with("en")));
  w.EndObject();
}

}  // namespace

std::expected<std::string, Error> initiate(store::WriteTx& tx, const PurchaseRequest& r) {
  auto product = market::load_product(tx.db(), r.product_id);
  if (!product) return std::unexpected(db_error(product.error()));
  if (!*product) {
    return std::unexpected(
        Error{ErrorCode::kProductNotFound, "the product was not found", "product_id", ""});
  }
  auto account = store::load_account(tx.db(), r.account_id);
  if (!account) return std::unexpected(db_error(account.error()));
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

std::expected<std::optional<PurchaseView>, Error> view_purchase(sqlite::Db& db,
                                                                std::string_view purchase_id,
                                                                std::string_view user_id,
                                                                std::string_view locale) {
  auto st = db.prepare(kSelectView);
  if (!st) return std::unexpected(db_error(st.error()));
  st->bind(1, purchase_id);
  auto row = st->step();
  if (!row) return std::unexpected(db_error(row.error()));
  if (!*row || st->text_view(1) != user_id) return std::optional<PurchaseView>();
  rapidjson::StringBuffer b;
  json::Writer w(b);
  write_view(db, *st, locale, w);
  return PurchaseView{st->text(9), std::string(json::view(b))};
}

}  // namespace centli::sagas
