#include "sagas/market_data.h"

#include <rapidjson/document.h>

#include "util/json.h"

namespace centli::market {
namespace {

using Value = rapidjson::Value;

std::optional<benefits::AccountType> parse_type(const Value& obj) {
  auto t = json::get_string(obj, "account_type");
  if (!t) return std::nullopt;
  if (*t == "checking") return benefits::AccountType::kChecking;
  if (*t == "savings") return benefits::AccountType::kSavings;
  return benefits::AccountType::kCredit;
}

std::expected<void, std::string> check_type(const Value& obj, std::string_view where) {
  auto t = json::get_string(obj, "account_type");
  if (json::member(obj, "account_type") != nullptr &&
      (!t || (*t != "checking" && *t != "savings" && *t != "credit"))) {
    return std::unexpected(std::string(where) + ".account_type is checking, savings or credit");
  }
  return {};
}

std::int64_t int_or(const Value& obj, std::string_view name, std::int64_t fallback = 0) {
  return json::get_int(obj, name).value_or(fallback);
}

std::expected<void, std::string> parse_cashback(const Value& doc, benefits::RetailerRules& out) {
  const Value* list = json::member(doc, "cashback");
  if (list == nullptr) return {};
  if (!list->IsArray()) return std::unexpected("cashback must be an array");
  for (const Value& c : list->GetArray()) {
    if (!c.IsObject()) return std::unexpected("cashback items must be objects");
    if (auto ok = check_type(c, "cashback"); !ok) return ok;
    out.cashback.push_back({std::string(json::get_string(c, "category").value_or("")),
                            parse_type(c), static_cast<std::int32_t>(int_or(c, "rate_bp")),
                            int_or(c, "cap_minor")});
  }
  return {};
}

std::expected<void, std::string> parse_promotions(const Value& doc, benefits::RetailerRules& out) {
  const Value* list = json::member(doc, "promotions");
  if (list == nullptr) return {};
  if (!list->IsArray()) return std::unexpected("promotions must be an array");
  for (const Value& p : list->GetArray()) {
    if (!p.IsObject()) return std::unexpected("promotions items must be objects");
    benefits::Promotion promo;
    promo.promotion_id = std::string(json::get_string(p, "promotion_id").value_or(""));
    promo.description = std::string(json::get_string(p, "description").value_or(""));
    const auto kind = json::get_string(p, "kind").value_or("");
    if (kind != "percent" && kind != "fixed") {
      return std::unexpected("promotions.kind is percent or fixed");
    }
    promo.kind =
        kind == "percent" ? benefits::Promotion::Kind::kPercent : benefits::Promotion::Kind::kFixed;
    promo.percent_bp = static_cast<std::int32_t>(int_or(p, "percent_bp"));
    promo.fixed_minor = int_or(p, "fixed_minor");
    promo.min_amount_minor = int_or(p, "min_amount_minor");
    promo.valid_from_ms = int_or(p, "valid_from_ms");
    promo.valid_to_ms = int_or(p, "valid_to_ms");
    promo.category = std::string(json::get_string(p, "category").value_or(""));
    out.promotions.push_back(std::move(promo));
  }
  return {};
}

std::expected<void, std::string> parse_msi_and_points(const Value& doc,
                                                      benefits::RetailerRules& out) {
  if (const Value* msi = json::member(doc, "msi")) {
    const Value* months = msi->IsObject() ? json::member(*msi, "months") : nullptr;
    if (months == nullptr || !months->IsArray()) return std::unexpected("msi.months is an array");
    benefits::MsiRule rule;
    for (const Value& m : months->GetArray()) {
      if (!m.IsInt()) return std::unexpected("msi.months holds whole numbers");
      rule.months.push_back(m.GetInt());
    }
    rule.min_amount_minor = int_or(*msi, "min_amount_minor");
    out.msi = std::move(rule);
  }
  if (const Value* points = json::member(doc, "points")) {
    if (!points->IsObject()) return std::unexpected("points must be an object");
    if (auto ok = check_type(*points, "points"); !ok) return ok;
    out.points = benefits::PointsRule{static_cast<std::int32_t>(int_or(*points, "points_per_peso")),
                                      parse_type(*points)};
  }
  return {};
}

}  // namespace

std::expected<benefits::RetailerRules, std::string> parse_rules(std::string_view json_text) {
  rapidjson::Document doc;
  doc.Parse(json_text.data(), json_text.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::unexpected("rules are not a JSON object");
  benefits::RetailerRules rules;
  if (auto ok = parse_cashback(doc, rules); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_msi_and_points(doc, rules); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_promotions(doc, rules); !ok) return std::unexpected(ok.error());
  if (auto ok = benefits::validate_rules(rules); !ok) return std::unexpected(ok.error());
  return rules;
}

benefits::Product to_benefits_product(const store::Product& p) {
  return benefits::Product{p.product_id, p.retailer_id, p.category, p.price_minor,
                           p.stock - p.held_stock};
}

std::expected<std::optional<ledger::AccountState>, Error> load_account(store::ReadTx& tx,
                                                                       std::string_view id) {
  auto account = tx.accounts().load(id);
  if (!account) return std::unexpected(store_failure(account.error()));
  return std::move(*account);
}

std::expected<void, Error> post(store::WriteTx& tx, store::Posting posting) {
  posting.timestamp_ms = tx.now_ms();
  if (auto ok = tx.accounts().post(posting); !ok) {
    return std::unexpected(store_failure(ok.error()));
  }
  return {};
}

}  // namespace centli::market
