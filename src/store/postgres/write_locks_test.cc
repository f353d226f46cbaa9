// Two nodes on one PostgreSQL database: what a write transaction reads to decide on is locked
// (or its write conflicts), so the second node decides on the first one's outcome, never on the
// state before it. Runs when CENTLI_TEST_PG_URL_FILE names the test server (store/scratch_store.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "store/accounts.h"
#include "store/idempotency.h"
#include "store/postgres/conn.h"
#include "store/scratch_store.h"
#include "store/store.h"

namespace centli::store {
namespace {

constexpr const char* kLockWaiters =
    "SELECT COUNT(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'";

class PgWriteLocks : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto all = testing::backends();
    if (std::find(all.begin(), all.end(), "postgres") == all.end()) {
      GTEST_SKIP() << "CENTLI_TEST_PG_URL_FILE is not set: no PostgreSQL to test";
    }
    scratch_ = std::make_unique<testing::ScratchStore>("postgres");
    ASSERT_EQ(scratch_->open(), "");
    // Two accounts of one person are all these races need.
    ASSERT_TRUE((*scratch_)->write_sync([](WriteTx& tx) {
      for (const char* id : {"acc-456", "acc-457"}) {
        ASSERT_TRUE(tx.accounts().insert({.user_id = "user-123",
                                          .account_id = id,
                                          .account_number = id,
                                          .type = "checking",
                                          .status = "active",
                                          .currency = "MXN",
                                          .posted_minor = 5'000'000}));
      }
    }));
    auto other = Store::open(scratch_->options());
    ASSERT_TRUE(other.has_value()) << other.error();
    other_ = std::move(*other);
    watcher_ = pg::Conn::connect(scratch_->options().url);
    ASSERT_TRUE(watcher_->ok()) << watcher_->error();
  }

  void TearDown() override {
    if (other_) other_->close();
    other_.reset();
    scratch_.reset();
  }

  // True once a session of this database waits for a lock (the other node blocked on a row
  // this node holds); false after ten seconds without one.
  bool other_node_waits() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto rows = watcher_->query(kLockWaiters);
      if (!rows) return false;
      if (rows->int64(0, 0) > 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  // Moves 100 from acc-456 to acc-457 (both of user-123) on `day`, counting toward the
  // person's daily outflow, which becomes `daily_used_after`.
  static void post_100(WriteTx& tx, std::string_view day, std::int64_t daily_used_after) {
    auto src = tx.accounts().load("acc-456");
    auto dst = tx.accounts().load("acc-457");
    ASSERT_TRUE(src.has_value() && src->has_value() && dst.has_value() && dst->has_value());
    const ledger::AccountState& s = **src;
    const ledger::AccountState& d = **dst;
    ASSERT_TRUE(tx.accounts().post({.transfer_id = "trf-lock-" + std::to_string(tx.now_ms()),
                                    .kind = "transfer",
                                    .source = &s,
                                    .target = &d,
                                    .amount_minor = 100,
                                    .source_posted_after = s.posted_minor - 100,
                                    .target_posted_after = d.posted_minor + 100,
                                    .daily_user_id = "user-123",
                                    .day = day,
                                    .daily_used_after = daily_used_after,
                                    .timestamp_ms = tx.now_ms()}));
  }

  std::unique_ptr<testing::ScratchStore> scratch_;
  std::unique_ptr<Store> other_;
  std::unique_ptr<pg::Conn> watcher_;
};

TEST_F(PgWriteLocks, AnAccountReadForAWriteMakesTheOtherNodeWaitAndSeeTheNewBalance) {
  std::optional<std::int64_t> seen;  // acc-456's balance as the other node's write reads it
  std::thread node;
  const bool committed = (*scratch_)->write_sync([&](WriteTx& tx) {
    auto mine = tx.accounts().load("acc-456");
    ASSERT_TRUE(mine.has_value() && mine->has_value());
    node = std::thread([&] {
      (void)other_->write_sync([&](WriteTx& theirs) {
        auto a = theirs.accounts().load("acc-456");
        if (a && *a) seen = (*a)->posted_minor;
      });
    });
    ASSERT_TRUE(other_node_waits());
    post_100(tx, "2026-12-02", 100);
  });
  if (node.joinable()) node.join();
  EXPECT_TRUE(committed);
  EXPECT_EQ(seen, 5'000'000 - 100);
}

TEST_F(PgWriteLocks, ADailyOutflowReadForAWriteMakesTheOtherNodeWaitEvenWhenNoRowExistedYet) {
  std::optional<std::int64_t> seen;  // the day's outflow as the other node's write reads it
  std::thread node;
  const bool committed = (*scratch_)->write_sync([&](WriteTx& tx) {
    auto used = tx.accounts().daily_outflow("user-123", "2026-12-03");
    ASSERT_TRUE(used.has_value());
    ASSERT_EQ(*used, 0);
    node = std::thread([&] {
      (void)other_->write_sync([&](WriteTx& theirs) {
        auto u = theirs.accounts().daily_outflow("user-123", "2026-12-03");
        if (u) seen = *u;
      });
    });
    ASSERT_TRUE(other_node_waits());
    post_100(tx, "2026-12-03", 100);
  });
  if (node.joinable()) node.join();
  EXPECT_TRUE(committed);
  EXPECT_EQ(seen, 100);
}

TEST_F(PgWriteLocks, AKeyCommittedByTheOtherNodeMeanwhileFailsThePutInsteadOfBeingReplaced) {
  const IdempotencyRecord theirs{.principal = "user:user-123",
                                 .key = "k-race",
                                 .action = "transfer",
                                 .fingerprint = "theirs",
                                 .status = 201,
                                 .response = "{}",
                                 .created_ms = 1'000,
                                 .expires_ms = 1'000 + 86'400'000};
  IdempotencyRecord mine = theirs;
  mine.fingerprint = "mine";
  mine.created_ms = 2'000;
  const bool committed = (*scratch_)->write_sync([&](WriteTx& tx) {
    auto found = tx.idempotency().find(mine.principal, mine.key, mine.created_ms);
    ASSERT_TRUE(found.has_value());
    ASSERT_FALSE(found->has_value());
    // No row to lock: the other node's record commits while this command runs.
    ASSERT_TRUE(other_->write_sync([&](WriteTx& t) { ASSERT_TRUE(t.idempotency().put(theirs)); }));
    Savepoint sp(tx);
    auto put = tx.idempotency().put(mine);
    ASSERT_FALSE(put.has_value());
    EXPECT_EQ(put.error().kind, Error::Kind::kConstraint);
  });
  EXPECT_TRUE(committed);
  auto reader = (*scratch_)->reader();
  auto kept = reader.tx().idempotency().find(mine.principal, mine.key, mine.created_ms);
  ASSERT_TRUE(kept.has_value() && kept->has_value());
  EXPECT_EQ((*kept)->fingerprint, "theirs");
}

}  // namespace
}  // namespace centli::store
