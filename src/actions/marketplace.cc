// marketplace: get_catalog, calculate_benefits, purchase, get_purchase, get_purchases.
#include <algorithm>
#include <charconv>

#include "actions/accounts.h"
#include "actions/common.h"
#include "actions/groups.h"
#include "actions/services.h"
#include "domain/alias_match.h"
#include "domain/benefits.h"
#include "domain/ledger.h"
#include "domain/money.h"
#include "sagas/market_data.h"
#include "sagas/purchase_saga.h"
#include "store/market.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/json.h"
#include "util/limits.h"

namespace centli::actions {
namespace {

// ---------------------------------------------------------------- get_catalog

struct Ranked {
  store::Product product;
  int score = 0;
};

std::vector<std::string> words(std::string_view normalized) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < normalized.size()) {
    const auto end = std::min(normalized.find(' ', i), normalized.size());
    if (end > i) out.emplace_back(normalized.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

// Relevance: 3 per query word found in the name, 1 per word found in the description; a
// product matches when every query word is found in one or the other.
int relevance(const std::vector<std::string>& query, const store::Product& p) {
  const std::string name = alias::normalize(p.name);
  const std::string description = alias::normalize(p.description);
  int score = 0;
  for (const std::string& w : query) {
    const bool in_name = name.find(w) != std::string::npos;
    const bool in_description = description.find(w) != std::string::npos;
    if (!in_name && !in_description) return -1;
    score += (in_name ? 3 : 0) + (in_description ? 1 : 0);
  }
  return score;
}

std::expected<std::vector<Ranked>, Error> matching_products(const Call& call, store::ReadTx& tx) {
  auto products =
      tx.catalog().list_products(call.input.str("retailer_id").value_or(""),
                                 call.input.str("category").value_or(""), limits::kCatalogScanMax);
  if (!products) return std::unexpected(market::store_failure(products.error()));
  const auto query = words(alias::normalize(call.input.str("q").value_or("")));
  std::vector<Ranked> out;
  for (store::Product& p : *products) {
    const int score = relevance(query, p);
    if (score >= 0) out.push_back(Ranked{std::move(p), score});
  }
  return out;
}

void sort_products(std::vector<Ranked>& items, std::string_view sort) {
  auto by = [sort](const Ranked& a, const Ranked& b) {
    if (sort == "price_asc" && a.product.price_minor != b.product.price_minor) {
      return a.product.price_minor < b.product.price_minor;
    }
    if (sort == "price_desc" && a.product.price_minor != b.product.price_minor) {
      return a.product.price_minor > b.product.price_minor;
    }
    if (a.score != b.score) return a.score > b.score;
    return a.product.product_id < b.product.product_id;
  };
  std::stable_sort(items.begin(), items.end(), by);
}

void write_product(json::Writer& w, const store::Product& p) {
  const std::int64_t available = p.stock - p.held_stock;
  w.StartObject();
  json::kv(w, "product_id", p.product_id);
  json::kv(w, "name", p.name);
  json::kv(w, "description", p.description);
  json::kv(w, "category", p.category);
  json::kv(w, "price", money::format_minor(p.price_minor));
  json::kv(w, "currency", p.currency);
  json::kv_int(w, "stock", available);
  json::kv_bool(w, "in_stock", available > 0);
  json::kv(w, "retailer_id", p.retailer_id);
  json::kv(w, "retailer_name", p.retailer_name);
  w.EndObject();
}

// Catalog cursors: "c1." + base64url of the offset into the sorted result.
std::optional<std::int64_t> decode_offset(std::string_view c) {
  std::string raw;
  if (!c.starts_with("c1.") || !util::base64url_decode(c.substr(3), raw)) return std::nullopt;
  std::int64_t offset = 0;
  auto r = std::from_chars(raw.data(), raw.data() + raw.size(), offset);
  if (r.ec != std::errc() || r.ptr != raw.data() + raw.size() || offset <= 0) return std::nullopt;
  return offset;
}

std::string catalog_summary(std::int64_t shown, std::int64_t total, bool en) {
  if (total == 0) return en ? "No product matches." : "Ningún producto coincide.";
  const std::string n = std::to_string(shown);
  const std::string all = std::to_string(total);
  return en ? "Showing " + n + " of " + all + " " +
                  std::string(agree(total, "matching product.", "matching products."))
            : std::string(agree(shown, "Se muestra ", "Se muestran ")) + n + " de " + all + " " +
                  std::string(agree(total, "producto que coincide.", "productos que coinciden."));
}

std::expected<Reply, Error> get_catalog(const Call& call, store::Reader& reader) {
  const std::string_view sort = call.input.str("sort").value_or("relevance");
  if (sort != "relevance" && sort != "price_asc" && sort != "price_desc") {
    return std::unexpected(Error::invalid("sort", "sort is relevance, price_asc or price_desc"));
  }
  std::int64_t offset = 0;
  if (auto c = call.input.str("cursor")) {
    auto o = decode_offset(*c);
    if (!o) return std::unexpected(Error::invalid("cursor", "the cursor is not valid"));
    offset = *o;
  }
  const std::int64_t limit =
      call.input.integer("limit").value_or(static_cast<std::int64_t>(limits::kPageSizeDefault));
  auto items = matching_products(call, reader.tx());
  if (!items) return std::unexpected(items.error());
  sort_products(*items, sort);
  const auto total = static_cast<std::int64_t>(items->size());
  const std::int64_t end = std::min(total, offset + limit);
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::key(w, "products");
  w.StartArray();
  for (std::int64_t i = offset; i < end; ++i) write_product(w, (*items)[i].product);
  w.EndArray();
  json::key(w, "next_cursor");
  if (end < total) {
    json::str(w, "c1." + util::base64url_encode(std::to_string(end)));
  } else {
    w.Null();
  }
  const std::int64_t shown = std::max<std::int64_t>(0, end - offset);
  json::kv(w, "summary", catalog_summary(shown, total, english(call.locale)));
  w.EndObject();
  return Reply{200, std::string(json::view(b))};
}

// ---------------------------------------------------------------- calculate_benefits

benefits::AccountType engine_type(ledger::AccountType t) {
  if (t == ledger::AccountType::kSavings) return benefits::AccountType::kSavings;
  if (t == ledger::AccountType::kCredit) return benefits::AccountType::kCredit;
  return benefits::AccountType::kChecking;
}

std::expected<std::vector<benefits::Account>, Error> payment_accounts(const Call& call,
                                                                      store::ReadTx& tx) {
  auto owned = owned_accounts(tx, call.user_id, call.input.str("account_id"));
  if (!owned) return std::unexpected(owned.error());
  const std::vector<ledger::AccountState>& states = *owned;
  std::vector<benefits::Account> out;
  for (const auto& s : states) {
    if (out.size() == limits::kPaymentAccountsMax) break;  // the first accounts by id
    out.push_back({s.account_id, engine_type(s.type), ledger::available_minor(s), s.active,
                   last4(s.account_number)});
  }
  return out;
}

Error benefits_error(benefits::BenefitsError e) {
  using benefits::BenefitsError;
  const std::string message(benefits::error_message(e));
  if (e == BenefitsError::kInvalidQuantity || e == BenefitsError::kQuantityTooLarge) {
    return Error::invalid("quantity", message);
  }
  if (e == BenefitsError::kNoEligibleAccount) {
    return Error{ErrorCode::kAccountInactive, message, "account_id", ""};
  }
  return Error{ErrorCode::kInternal, message, "", ""};
}

std::string options_summary(const benefits::Option& best, std::size_t count, bool en) {
  const std::string n = std::to_string(count);
  if (en) {
    return (count == 1 ? "1 way to pay, " : n + " ways to pay; the best is ") + best.option_id +
           ", " + benefits::format_pesos(best.total_minor) + " in total.";
  }
  return (count == 1 ? "1 forma de pago, " : n + " formas de pago; la mejor es ") + best.option_id +
         ": " + best.summary;
}

std::string_view kind_name(benefits::Option::Kind k) {
  switch (k) {
    case benefits::Option::Kind::kFullPayment:
      return "full_payment";
    case benefits::Option::Kind::kCashback:
      return "cashback";
    case benefits::Option::Kind::kMsi:
      return "msi";
    case benefits::Option::Kind::kPromotion:
      return "promotion";
    case benefits::Option::Kind::kPoints:
      return "points";
  }
  return "full_payment";
}

void write_option(json::Writer& w, const benefits::Option& o) {
  w.StartObject();
  json::kv(w, "option_id", o.option_id);
  json::kv(w, "kind", kind_name(o.kind));
  json::kv(w, "account_id", o.account_id);
  json::kv(w, "subtotal", money::format_minor(o.subtotal_minor));
  json::kv(w, "discount", money::format_minor(o.discount_minor));
  json::kv(w, "total", money::format_minor(o.total_minor));
  json::kv(w, "saving", money::format_minor(o.saving_minor));
  json::kv(w, "cashback", money::format_minor(o.cashback_minor));
  json::kv_int(w, "points", o.points);
  json::kv_int(w, "months", o.months);
  if (o.months > 0) {
    json::kv(w, "installment_first", money::format_minor(o.installment_first_minor));
    json::kv(w, "installment_rest", money::format_minor(o.installment_rest_minor));
  }
  json::kv_bool(w, "affordable", o.affordable);
  json::kv(w, "summary", o.summary);
  w.EndObject();
}

std::expected<Reply, Error> calculate_benefits(const Call& call, store::Reader& reader) {
  store::ReadTx& tx = reader.tx();
  auto product = tx.catalog().find_product(*call.input.str("product_id"));
  if (!product) return std::unexpected(market::store_failure(product.error()));
  if (!*product) {
    return std::unexpected(
        Error{ErrorCode::kProductNotFound, "the product was not found", "product_id", ""});
  }
  auto accounts = payment_accounts(call, tx);
  if (!accounts) return std::unexpected(accounts.error());
  auto retailer = tx.catalog().find_retailer((*product)->retailer_id);
  if (!retailer) return std::unexpected(market::store_failure(retailer.error()));
  auto rules = market::parse_rules(*retailer ? (*retailer)->rules_json : "{}");
  if (!rules) return std::unexpected(Error{ErrorCode::kInternal, rules.error(), "", ""});
  const std::int64_t quantity = *call.input.integer("quantity");
  auto options = benefits::calculate(market::to_benefits_product(**product), quantity, *accounts,
                                     *rules, util::now_ms());
  if (!options) return std::unexpected(benefits_error(options.error()));
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "product_id", (*product)->product_id);
  json::kv_int(w, "quantity", quantity);
  json::kv(w, "currency", (*product)->currency);
  json::key(w, "options");
  w.StartArray();
  for (const auto& o : *options) write_option(w, o);
  w.EndArray();
  const benefits::Option& best = options->front();
  json::kv(w, "best_option_id", best.option_id);
  json::kv(w, "summary", options_summary(best, options->size(), english(call.locale)));
  w.EndObject();
  return Reply{200, std::string(json::view(b))};
}

// ---------------------------------------------------------------- purchase

int purchase_status(std::string_view state) {
  if (state == sagas::kConfirmed) return 201;
  if (state == sagas::kFailed) return 200;
  return 202;
}

std::expected<WriteFn, Error> prepare_purchase(const Call& call) {
  sagas::PurchaseRequest r{std::string(call.user_id),
                           std::string(call.correlation_id),
                           std::string(*call.input.str("product_id")),
                           *call.input.integer("quantity"),
                           std::string(*call.input.str("account_id")),
                           std::string(*call.input.str("option_id"))};
  sagas::PurchaseSaga* saga = call.services.purchase_saga;
  std::string locale(call.locale);
  return WriteFn(
      [r = std::move(r), saga, locale](store::WriteTx& tx) -> std::expected<Reply, Error> {
        auto id = sagas::initiate(tx, r);
        if (!id) return std::unexpected(id.error());
        auto view = sagas::view_purchase(tx, *id, r.user_id, locale);
        if (!view || !*view)
          return std::unexpected(Error{ErrorCode::kInternal, "store failure", "", ""});
        Reply reply{202, (*view)->body};
        if (saga == nullptr) return reply;
        reply.defer = [saga, id = *id, user = r.user_id, locale,
                       first = reply.body](std::function<void(Reply)> answer) {
          saga->wait(id, user, locale, [answer, first](std::string state, std::string body) {
            if (body.empty()) return answer(Reply{202, first});
            answer(Reply{purchase_status(state), std::move(body)});
          });
        };
        return reply;
      });
}

// ---------------------------------------------------------------- get_purchase(s)

std::expected<Reply, Error> get_purchase(const Call& call, store::Reader& reader) {
  auto v =
      sagas::view_purchase(reader.tx(), *call.input.str("purchase_id"), call.user_id, call.locale);
  if (!v) return std::unexpected(v.error());
  if (!*v) {
    return std::unexpected(
        Error{ErrorCode::kPurchaseNotFound, "the purchase was not found", "purchase_id", ""});
  }
  return Reply{200, std::move((*v)->body)};
}

// Purchase cursors: "p1." + base64url of "timestamp_ms:purchase_id".
std::optional<std::pair<std::int64_t, std::string>> decode_purchase_cursor(std::string_view c) {
  std::string raw;
  if (!c.starts_with("p1.") || !util::base64url_decode(c.substr(3), raw)) return std::nullopt;
  const auto colon = raw.find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::int64_t ts = 0;
  auto r = std::from_chars(raw.data(), raw.data() + colon, ts);
  if (r.ec != std::errc() || r.ptr != raw.data() + colon) return std::nullopt;
  return std::pair{ts, raw.substr(colon + 1)};
}

std::expected<Reply, Error> get_purchases(const Call& call, store::Reader& reader) {
  store::PurchasePosition after{INT64_MAX, ""};
  if (auto c = call.input.str("cursor")) {
    auto pos = decode_purchase_cursor(*c);
    if (!pos) return std::unexpected(Error::invalid("cursor", "the cursor is not valid"));
    after = {pos->first, std::move(pos->second)};
  }
  const std::int64_t limit =
      call.input.integer("limit").value_or(static_cast<std::int64_t>(limits::kPageSizeDefault));
  auto page = reader.tx().purchases().page(call.user_id, after, limit + 1);
  if (!page) return std::unexpected(market::store_failure(page.error()));
  std::vector<store::PurchasePosition>& ids = *page;
  const bool more = static_cast<std::int64_t>(ids.size()) > limit;
  if (more) ids.pop_back();
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::key(w, "purchases");
  w.StartArray();
  for (const store::PurchasePosition& at : ids) {
    auto v = sagas::view_purchase(reader.tx(), at.purchase_id, call.user_id, call.locale);
    if (!v) return std::unexpected(v.error());
    if (*v) w.RawValue((*v)->body.data(), (*v)->body.size(), rapidjson::kObjectType);
  }
  w.EndArray();
  json::key(w, "next_cursor");
  if (more) {
    json::str(w, "p1." + util::base64url_encode(std::to_string(ids.back().created_ms) + ":" +
                                                ids.back().purchase_id));
  } else {
    w.Null();
  }
  const std::string n = std::to_string(ids.size());
  const bool one = ids.size() == 1;
  json::kv(w, "summary",
           english(call.locale)
               ? (one ? std::string("Showing 1 purchase.")
                      : "Showing " + n + " purchases, newest first.")
               : (one ? std::string("Se muestra 1 compra.")
                      : "Se muestran " + n + " compras, de la más reciente a la más antigua."));
  w.EndObject();
  return Reply{200, std::string(json::view(b))};
}

// ---------------------------------------------------------------- declarations

Field text(std::string name, std::string description, bool required, FieldIn in,
           std::size_t length_max = limits::kIdMax) {
  return Field{
      std::move(name), FieldType::kString, required, std::move(description), length_max, 0, 0, in};
}

Field page_limit() {
  return Field{"limit",
               FieldType::kInteger,
               false,
               "Page size, 1 to 100; default 20.",
               0,
               1,
               static_cast<std::int64_t>(limits::kPageSizeMax),
               FieldIn::kQuery};
}

Field quantity() {
  return Field{
      "quantity", FieldType::kInteger,          true,          "Units to buy, 1 to 100.", 0,
      1,          limits::kPurchaseQuantityMax, FieldIn::kBody};
}

constexpr const char* kPurchaseSchema =
    R"({"type":"object","properties":{"purchase_id":{"type":"string"},)"
    R"("status":{"type":"string","description":"CONFIRMED, FAILED or PENDING"},)"
    R"("state":{"type":"string"},"reason":{"type":"string"},"product_id":{"type":"string"},)"
    R"("quantity":{"type":"integer"},"account_id":{"type":"string"},)"
    R"("option_id":{"type":"string"},"total":{"type":"string"},"currency":{"type":"string"},)"
    R"("steps":{"type":"array","items":{"type":"object"}},"summary":{"type":"string"}},)"
    R"("required":["purchase_id","status","summary"]})";

void register_reads(Registry& registry) {
  registry.add(Action{
      .name = "get_catalog",
      .group = "marketplace",
      .title = "Browse the catalog",
      .description =
          "Lists products with price, currency, units in stock and retailer. Filter by "
          "retailer_id, category (electronics, groceries, travel, fashion, home) and q, words "
          "searched in name and description ignoring case and accents. sort is relevance "
          "(default), price_asc or price_desc. limit 1 to 100, cursor from next_cursor.",
      .scope = auth::kMarketplaceRead,
      .method = "GET",
      .path = "/v1/marketplace/catalog",
      .fields = {text("retailer_id", "Retailer id, e.g. ret-electro.", false, FieldIn::kQuery),
                 text("category", "electronics, groceries, travel, fashion or home.", false,
                      FieldIn::kQuery),
                 text("q", "Words to search, e.g. telefono.", false, FieldIn::kQuery,
                      limits::kCatalogQueryMax),
                 text("sort", "relevance, price_asc or price_desc.", false, FieldIn::kQuery, 16),
                 page_limit(),
                 text("cursor", "next_cursor of the previous page.", false, FieldIn::kQuery, 256)},
      .output_schema =
          R"({"type":"object","properties":{"products":{"type":"array","items":{"type":"object"}},)"
          R"("next_cursor":{"type":"string","nullable":true},"summary":{"type":"string"}},"required":["products"]})",
      .read = get_catalog,
      .prepare = {},
  });
  registry.add(Action{
      .name = "calculate_benefits",
      .group = "marketplace",
      .title = "Compare ways to pay",
      .description =
          "For a product and quantity, every way to pay with the person's accounts (or only "
          "account_id): full payment, cashback, interest-free installments (MSI), points and "
          "promotions, each with option_id, total, saving, affordable and a summary, best "
          "first. Pass the chosen option_id to purchase.",
      .scope = auth::kMarketplaceRead,
      .method = "POST",
      .path = "/v1/marketplace/benefits",
      .fields = {text("product_id", "Product id from the catalog.", true, FieldIn::kBody),
                 quantity(),
                 text("account_id", "One payment account; omit for all.", false, FieldIn::kBody)},
      .output_schema =
          R"({"type":"object","properties":{"options":{"type":"array","items":{"type":"object"}},)"
          R"("best_option_id":{"type":"string"},"summary":{"type":"string"}},"required":["options"]})",
      .refusals = {ErrorCode::kProductNotFound, ErrorCode::kAccountNotFound,
                   ErrorCode::kAccountInactive},
      .read = calculate_benefits,
      .prepare = {},
  });
}

void register_purchases(Registry& registry) {
  registry.add(Action{
      .name = "purchase",
      .group = "marketplace",
      .title = "Buy a product",
      .description =
          "Buys quantity units of product_id paying from account_id with option_id from "
          "calculate_benefits; the server recomputes the amount. Answers status CONFIRMED, "
          "FAILED with a reason (nothing charged), or PENDING with purchase_id to follow with "
          "get_purchase. Refused when out of stock. Every call buys again, even with the same "
          "arguments: send a request_id, and the same request_id to retry safely.",
      .scope = auth::kMarketplacePurchase,
      .method = "POST",
      .path = "/v1/marketplace/purchase",
      .fields = {text("product_id", "Product id from the catalog.", true, FieldIn::kBody),
                 quantity(),
                 text("account_id", "The person's paying account, e.g. acc-456.", true,
                      FieldIn::kBody),
                 text("option_id", "option_id from calculate_benefits, e.g. full:acc-456.", true,
                      FieldIn::kBody, 2 * limits::kIdMax + 16)},
      .output_schema = kPurchaseSchema,
      .successes = {{201, "CONFIRMED: paid, and the units are the person's."},
                    {200, "FAILED: nothing was charged; reason says why."},
                    {202, "PENDING: still running; follow it with get_purchase."}},
      .refusals = {ErrorCode::kProductNotFound, ErrorCode::kAccountNotFound,
                   ErrorCode::kOptionNotAvailable, ErrorCode::kOutOfStock},
      // It charges the account and takes stock; a confirmed purchase is not undone.
      .read_only = false,
      .idempotent = false,
      .destructive = true,
      .open_world = false,
      .key_required = true,
      .read = {},
      .prepare = prepare_purchase,
  });
  registry.add(Action{
      .name = "get_purchase",
      .group = "marketplace",
      .title = "Follow a purchase",
      .description = "Shows one of the person's purchases: status, reason, amounts and the saga "
                     "steps it went through.",
      .scope = auth::kMarketplaceRead,
      .method = "GET",
      .path = "/v1/marketplace/purchases/{purchase_id}",
      .fields = {text("purchase_id", "Purchase id, e.g. pur-...", true, FieldIn::kPath)},
      .output_schema = kPurchaseSchema,
      .refusals = {ErrorCode::kPurchaseNotFound},
      .read = get_purchase,
      .prepare = {},
  });
  registry.add(Action{
      .name = "get_purchases",
      .group = "marketplace",
      .title = "Purchase history",
      .description = "Lists the person's purchases newest first with status and steps. limit 1 "
                     "to 100 (default 20), cursor from next_cursor.",
      .scope = auth::kMarketplaceRead,
      .method = "GET",
      .path = "/v1/marketplace/purchases",
      .fields = {page_limit(),
                 text("cursor", "next_cursor of the previous page.", false, FieldIn::kQuery, 256)},
      .output_schema =
          R"({"type":"object","properties":{"purchases":{"type":"array","items":{"type":"object"}},)"
          R"("next_cursor":{"type":"string","nullable":true},"summary":{"type":"string"}},"required":["purchases"]})",
      .read = get_purchases,
      .prepare = {},
  });
}

}  // namespace

void register_marketplace(Registry& registry) {
  register_reads(registry);
  register_purchases(registry);
}

}  // namespace centli::actions
