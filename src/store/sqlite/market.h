// The SQLite implementation of the marketplace repositories (tables retailers, products,
// purchases, saga_steps and holds).
#pragma once

#include "store/market.h"
#include "store/sqlite/db.h"

namespace centli::store::sqlite_impl {

class SqliteCatalog final : public Catalog {
 public:
  explicit SqliteCatalog(sqlite::Db& db) : db_(db) {}
  Result<void> insert_retailer(const Retailer& r) override;
  Result<void> insert_product(const Product& p) override;
  Result<std::optional<Product>> find_product(std::string_view product_id) override;
  Result<std::optional<Retailer>> find_retailer(std::string_view retailer_id) override;
  Result<std::vector<Product>> list_products(std::string_view retailer_id,
                                             std::string_view category,
                                             std::int64_t limit) override;
  Result<bool> reserve_stock(std::string_view product_id, std::int64_t quantity) override;
  Result<void> take_stock(std::string_view product_id, std::int64_t quantity) override;
  Result<void> release_stock(std::string_view product_id, std::int64_t quantity) override;

 private:
  sqlite::Db& db_;
};

class SqlitePurchases final : public Purchases {
 public:
  explicit SqlitePurchases(sqlite::Db& db) : db_(db) {}
  Result<void> insert(const Purchase& p) override;
  Result<std::optional<Purchase>> find(std::string_view purchase_id) override;
  Result<bool> advance(std::string_view purchase_id, std::string_view from, std::string_view to,
                       std::string_view reason, std::int64_t now_ms) override;
  Result<void> set_transfer(std::string_view purchase_id, std::string_view transfer_id) override;
  Result<void> append_step(std::string_view purchase_id, const SagaStep& step,
                           std::string_view event_id) override;
  Result<std::vector<SagaStep>> steps(std::string_view purchase_id, std::int64_t limit) override;
  Result<std::vector<PurchasePosition>> page(std::string_view user_id,
                                             const PurchasePosition& before,
                                             std::int64_t limit) override;

 private:
  sqlite::Db& db_;
};

class SqliteHolds final : public Holds {
 public:
  explicit SqliteHolds(sqlite::Db& db) : db_(db) {}
  Result<void> insert(const Hold& h) override;
  Result<bool> stock_hold_live(std::string_view purchase_id, std::int64_t now_ms) override;
  Result<bool> resolve_stock_hold(std::string_view purchase_id, std::string_view state,
                                  std::string_view reason, std::int64_t now_ms) override;
  Result<std::vector<std::string>> expired_reservations(std::int64_t now_ms,
                                                        std::int64_t limit) override;

 private:
  sqlite::Db& db_;
};

}  // namespace centli::store::sqlite_impl
