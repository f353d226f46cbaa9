// STUB on branch pg-base only: replaced by the real PostgreSQL market repositories.
#pragma once
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "store/market.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgCatalog final : public Catalog {
 public:
  PgCatalog(pg::Conn&, bool) {}
  Result<void> insert_retailer(const Retailer& r) override { return std::unexpected(Error{Error::Kind::kFailed, "not yet"}); }
  Result<void> insert_product(const Product& p) override { return std::unexpected(Error{Error::Kind::kFailed, "not yet"}); }
  Result<std::optional<Product>> find_product(std::string_view product_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::optional<Retailer>> find_retailer(std::string_view retailer_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<Product>> list_products(std::string_view retailer_id,
                                             std::string_view category,
                                             std::int64_t limit) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<bool> reserve_stock(std::string_view product_id, std::int64_t quantity) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> take_stock(std::string_view product_id, std::int64_t quantity) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> release_stock(std::string_view product_id, std::int64_t quantity) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
};

class PgPurchases final : public Purchases {
 public:
  PgPurchases(pg::Conn&, bool) {}
  Result<void> insert(const Purchase& p) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::optional<Purchase>> find(std::string_view purchase_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<bool> advance(std::string_view purchase_id, std::string_view from, std::string_view to,
                       std::string_view reason, std::int64_t now_ms) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> set_transfer(std::string_view purchase_id, std::string_view transfer_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> append_step(std::string_view purchase_id, const SagaStep& step,
                           std::string_view event_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<SagaStep>> steps(std::string_view purchase_id, std::int64_t limit) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<PurchasePosition>> page(std::string_view user_id,
                                             const PurchasePosition& before,
                                             std::int64_t limit) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
};

class PgHolds final : public Holds {
 public:
  PgHolds(pg::Conn&, bool) {}
  Result<void> insert(const Hold& h) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<bool> stock_hold_live(std::string_view purchase_id, std::int64_t now_ms) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<bool> resolve_stock_hold(std::string_view purchase_id, std::string_view state,
                                  std::string_view reason, std::int64_t now_ms) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<std::string>> expired_reservations(std::int64_t now_ms,
                                                        std::int64_t limit) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
};

}  // namespace centli::store::postgres_impl
