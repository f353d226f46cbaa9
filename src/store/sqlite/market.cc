#include "store/sqlite/market.h"

#include "store/sqlite/errors.h"

namespace centli::store::sqlite_impl {
namespace {

// ---------------------------------------------------------------- catalog

constexpr const char* kInsertRetailer =
    "INSERT INTO retailers (retailer_id, name, category, settlement_account_id, rules_json) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kInsertProduct =
    "INSERT INTO products (product_id, retailer_id, name, description, category, price_minor, "
    "currency, stock, held_stock) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)";
constexpr const char* kSelectProduct =
    "SELECT p.product_id, p.retailer_id, r.name, p.name, p.description, p.category, "
    "p.price_minor, p.currency, p.stock, p.held_stock FROM products p "
    "JOIN retailers r ON r.retailer_id = p.retailer_id WHERE p.product_id = ?1";
constexpr const char* kSelectRetailer =
    "SELECT retailer_id, name, category, settlement_account_id, rules_json FROM retailers "
    "WHERE retailer_id = ?1";
constexpr const char* kSelectCatalog =
    "SELECT p.product_id, p.retailer_id, r.name, p.name, p.description, p.category, "
    "p.price_minor, p.currency, p.stock, p.held_stock FROM products p "
    "JOIN retailers r ON r.retailer_id = p.retailer_id "
    "WHERE (?1 = '' OR p.retailer_id = ?1) AND (?2 = '' OR p.category = ?2) "
    "ORDER BY p.product_id LIMIT ?3";
constexpr const char* kReserveStock =
    "UPDATE products SET held_stock = held_stock + ?2 "
    "WHERE product_id = ?1 AND stock - held_stock >= ?2";
constexpr const char* kTakeStock =
    "UPDATE products SET stock = stock - ?2, held_stock = held_stock - ?2 WHERE product_id = ?1";
constexpr const char* kReleaseStock =
    "UPDATE products SET held_stock = held_stock - ?2 WHERE product_id = ?1";

// ---------------------------------------------------------------- purchases

constexpr const char* kInsertPurchase =
    "INSERT INTO purchases (user_id, timestamp_ms, purchase_id, product_id, retailer_id, "
    "quantity, account_id, option_id, total_minor, currency, status, reason, correlation_id, "
    "updated_ms, unit_price_minor, subtotal_minor, discount_minor, cashback_minor, points, "
    "months) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'INITIATED', '', ?11, ?2, ?12, "
    "?13, ?14, ?15, ?16, ?17)";
constexpr const char* kSelectPurchase =
    "SELECT purchase_id, user_id, product_id, retailer_id, quantity, account_id, option_id, "
    "total_minor, currency, status, reason, correlation_id, timestamp_ms, updated_ms, "
    "unit_price_minor, subtotal_minor, discount_minor, cashback_minor, points, months, "
    "transfer_id FROM purchases WHERE purchase_id = ?1";
constexpr const char* kAdvancePurchase =
    "UPDATE purchases SET status = ?3, reason = CASE WHEN ?4 = '' THEN reason ELSE ?4 END, "
    "updated_ms = ?5 WHERE purchase_id = ?1 AND status = ?2";
constexpr const char* kSetTransfer = "UPDATE purchases SET transfer_id = ?2 WHERE purchase_id = ?1";
constexpr const char* kInsertStep =
    "INSERT INTO saga_steps (purchase_id, seq, event_type, event_id, state_after, at_ms) "
    "VALUES (?1, (SELECT COUNT(*) + 1 FROM saga_steps WHERE purchase_id = ?1), ?2, ?3, ?4, ?5)";
constexpr const char* kSelectSteps =
    "SELECT event_type, state_after, at_ms FROM saga_steps WHERE purchase_id = ?1 "
    "ORDER BY seq LIMIT ?2";
constexpr const char* kSelectPurchasePage =
    "SELECT purchase_id, timestamp_ms FROM purchases WHERE user_id = ?1 "
    "AND (timestamp_ms, purchase_id) < (?2, ?3) "
    "ORDER BY timestamp_ms DESC, purchase_id DESC LIMIT ?4";

// ---------------------------------------------------------------- holds

constexpr const char* kInsertHold =
    "INSERT INTO holds (hold_id, purchase_id, kind, account_id, product_id, amount_minor, "
    "quantity, state, created_ms, expires_ms, resolved_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr const char* kSelectLiveStockHold =
    "SELECT hold_id FROM holds WHERE purchase_id = ?1 AND kind = 'stock' AND state = 'held' "
    "AND expires_ms > ?2";
constexpr const char* kResolveStockHold =
    "UPDATE holds SET state = ?3, reason = ?4, resolved_ms = ?2 "
    "WHERE purchase_id = ?1 AND kind = 'stock' AND state = 'held'";
constexpr const char* kSelectExpiredHolds =
    "SELECT h.purchase_id FROM holds h JOIN purchases p ON p.purchase_id = h.purchase_id "
    "WHERE h.state = 'held' AND h.kind = 'stock' AND h.expires_ms <= ?1 AND p.status = 'RESERVED' "
    "ORDER BY h.expires_ms LIMIT ?2";

Product product_of(const sqlite::Stmt& st) {
  return Product{st.text(0), st.text(1),  st.text(2), st.text(3),  st.text(4),
                 st.text(5), st.int64(6), st.text(7), st.int64(8), st.int64(9)};
}

// Runs `sql` with a text ?1 and an integer ?2; returns the number of rows it changed.
Result<std::int64_t> update(sqlite::Db& db, const char* sql, std::string_view a, std::int64_t b) {
  auto st = db.prepare(sql);
  if (!st) return failed<std::int64_t>(st.error());
  if (auto ok = st->bind(1, a).bind(2, b).exec(); !ok) return failed<std::int64_t>(ok.error());
  return db.changes();
}

}  // namespace

// ---------------------------------------------------------------- SqliteCatalog

Result<void> SqliteCatalog::insert_retailer(const Retailer& r) {
  auto st = db_.prepare(kInsertRetailer);
  if (!st) return failed(st.error());
  auto ok = st->bind(1, r.retailer_id)
                .bind(2, r.name)
                .bind(3, r.category)
                .bind(4, r.settlement_account_id)
                .bind(5, r.rules_json)
                .exec();
  if (!ok) return failed(ok.error());
  return {};
}

Result<void> SqliteCatalog::insert_product(const Product& p) {
  auto st = db_.prepare(kInsertProduct);
  if (!st) return failed(st.error());
  auto ok = st->bind(1, p.product_id)
                .bind(2, p.retailer_id)
                .bind(3, p.name)
                .bind(4, p.description)
                .bind(5, p.category)
                .bind(6, p.price_minor)
                .bind(7, p.currency)
                .bind(8, p.stock)
                .exec();
  if (!ok) return failed(ok.error());
  return {};
}

Result<std::optional<Product>> SqliteCatalog::find_product(std::string_view product_id) {
  using R = std::optional<Product>;
  auto st = db_.prepare(kSelectProduct);
  if (!st) return failed<R>(st.error());
  st->bind(1, product_id);
  auto row = st->step();
  if (!row) return failed<R>(row.error());
  if (!*row) return std::nullopt;
  return product_of(*st);
}

Result<std::optional<Retailer>> SqliteCatalog::find_retailer(std::string_view retailer_id) {
  using R = std::optional<Retailer>;
  auto st = db_.prepare(kSelectRetailer);
  if (!st) return failed<R>(st.error());
  st->bind(1, retailer_id);
  auto row = st->step();
  if (!row) return failed<R>(row.error());
  if (!*row) return std::nullopt;
  return Retailer{st->text(0), st->text(1), st->text(2), st->text(3), st->text(4)};
}

Result<std::vector<Product>> SqliteCatalog::list_products(std::string_view retailer_id,
                                                          std::string_view category,
                                                          std::int64_t limit) {
  using R = std::vector<Product>;
  auto st = db_.prepare(kSelectCatalog);
  if (!st) return failed<R>(st.error());
  st->bind(1, retailer_id).bind(2, category).bind(3, limit);
  return read_all<R::value_type>(*st, product_of);
}

Result<bool> SqliteCatalog::reserve_stock(std::string_view product_id, std::int64_t quantity) {
  auto changed = update(db_, kReserveStock, product_id, quantity);
  if (!changed) return std::unexpected(changed.error());
  return *changed != 0;
}

Result<void> SqliteCatalog::take_stock(std::string_view product_id, std::int64_t quantity) {
  auto changed = update(db_, kTakeStock, product_id, quantity);
  if (!changed) return std::unexpected(changed.error());
  return {};
}

Result<void> SqliteCatalog::release_stock(std::string_view product_id, std::int64_t quantity) {
  auto changed = update(db_, kReleaseStock, product_id, quantity);
  if (!changed) return std::unexpected(changed.error());
  return {};
}

// ---------------------------------------------------------------- SqlitePurchases

Result<void> SqlitePurchases::insert(const Purchase& p) {
  auto st = db_.prepare(kInsertPurchase);
  if (!st) return failed(st.error());
  auto ok = st->bind(1, p.user_id)
                .bind(2, p.created_ms)
                .bind(3, p.purchase_id)
                .bind(4, p.product_id)
                .bind(5, p.retailer_id)
                .bind(6, p.quantity)
                .bind(7, p.account_id)
                .bind(8, p.option_id)
                .bind(9, p.total_minor)
                .bind(10, p.currency)
                .bind(11, p.correlation_id)
                .bind(12, p.unit_price_minor)
                .bind(13, p.subtotal_minor)
                .bind(14, p.discount_minor)
                .bind(15, p.cashback_minor)
                .bind(16, p.points)
                .bind(17, p.months)
                .exec();
  if (!ok) return failed(ok.error());
  return {};
}

Result<std::optional<Purchase>> SqlitePurchases::find(std::string_view purchase_id) {
  using R = std::optional<Purchase>;
  auto st = db_.prepare(kSelectPurchase);
  if (!st) return failed<R>(st.error());
  st->bind(1, purchase_id);
  auto row = st->step();
  if (!row) return failed<R>(row.error());
  if (!*row) return std::nullopt;
  return Purchase{.purchase_id = st->text(0),
                  .user_id = st->text(1),
                  .product_id = st->text(2),
                  .retailer_id = st->text(3),
                  .quantity = st->int64(4),
                  .account_id = st->text(5),
                  .option_id = st->text(6),
                  .unit_price_minor = st->int64(14),
                  .subtotal_minor = st->int64(15),
                  .discount_minor = st->int64(16),
                  .total_minor = st->int64(7),
                  .cashback_minor = st->int64(17),
                  .points = st->int64(18),
                  .months = st->int64(19),
                  .currency = st->text(8),
                  .status = st->text(9),
                  .reason = st->text(10),
                  .correlation_id = st->text(11),
                  .transfer_id = st->text(20),
                  .created_ms = st->int64(12),
                  .updated_ms = st->int64(13)};
}

Result<bool> SqlitePurchases::advance(std::string_view purchase_id, std::string_view from,
                                      std::string_view to, std::string_view reason,
                                      std::int64_t now_ms) {
  auto st = db_.prepare(kAdvancePurchase);
  if (!st) return failed<bool>(st.error());
  auto ok =
      st->bind(1, purchase_id).bind(2, from).bind(3, to).bind(4, reason).bind(5, now_ms).exec();
  if (!ok) return failed<bool>(ok.error());
  return db_.changes() != 0;
}

Result<void> SqlitePurchases::set_transfer(std::string_view purchase_id,
                                           std::string_view transfer_id) {
  auto st = db_.prepare(kSetTransfer);
  if (!st) return failed(st.error());
  if (auto ok = st->bind(1, purchase_id).bind(2, transfer_id).exec(); !ok)
    return failed(ok.error());
  return {};
}

Result<void> SqlitePurchases::append_step(std::string_view purchase_id, const SagaStep& step,
                                          std::string_view event_id) {
  auto st = db_.prepare(kInsertStep);
  if (!st) return failed(st.error());
  auto ok = st->bind(1, purchase_id)
                .bind(2, step.event_type)
                .bind(3, event_id)
                .bind(4, step.state_after)
                .bind(5, step.at_ms)
                .exec();
  if (!ok) return failed(ok.error());
  return {};
}

Result<std::vector<SagaStep>> SqlitePurchases::steps(std::string_view purchase_id,
                                                     std::int64_t limit) {
  using R = std::vector<SagaStep>;
  auto st = db_.prepare(kSelectSteps);
  if (!st) return failed<R>(st.error());
  st->bind(1, purchase_id).bind(2, limit);
  return read_all<R::value_type>(*st, [](const sqlite::Stmt& s) {
    return SagaStep{s.text(0), s.text(1), s.int64(2)};
  });
}

Result<std::vector<PurchasePosition>> SqlitePurchases::page(std::string_view user_id,
                                                            const PurchasePosition& before,
                                                            std::int64_t limit) {
  using R = std::vector<PurchasePosition>;
  auto st = db_.prepare(kSelectPurchasePage);
  if (!st) return failed<R>(st.error());
  st->bind(1, user_id).bind(2, before.created_ms).bind(3, before.purchase_id).bind(4, limit);
  return read_all<R::value_type>(*st, [](const sqlite::Stmt& s) {
    return PurchasePosition{s.int64(1), s.text(0)};
  });
}

// ---------------------------------------------------------------- SqliteHolds

Result<void> SqliteHolds::insert(const Hold& h) {
  auto st = db_.prepare(kInsertHold);
  if (!st) return failed(st.error());
  auto ok = st->bind(1, h.hold_id)
                .bind(2, h.purchase_id)
                .bind(3, h.kind)
                .bind(4, h.account_id)
                .bind(5, h.product_id)
                .bind(6, h.amount_minor)
                .bind(7, h.quantity)
                .bind(8, h.state)
                .bind(9, h.created_ms)
                .bind(10, h.expires_ms)
                .bind(11, h.resolved_ms)
                .exec();
  if (!ok) return failed(ok.error());
  return {};
}

Result<bool> SqliteHolds::stock_hold_live(std::string_view purchase_id, std::int64_t now_ms) {
  auto st = db_.prepare(kSelectLiveStockHold);
  if (!st) return failed<bool>(st.error());
  st->bind(1, purchase_id).bind(2, now_ms);
  auto row = st->step();
  if (!row) return failed<bool>(row.error());
  return *row;
}

Result<bool> SqliteHolds::resolve_stock_hold(std::string_view purchase_id, std::string_view state,
                                             std::string_view reason, std::int64_t now_ms) {
  auto st = db_.prepare(kResolveStockHold);
  if (!st) return failed<bool>(st.error());
  auto ok = st->bind(1, purchase_id).bind(2, now_ms).bind(3, state).bind(4, reason).exec();
  if (!ok) return failed<bool>(ok.error());
  return db_.changes() == 1;
}

Result<std::vector<std::string>> SqliteHolds::expired_reservations(std::int64_t now_ms,
                                                                   std::int64_t limit) {
  using R = std::vector<std::string>;
  auto st = db_.prepare(kSelectExpiredHolds);
  if (!st) return failed<R>(st.error());
  st->bind(1, now_ms).bind(2, limit);
  return read_all<R::value_type>(*st, [](const sqlite::Stmt& s) { return s.text(0); });
}

}  // namespace centli::store::sqlite_impl
