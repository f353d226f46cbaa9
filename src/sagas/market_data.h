// Marketplace rows as the actions and the purchase saga read them: products, retailers and
// their benefit rules (retailers.rules_json, format in docs/marketplace.md). Functions take the
// caller's connection and are as thread-safe as that connection.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "domain/benefits.h"
#include "store/sqlite/db.h"

namespace centli::market {

struct ProductRow {
  std::string product_id;
  std::string retailer_id;
  std::string retailer_name;
  std::string name;
  std::string description;
  std::string category;
  std::int64_t price_minor = 0;
  std::string currency;
  std::int64_t stock = 0;
  std::int64_t held_stock = 0;
};

struct RetailerRow {
  std::string retailer_id;
  std::string name;
  std::string settlement_account_id;
  std::string rules_json;
};

// The product with its retailer's name, or nullopt when there is none.
std::expected<std::optional<ProductRow>, sqlite::DbError> load_product(sqlite::Db& db,
                                                                       std::string_view id);
std::expected<std::optional<RetailerRow>, sqlite::DbError> load_retailer(sqlite::Db& db,
                                                                         std::string_view id);

// Parses rules JSON into the engine's rules and checks them with benefits::validate_rules.
// On failure returns a message naming the member at fault.
std::expected<benefits::RetailerRules, std::string> parse_rules(std::string_view json_text);

// A product as the benefits engine sees it.
benefits::Product to_benefits_product(const ProductRow& p);

}  // namespace centli::market
