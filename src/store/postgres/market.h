// The PostgreSQL implementation of the marketplace repositories (tables retailers, products,
// purchases, saga_steps and holds). In a write transaction the rows a command decides on (a
// product's stock, a purchase's state, a stock hold) are read FOR UPDATE, and the stock, state
// and hold changes are single conditional UPDATEs, so two nodes working on the same product or
// purchase wait for each other instead of both deciding on a stale row.
#pragma once

#include "store/market.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgCatalog final : public Catalog {
 public:
  PgCatalog(pg::Conn& conn, bool writing) : conn_(conn), writing_(writing) {}
  Result<void> insert_retailer(const Retailer& r) override;
  Result<void> insert_product(const Product& p) override;
  // When writing, the product row (not its retailer's) is locked FOR UPDATE.
  Result<std::optional<Product>> find_product(std::string_view product_id) override;
  // Never locks: retailer rows are not changed by any command, so nothing decided on one can
  // go stale.
  Result<std::optional<Retailer>> find_retailer(std::string_view retailer_id) override;
  Result<std::vector<Product>> list_products(std::string_view retailer_id,
                                             std::string_view category,
                                             std::int64_t limit) override;
  Result<bool> reserve_stock(std::string_view product_id, std::int64_t quantity) override;
  Result<void> take_stock(std::string_view product_id, std::int64_t quantity) override;
  Result<void> release_stock(std::string_view product_id, std::int64_t quantity) override;

 private:
  pg::Conn& conn_;
  bool writing_;
};

class PgPurchases final : public Purchases {
 public:
  PgPurchases(pg::Conn& conn, bool writing) : conn_(conn), writing_(writing) {}
  Result<void> insert(const Purchase& p) override;
  // When writing, the purchase row is locked FOR UPDATE.
  Result<std::optional<Purchase>> find(std::string_view purchase_id) override;
  Result<bool> advance(std::string_view purchase_id, std::string_view from, std::string_view to,
                       std::string_view reason, std::int64_t now_ms) override;
  Result<void> set_transfer(std::string_view purchase_id, std::string_view transfer_id) override;
  // Locks the purchase row first, so two nodes appending to one purchase number their steps
  // one after the other.
  Result<void> append_step(std::string_view purchase_id, const SagaStep& step,
                           std::string_view event_id) override;
  Result<std::vector<SagaStep>> steps(std::string_view purchase_id, std::int64_t limit) override;
  Result<std::vector<PurchasePosition>> page(std::string_view user_id,
                                             const PurchasePosition& before,
                                             std::int64_t limit) override;

 private:
  pg::Conn& conn_;
  bool writing_;
};

class PgHolds final : public Holds {
 public:
  PgHolds(pg::Conn& conn, bool writing) : conn_(conn), writing_(writing) {}
  Result<void> insert(const Hold& h) override;
  // When writing, the stock hold is locked FOR UPDATE.
  Result<bool> stock_hold_live(std::string_view purchase_id, std::int64_t now_ms) override;
  Result<bool> resolve_stock_hold(std::string_view purchase_id, std::string_view state,
                                  std::string_view reason, std::int64_t now_ms) override;
  // Never locks: the sweeper decides on each purchase it names by locking the purchase and
  // resolving its hold conditionally.
  Result<std::vector<std::string>> expired_reservations(std::int64_t now_ms,
                                                        std::int64_t limit) override;

 private:
  pg::Conn& conn_;
  bool writing_;
};

}  // namespace centli::store::postgres_impl
