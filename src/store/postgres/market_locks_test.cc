// Two centli nodes on one PostgreSQL database (store/postgres/two_nodes.h): a write
// transaction's read of a product, purchase or stock hold it decides on waits for the other
// node's open write on that row and then sees what that write committed.
#include <cstdint>
#include <string>

#include "store/market.h"
#include "store/postgres/two_nodes.h"

namespace centli::store {
namespace {

constexpr const char* kSeed =
    "INSERT INTO retailers (retailer_id, name, settlement_account_id) "
    "VALUES ('ret-lock', 'Tienda Candado', 'acc-set-lock');"
    "INSERT INTO products (product_id, retailer_id, name, price_minor, currency, stock) "
    "VALUES ('prd-lock', 'ret-lock', 'Candado', 10000, 'MXN', 4);"
    "INSERT INTO purchases (user_id, timestamp_ms, purchase_id, product_id, retailer_id, "
    "quantity, account_id, option_id, total_minor, currency, status, updated_ms) "
    "VALUES ('u1', 1000, 'pur-lock', 'prd-lock', 'ret-lock', 1, 'acc-1', 'full:acc-1', 10000, "
    "'MXN', 'INITIATED', 1000);"
    "INSERT INTO holds (hold_id, purchase_id, kind, product_id, quantity, state, created_ms, "
    "expires_ms) VALUES ('hld-lock', 'pur-lock', 'stock', 'prd-lock', 1, 'held', 1000, "
    "9000000000000)";

class PgMarketLocks : public testing::TwoNodes {
 protected:
  void SetUp() override {
    TwoNodes::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto seeded = probe_->exec(kSeed);
    ASSERT_TRUE(seeded.has_value()) << seeded.error().message;
  }
};

TEST_F(PgMarketLocks, AProductReadToDecideWaitsForAnotherNodesReservation) {
  std::int64_t held_seen = -1;
  bool reserved = true;
  overlap(
      [](WriteTx& tx) { EXPECT_TRUE(tx.catalog().reserve_stock("prd-lock", 3).value_or(false)); },
      [&](WriteTx& tx) {
        auto p = tx.catalog().find_product("prd-lock");
        ASSERT_TRUE(p.has_value() && p->has_value());
        held_seen = (*p)->held_stock;
        reserved = tx.catalog().reserve_stock("prd-lock", 2).value_or(true);
      });
  EXPECT_EQ(held_seen, 3);
  EXPECT_FALSE(reserved);  // 1 unreserved unit left
}

TEST_F(PgMarketLocks, APurchaseReadToDecideWaitsForAnotherNodesAdvance) {
  std::string status_seen;
  overlap(
      [](WriteTx& tx) {
        EXPECT_TRUE(
            tx.purchases().advance("pur-lock", "INITIATED", "RESERVED", "", 2000).value_or(false));
      },
      [&](WriteTx& tx) {
        auto p = tx.purchases().find("pur-lock");
        ASSERT_TRUE(p.has_value() && p->has_value());
        status_seen = (*p)->status;
      });
  EXPECT_EQ(status_seen, "RESERVED");
}

TEST_F(PgMarketLocks, AStockHoldReadToDecideWaitsForAnotherNodesResolution) {
  bool live_seen = true;
  overlap(
      [](WriteTx& tx) {
        EXPECT_TRUE(tx.holds().resolve_stock_hold("pur-lock", "voided", "", 2000).value_or(false));
      },
      [&](WriteTx& tx) {
        live_seen = tx.holds().stock_hold_live("pur-lock", 2000).value_or(true);
      });
  EXPECT_FALSE(live_seen);
}

TEST_F(PgMarketLocks, StepsAppendedByTwoNodesAreNumberedOneAfterTheOther) {
  overlap(
      [](WriteTx& tx) {
        EXPECT_TRUE(tx.purchases().append_step("pur-lock", {"A", "INITIATED", 10}, "evt-a"));
      },
      [](WriteTx& tx) {
        EXPECT_TRUE(tx.purchases().append_step("pur-lock", {"B", "RESERVED", 20}, "evt-b"));
      });
  auto reader = (*scratch_)->reader();
  auto steps = reader.tx().purchases().steps("pur-lock", 10);
  ASSERT_TRUE(steps.has_value());
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[0].event_type, "A");
  EXPECT_EQ((*steps)[1].event_type, "B");
}

}  // namespace
}  // namespace centli::store
