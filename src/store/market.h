// The marketplace and its purchase saga (docs/marketplace.md): the catalog (retailers, their
// benefit rules and products with their stock counters), purchases with the saga steps they went
// through, and holds (two-phase reservations of stock or funds, each resolved exactly once).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/port.h"

namespace centli::store {

// A product with its retailer's name.
struct Product {
  std::string product_id;
  std::string retailer_id;
  std::string retailer_name;
  std::string name;
  std::string description;
  std::string category;
  std::int64_t price_minor = 0;
  std::string currency;
  std::int64_t stock = 0;
  std::int64_t held_stock = 0;  // reserved by purchases not yet confirmed or released
};

struct Retailer {
  std::string retailer_id;
  std::string name;
  std::string category;               // what it sells ("electronics")
  std::string settlement_account_id;  // where payments go and cashback comes from
  std::string rules_json;             // benefit rules, format in docs/marketplace.md
};

// The catalog. Stock moves in two phases: reserve (held_stock grows), then take (a confirmed
// purchase: stock and held_stock shrink) or release (held_stock shrinks).
class Catalog {
 public:
  // Adds a retailer; its settlement account is opened apart (Accounts::insert). A second
  // retailer with the same retailer_id is a kConstraint error.
  virtual Result<void> insert_retailer(const Retailer& r) = 0;
  // Adds a product with no units held (p.retailer_name and p.held_stock are ignored); it is
  // found and listed once its retailer exists. A second product with the same product_id, a
  // negative price or stock is a kConstraint error.
  virtual Result<void> insert_product(const Product& p) = 0;
  virtual Result<std::optional<Product>> find_product(std::string_view product_id) = 0;
  virtual Result<std::optional<Retailer>> find_retailer(std::string_view retailer_id) = 0;
  // Products by product_id, at most `limit`; an empty retailer_id or category matches any.
  virtual Result<std::vector<Product>> list_products(std::string_view retailer_id,
                                                     std::string_view category,
                                                     std::int64_t limit) = 0;
  // Holds `quantity` units when at least that many are unreserved; false (and nothing held)
  // otherwise, or when the product does not exist.
  virtual Result<bool> reserve_stock(std::string_view product_id, std::int64_t quantity) = 0;
  // Requires: `quantity` units of the product are held (reserve_stock).
  virtual Result<void> take_stock(std::string_view product_id, std::int64_t quantity) = 0;
  virtual Result<void> release_stock(std::string_view product_id, std::int64_t quantity) = 0;

 protected:
  ~Catalog() = default;
};

// A purchase and the saga state it is in (status, see sagas/purchase_saga.h).
struct Purchase {
  std::string purchase_id;
  std::string user_id;
  std::string product_id;
  std::string retailer_id;
  std::int64_t quantity = 0;
  std::string account_id;
  std::string option_id;
  std::int64_t unit_price_minor = 0;
  std::int64_t subtotal_minor = 0;
  std::int64_t discount_minor = 0;
  std::int64_t total_minor = 0;
  std::int64_t cashback_minor = 0;
  std::int64_t points = 0;
  std::int64_t months = 0;
  std::string currency;
  std::string status;
  std::string reason;  // why it failed; empty otherwise
  std::string correlation_id;
  std::string transfer_id;  // the payment's transfer, once paid
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
};

struct SagaStep {
  std::string event_type;  // the event the step emitted
  std::string state_after;
  std::int64_t at_ms = 0;
};

// Where a page of a person's purchases starts: strictly before this (created_ms, purchase_id).
struct PurchasePosition {
  std::int64_t created_ms = 0;
  std::string purchase_id;
};

class Purchases {
 public:
  // Inserts a new purchase in state INITIATED with no reason; its updated_ms is created_ms.
  // p.status, p.reason, p.transfer_id and p.updated_ms are ignored.
  virtual Result<void> insert(const Purchase& p) = 0;
  virtual Result<std::optional<Purchase>> find(std::string_view purchase_id) = 0;
  // Moves the purchase from state `from` to `to` (and sets reason unless it is empty); false
  // when it is not in `from`, nothing changed.
  virtual Result<bool> advance(std::string_view purchase_id, std::string_view from,
                               std::string_view to, std::string_view reason,
                               std::int64_t now_ms) = 0;
  virtual Result<void> set_transfer(std::string_view purchase_id, std::string_view transfer_id) = 0;
  // Records the next step of the purchase's saga (numbered from 1 in order of appending).
  virtual Result<void> append_step(std::string_view purchase_id, const SagaStep& step,
                                   std::string_view event_id) = 0;
  // The purchase's first `limit` steps, oldest first.
  virtual Result<std::vector<SagaStep>> steps(std::string_view purchase_id, std::int64_t limit) = 0;
  // The positions of the person's purchases strictly before `before`, newest first, at most
  // `limit`.
  virtual Result<std::vector<PurchasePosition>> page(std::string_view user_id,
                                                     const PurchasePosition& before,
                                                     std::int64_t limit) = 0;

 protected:
  ~Purchases() = default;
};

// A reservation of a purchase: of `quantity` units of a product (kind stock) or of
// `amount_minor` of an account (kind funds). One of each kind per purchase at most.
struct Hold {
  std::string hold_id;
  std::string purchase_id;
  std::string kind;        // "stock" or "funds"
  std::string account_id;  // funds only
  std::string product_id;  // stock only
  std::int64_t amount_minor = 0;
  std::int64_t quantity = 0;
  std::string state;  // "held", "posted" or "voided"
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;
  std::int64_t resolved_ms = 0;  // 0 while held
};

class Holds {
 public:
  virtual Result<void> insert(const Hold& h) = 0;
  // True when the purchase's stock hold is still held and has not expired at now_ms.
  virtual Result<bool> stock_hold_live(std::string_view purchase_id, std::int64_t now_ms) = 0;
  // Resolves the purchase's stock hold while it is held (whether or not it expired): state
  // becomes `state` ("posted" or "voided") with `reason`. True exactly when this call
  // resolved it.
  virtual Result<bool> resolve_stock_hold(std::string_view purchase_id, std::string_view state,
                                          std::string_view reason, std::int64_t now_ms) = 0;
  // Purchases still RESERVED whose stock hold is held but expired at now_ms, earliest deadline
  // first, at most `limit`: the sweeper's work.
  virtual Result<std::vector<std::string>> expired_reservations(std::int64_t now_ms,
                                                                std::int64_t limit) = 0;

 protected:
  ~Holds() = default;
};

}  // namespace centli::store
