// A history page costs the same at any depth on PostgreSQL: the store's own history statements
// (history_sql.h), prepared as the store prepares them, are an Index Scan Backward of the history
// index whose Index Cond holds the cursor, in the plan for the first executions (custom) and in
// the one the server keeps afterwards (generic).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "store/bulk.h"
#include "store/postgres/conn.h"
#include "store/postgres/history_sql.h"
#include "store/scratch_store.h"

namespace centli::store {
namespace {

using postgres_impl::kSelectHistoryOfAccount;
using postgres_impl::kSelectHistoryOfUser;

constexpr int kDepth = 30'000;

class PgHistoryPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    CENTLI_SKIP_UNLESS_AVAILABLE("postgres");
    scratch_ = std::make_unique<testing::ScratchStore>("postgres");
    ASSERT_EQ(scratch_->open(), "");
    // One deep history through the port, and a second account so the index is selective.
    std::vector<HistoryRow> rows;
    for (int i = 0; i < kDepth; ++i) {
      const bool deep = i % 10 != 0;
      rows.push_back({.transaction_id = "txn-" + std::to_string(i),
                      .transfer_id = "trf-" + std::to_string(i),
                      .account_id = deep ? "acc-deep" : "acc-other",
                      .user_id = deep ? "user-deep" : "user-other",
                      .timestamp_ms = 1'000'000 + 1'000LL * i,
                      .kind = "transfer",
                      .direction = "credit",
                      .amount_minor = 100,
                      .currency = "MXN",
                      .balance_after_minor = 100LL * (i + 1)});
    }
    ASSERT_TRUE((*scratch_)->write_sync(
        [&](WriteTx& tx) { ASSERT_TRUE(tx.bulk().append_history(rows).has_value()); }));
    conn_ = pg::Conn::connect(scratch_->options().url);
    ASSERT_TRUE(conn_->ok()) << conn_->error();
    ASSERT_TRUE(conn_->exec("ANALYZE transactions").has_value());
  }

  void TearDown() override {
    conn_.reset();
    if (scratch_) (*scratch_)->close();
    scratch_.reset();
  }

  // EXPLAIN of `sql` prepared as `name` and executed for the page of `owner` 25,000 rows deep.
  std::string plan(const std::string& name, const char* sql, const char* owner, bool generic) {
    const std::string prepare =
        "PREPARE " + name + " (text, bigint, bigint, bigint, bigint) AS " + sql;
    EXPECT_TRUE(conn_->exec(prepare.c_str()).has_value());
    const std::string mode = std::string("SET plan_cache_mode = ") +
                             (generic ? "force_generic_plan" : "force_custom_plan");
    EXPECT_TRUE(conn_->exec(mode.c_str()).has_value());
    const std::string explain =
        "EXPLAIN EXECUTE " + name + "('" + owner + "', -9223372036854775808, 6000000, 5001, 21)";
    auto rows = conn_->exec(explain.c_str());
    EXPECT_TRUE(rows.has_value()) << rows.error().message;
    std::string out;
    for (int r = 0; rows && r < rows->size(); ++r) out += rows->text(r, 0) + "\n";
    return out;
  }

  std::unique_ptr<testing::ScratchStore> scratch_;
  std::unique_ptr<pg::Conn> conn_;
};

TEST_F(PgHistoryPlan, APageIsAnIndexScanBackwardWithTheCursorAsIndexCond) {
  struct Case {
    const char* name;
    const char* sql;
    const char* owner;
    const char* index;
    const char* owner_cond;
  };
  const Case cases[] = {
      {"of_account", kSelectHistoryOfAccount, "acc-deep", "transactions_by_account",
       "account_id = "},
      {"of_user", kSelectHistoryOfUser, "user-deep", "transactions_by_user", "user_id = "},
  };
  for (const Case& c : cases) {
    for (bool generic : {false, true}) {
      const std::string p =
          plan(std::string(c.name) + (generic ? "_generic" : "_custom"), c.sql, c.owner, generic);
      EXPECT_NE(p.find(std::string("Index Scan Backward using ") + c.index), std::string::npos)
          << p;
      const auto cond = p.find("Index Cond: ");
      ASSERT_NE(cond, std::string::npos) << p;
      const std::string line = p.substr(cond, p.find('\n', cond) - cond);
      EXPECT_NE(line.find(c.owner_cond), std::string::npos) << line;
      EXPECT_NE(line.find("ROW(timestamp_ms, seq) < ROW("), std::string::npos) << line;
      EXPECT_EQ(p.find("Filter:"), std::string::npos) << p;
      EXPECT_EQ(p.find("Sort"), std::string::npos) << p;
    }
  }
}

}  // namespace
}  // namespace centli::store
