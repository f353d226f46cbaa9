// Two centli nodes on one PostgreSQL database (two stores on the same URL): a write
// transaction's read of a product, purchase or stock hold it decides on waits for the other
// node's open write on that row and then sees what that write committed. The port's contract
// tests (store/market_test.cc) cannot show this: they have one node.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "store/market.h"
#include "store/postgres/conn.h"
#include "store/scratch_store.h"
#include "store/store.h"

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
constexpr const char* kLockWaiters =
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'";
// How long another node's write may take to reach its lock wait before the test gives up: a
// bound on failure, not a timing the test relies on.
constexpr auto kLockWaitMax = std::chrono::seconds(10);

bool has_postgres() {
  const auto all = testing::backends();
  return std::find(all.begin(), all.end(), "postgres") != all.end();
}

class PgMarketLocks : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!has_postgres()) GTEST_SKIP() << "CENTLI_TEST_PG_URL_FILE is not set";
    scratch_ = std::make_unique<testing::ScratchStore>("postgres");
    ASSERT_EQ(scratch_->open(), "");
    auto second = Store::open(scratch_->options());
    ASSERT_TRUE(second.has_value()) << second.error();
    second_ = std::move(*second);
    probe_ = pg::Conn::connect(scratch_->options().url);
    auto seeded = probe_->exec(kSeed);
    ASSERT_TRUE(seeded.has_value()) << seeded.error().message;
  }

  void TearDown() override {
    if (second_) second_->close();
    second_.reset();
    probe_.reset();
    scratch_.reset();
  }

  // True once a backend of the scratch database waits on a lock; false after kLockWaitMax.
  bool someone_waits_on_a_lock() {
    const auto deadline = std::chrono::steady_clock::now() + kLockWaitMax;
    while (std::chrono::steady_clock::now() < deadline) {
      auto rows = probe_->exec(kLockWaiters);
      if (rows && rows->int64(0, 0) > 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  // Runs `first` in a write of node one and, while that write is still open, `second` in a
  // write of node two; lets the first commit only once the second waits on a lock (or
  // kLockWaitMax passed). Expects both writes to commit and the second to have waited.
  void overlap(const std::function<void(WriteTx&)>& first,
               const std::function<void(WriteTx&)>& second) {
    std::promise<void> inside;
    std::promise<void> go_on;
    auto go_on_future = go_on.get_future().share();
    bool first_committed = false;
    bool second_committed = false;
    std::thread one([&] {
      first_committed = (*scratch_)->write_sync([&](WriteTx& tx) {
        first(tx);
        inside.set_value();
        go_on_future.wait();
      });
    });
    inside.get_future().wait();
    std::thread two([&] { second_committed = second_->write_sync(second); });
    const bool waited = someone_waits_on_a_lock();
    go_on.set_value();
    one.join();
    two.join();
    EXPECT_TRUE(waited) << "node two's write did not wait for node one's";
    EXPECT_TRUE(first_committed);
    EXPECT_TRUE(second_committed);
  }

  std::unique_ptr<testing::ScratchStore> scratch_;
  std::unique_ptr<Store> second_;
  std::unique_ptr<pg::Conn> probe_;
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
