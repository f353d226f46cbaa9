#include "store/postgres/market.h"

#include "store/postgres/errors.h"

namespace centli::store::postgres_impl {
namespace {

// ---------------------------------------------------------------- catalog

constexpr const char* kInsertRetailer =
    "INSERT INTO retailers (retailer_id, name, category, settlement_account_id, rules_json) "
    "VALUES ($1, $2, $3, $4, $5)";
constexpr const char* kInsertProduct =
    "INSERT INTO products (product_id, retailer_id, name, description, category, price_minor, "
    "currency, stock, held_stock) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)";

// A product joined with its retailer; the statements below add their WHERE.
#define CENTLI_PRODUCT_COLUMNS                                                      \
  "SELECT p.product_id, p.retailer_id, r.name, p.name, p.description, p.category, " \
  "p.price_minor, p.currency, p.stock, p.held_stock FROM products p "               \
  "JOIN retailers r ON r.retailer_id = p.retailer_id "

constexpr const char* kSelectProduct = CENTLI_PRODUCT_COLUMNS "WHERE p.product_id = $1";
// Locks the product (its stock decides), not the retailer: `OF p`.
constexpr const char* kSelectProductForUpdate =
    CENTLI_PRODUCT_COLUMNS "WHERE p.product_id = $1 FOR UPDATE OF p";
constexpr const char* kSelectRetailer =
    "SELECT retailer_id, name, category, settlement_account_id, rules_json FROM retailers "
    "WHERE retailer_id = $1";
constexpr const char* kSelectCatalog = CENTLI_PRODUCT_COLUMNS
    "WHERE ($1::text = '' OR p.retailer_id = $1::text) "
    "AND ($2::text = '' OR p.category = $2::text) ORDER BY p.product_id LIMIT $3";

#undef CENTLI_PRODUCT_COLUMNS

// Each stock change is one UPDATE: under READ COMMITTED a concurrent change to the same row
// makes it wait and then re-check its WHERE against the committed row, so the condition holds
// for the stock it changes.
constexpr const char* kReserveStock =
    "UPDATE products SET held_stock = held_stock + $2 "
    "WHERE product_id = $1 AND stock - held_stock >= $2";
constexpr const char* kTakeStock =
    "UPDATE products SET stock = stock - $2, held_stock = held_stock - $2 WHERE product_id = $1";
constexpr const char* kReleaseStock =
    "UPDATE products SET held_stock = held_stock - $2 WHERE product_id = $1";

// ---------------------------------------------------------------- purchases

constexpr const char* kInsertPurchase =
    "INSERT INTO purchases (user_id, timestamp_ms, purchase_id, product_id, retailer_id, "
    "quantity, account_id, option_id, total_minor, currency, status, reason, correlation_id, "
    "updated_ms, unit_price_minor, subtotal_minor, discount_minor, cashback_minor, points, "
    "months) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'INITIATED', '', $11, $2, $12, "
    "$13, $14, $15, $16, $17)";

#define CENTLI_PURCHASE_COLUMNS                                                             \
  "SELECT purchase_id, user_id, product_id, retailer_id, quantity, account_id, option_id, " \
  "total_minor, currency, status, reason, correlation_id, timestamp_ms, updated_ms, "       \
  "unit_price_minor, subtotal_minor, discount_minor, cashback_minor, points, months, "      \
  "transfer_id FROM purchases "

constexpr const char* kSelectPurchase = CENTLI_PURCHASE_COLUMNS "WHERE purchase_id = $1";
constexpr const char* kSelectPurchaseForUpdate =
    CENTLI_PURCHASE_COLUMNS "WHERE purchase_id = $1 FOR UPDATE";

#undef CENTLI_PURCHASE_COLUMNS

// A conditional UPDATE: only one of two nodes moving the purchase out of `from` changes it.
constexpr const char* kAdvancePurchase =
    "UPDATE purchases SET status = $3, "
    "reason = CASE WHEN $4::text = '' THEN reason ELSE $4::text END, "
    "updated_ms = $5 WHERE purchase_id = $1 AND status = $2";
constexpr const char* kSetTransfer = "UPDATE purchases SET transfer_id = $2 WHERE purchase_id = $1";
// Taken before a step is numbered: the next statement's snapshot then sees every step another
// node committed while this one waited.
constexpr const char* kLockPurchase = "SELECT 1 FROM purchases WHERE purchase_id = $1 FOR UPDATE";
constexpr const char* kInsertStep =
    "INSERT INTO saga_steps (purchase_id, seq, event_type, event_id, state_after, at_ms) "
    "VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM saga_steps WHERE purchase_id = $1), "
    "$2, $3, $4, $5)";
constexpr const char* kSelectSteps =
    "SELECT event_type, state_after, at_ms FROM saga_steps WHERE purchase_id = $1 "
    "ORDER BY seq LIMIT $2";
constexpr const char* kSelectPurchasePage =
    "SELECT purchase_id, timestamp_ms FROM purchases WHERE user_id = $1 "
    "AND (timestamp_ms, purchase_id) < ($2, $3) "
    "ORDER BY timestamp_ms DESC, purchase_id DESC LIMIT $4";

// ---------------------------------------------------------------- holds

constexpr const char* kInsertHold =
    "INSERT INTO holds (hold_id, purchase_id, kind, account_id, product_id, amount_minor, "
    "quantity, state, created_ms, expires_ms, resolved_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
constexpr const char* kSelectLiveStockHold =
    "SELECT hold_id FROM holds WHERE purchase_id = $1 AND kind = 'stock' AND state = 'held' "
    "AND expires_ms > $2";
constexpr const char* kSelectLiveStockHoldForUpdate =
    "SELECT hold_id FROM holds WHERE purchase_id = $1 AND kind = 'stock' AND state = 'held' "
    "AND expires_ms > $2 FOR UPDATE";
// A conditional UPDATE: of two nodes resolving the same hold, only the first changes it.
constexpr const char* kResolveStockHold =
    "UPDATE holds SET state = $3, reason = $4, resolved_ms = $2 "
    "WHERE purchase_id = $1 AND kind = 'stock' AND state = 'held'";
constexpr const char* kSelectExpiredHolds =
    "SELECT h.purchase_id FROM holds h JOIN purchases p ON p.purchase_id = h.purchase_id "
    "WHERE h.state = 'held' AND h.kind = 'stock' AND h.expires_ms <= $1 AND p.status = 'RESERVED' "
    "ORDER BY h.expires_ms LIMIT $2";

Product product_of(const pg::Rows& rows, int r) {
  return Product{rows.text(r, 0),  rows.text(r, 1), rows.text(r, 2),  rows.text(r, 3),
                 rows.text(r, 4),  rows.text(r, 5), rows.int64(r, 6), rows.text(r, 7),
                 rows.int64(r, 8), rows.int64(r, 9)};
}

Purchase purchase_of(const pg::Rows& rows, int r) {
  return Purchase{.purchase_id = rows.text(r, 0),
                  .user_id = rows.text(r, 1),
                  .product_id = rows.text(r, 2),
                  .retailer_id = rows.text(r, 3),
                  .quantity = rows.int64(r, 4),
                  .account_id = rows.text(r, 5),
                  .option_id = rows.text(r, 6),
                  .unit_price_minor = rows.int64(r, 14),
                  .subtotal_minor = rows.int64(r, 15),
                  .discount_minor = rows.int64(r, 16),
                  .total_minor = rows.int64(r, 7),
                  .cashback_minor = rows.int64(r, 17),
                  .points = rows.int64(r, 18),
                  .months = rows.int64(r, 19),
                  .currency = rows.text(r, 8),
                  .status = rows.text(r, 9),
                  .reason = rows.text(r, 10),
                  .correlation_id = rows.text(r, 11),
                  .transfer_id = rows.text(r, 20),
                  .created_ms = rows.int64(r, 12),
                  .updated_ms = rows.int64(r, 13)};
}

// Runs a statement that changes rows; how many it changed.
Result<std::int64_t> changed(pg::Conn& conn, const char* sql, const pg::Params& params) {
  auto rows = run(conn, sql, params);
  if (!rows) return std::unexpected(rows.error());
  return rows->affected();
}

// Runs a query for at most one row: that row as a T (read by `read(const pg::Rows&, int row)`),
// or nullopt when there is none.
template <class T, class Read>
Result<std::optional<T>> find_one(pg::Conn& conn, const char* sql, const pg::Params& params,
                                  Read read) {
  auto rows = run(conn, sql, params);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::nullopt;
  return read(*rows, 0);
}

Retailer retailer_of(const pg::Rows& rows, int r) {
  return Retailer{rows.text(r, 0), rows.text(r, 1), rows.text(r, 2), rows.text(r, 3),
                  rows.text(r, 4)};
}

// Runs a statement whose rows do not matter.
Result<void> perform(pg::Conn& conn, const char* sql, const pg::Params& params) {
  auto rows = run(conn, sql, params);
  if (!rows) return std::unexpected(rows.error());
  return {};
}

}  // namespace

// ---------------------------------------------------------------- PgCatalog

Result<void> PgCatalog::insert_retailer(const Retailer& r) {
  return perform(
      conn_, kInsertRetailer,
      pg::Params(r.retailer_id, r.name, r.category, r.settlement_account_id, r.rules_json));
}

Result<void> PgCatalog::insert_product(const Product& p) {
  return perform(conn_, kInsertProduct,
                 pg::Params(p.product_id, p.retailer_id, p.name, p.description, p.category,
                            p.price_minor, p.currency, p.stock));
}

Result<std::optional<Product>> PgCatalog::find_product(std::string_view product_id) {
  return find_one<Product>(conn_, writing_ ? kSelectProductForUpdate : kSelectProduct,
                           pg::Params(product_id), product_of);
}

Result<std::optional<Retailer>> PgCatalog::find_retailer(std::string_view retailer_id) {
  return find_one<Retailer>(conn_, kSelectRetailer, pg::Params(retailer_id), retailer_of);
}

Result<std::vector<Product>> PgCatalog::list_products(std::string_view retailer_id,
                                                      std::string_view category,
                                                      std::int64_t limit) {
  auto rows = run(conn_, kSelectCatalog, pg::Params(retailer_id, category, limit));
  if (!rows) return std::unexpected(rows.error());
  return read_all<Product>(*rows, product_of);
}

Result<bool> PgCatalog::reserve_stock(std::string_view product_id, std::int64_t quantity) {
  auto n = changed(conn_, kReserveStock, pg::Params(product_id, quantity));
  if (!n) return std::unexpected(n.error());
  return *n == 1;
}

Result<void> PgCatalog::take_stock(std::string_view product_id, std::int64_t quantity) {
  return perform(conn_, kTakeStock, pg::Params(product_id, quantity));
}

Result<void> PgCatalog::release_stock(std::string_view product_id, std::int64_t quantity) {
  return perform(conn_, kReleaseStock, pg::Params(product_id, quantity));
}

// ---------------------------------------------------------------- PgPurchases

Result<void> PgPurchases::insert(const Purchase& p) {
  return perform(conn_, kInsertPurchase,
                 pg::Params(p.user_id, p.created_ms, p.purchase_id, p.product_id, p.retailer_id,
                            p.quantity, p.account_id, p.option_id, p.total_minor, p.currency,
                            p.correlation_id, p.unit_price_minor, p.subtotal_minor,
                            p.discount_minor, p.cashback_minor, p.points, p.months));
}

Result<std::optional<Purchase>> PgPurchases::find(std::string_view purchase_id) {
  return find_one<Purchase>(conn_, writing_ ? kSelectPurchaseForUpdate : kSelectPurchase,
                            pg::Params(purchase_id), purchase_of);
}

Result<bool> PgPurchases::advance(std::string_view purchase_id, std::string_view from,
                                  std::string_view to, std::string_view reason,
                                  std::int64_t now_ms) {
  auto n = changed(conn_, kAdvancePurchase, pg::Params(purchase_id, from, to, reason, now_ms));
  if (!n) return std::unexpected(n.error());
  return *n != 0;
}

Result<void> PgPurchases::set_transfer(std::string_view purchase_id, std::string_view transfer_id) {
  return perform(conn_, kSetTransfer, pg::Params(purchase_id, transfer_id));
}

Result<void> PgPurchases::append_step(std::string_view purchase_id, const SagaStep& step,
                                      std::string_view event_id) {
  // A step of a purchase that does not exist is still recorded, as SQLite does: the lock then
  // finds no row and the step is numbered from the steps alone.
  if (auto locked = perform(conn_, kLockPurchase, pg::Params(purchase_id)); !locked) return locked;
  return perform(conn_, kInsertStep,
                 pg::Params(purchase_id, step.event_type, event_id, step.state_after, step.at_ms));
}

Result<std::vector<SagaStep>> PgPurchases::steps(std::string_view purchase_id, std::int64_t limit) {
  auto rows = run(conn_, kSelectSteps, pg::Params(purchase_id, limit));
  if (!rows) return std::unexpected(rows.error());
  return read_all<SagaStep>(*rows, [](const pg::Rows& rs, int r) {
    return SagaStep{rs.text(r, 0), rs.text(r, 1), rs.int64(r, 2)};
  });
}

Result<std::vector<PurchasePosition>> PgPurchases::page(std::string_view user_id,
                                                        const PurchasePosition& before,
                                                        std::int64_t limit) {
  auto rows = run(conn_, kSelectPurchasePage,
                  pg::Params(user_id, before.created_ms, before.purchase_id, limit));
  if (!rows) return std::unexpected(rows.error());
  return read_all<PurchasePosition>(*rows, [](const pg::Rows& rs, int r) {
    return PurchasePosition{rs.int64(r, 1), rs.text(r, 0)};
  });
}

// ---------------------------------------------------------------- PgHolds

Result<void> PgHolds::insert(const Hold& h) {
  return perform(
      conn_, kInsertHold,
      pg::Params(h.hold_id, h.purchase_id, h.kind, h.account_id, h.product_id, h.amount_minor,
                 h.quantity, h.state, h.created_ms, h.expires_ms, h.resolved_ms));
}

Result<bool> PgHolds::stock_hold_live(std::string_view purchase_id, std::int64_t now_ms) {
  auto rows = run(conn_, writing_ ? kSelectLiveStockHoldForUpdate : kSelectLiveStockHold,
                  pg::Params(purchase_id, now_ms));
  if (!rows) return std::unexpected(rows.error());
  return !rows->empty();
}

Result<bool> PgHolds::resolve_stock_hold(std::string_view purchase_id, std::string_view state,
                                         std::string_view reason, std::int64_t now_ms) {
  auto n = changed(conn_, kResolveStockHold, pg::Params(purchase_id, now_ms, state, reason));
  if (!n) return std::unexpected(n.error());
  return *n == 1;
}

Result<std::vector<std::string>> PgHolds::expired_reservations(std::int64_t now_ms,
                                                               std::int64_t limit) {
  auto rows = run(conn_, kSelectExpiredHolds, pg::Params(now_ms, limit));
  if (!rows) return std::unexpected(rows.error());
  return read_all<std::string>(*rows, [](const pg::Rows& rs, int r) { return rs.text(r, 0); });
}

}  // namespace centli::store::postgres_impl
