// A history page costs the same at any depth on SQLite: the store's own history statements
// (history_sql.h) seek the history index down to the cursor instead of reading every newer row.
// Checked on the plan and on SQLite's count of virtual machine steps, never on a clock.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "store/bulk.h"
#include "store/history_bound.h"
#include "store/scratch_store.h"
#include "store/sqlite/history_sql.h"

namespace centli::store {
namespace {

using sqlite_impl::kSelectHistoryOfAccount;
using sqlite_impl::kSelectHistoryOfUser;

constexpr int kDepth = 30'000;  // rows of one account, one person
constexpr std::int64_t kPageRows = 21;

class SqliteHistoryPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<testing::ScratchStore>("sqlite");
    ASSERT_EQ(scratch_->open(), "");
    // One deep history through the port: row i at 1,000 + i seconds.
    std::vector<HistoryRow> rows;
    for (int i = 0; i < kDepth; ++i) {
      rows.push_back({.transaction_id = "txn-deep-" + std::to_string(i),
                      .transfer_id = "trf-deep-" + std::to_string(i),
                      .account_id = "acc-deep",
                      .user_id = "user-deep",
                      .timestamp_ms = 1'000'000 + 1'000LL * i,
                      .kind = "transfer",
                      .direction = "credit",
                      .amount_minor = 100,
                      .currency = "MXN",
                      .balance_after_minor = 100LL * (i + 1)});
    }
    ASSERT_TRUE((*scratch_)->write_sync(
        [&](WriteTx& tx) { ASSERT_TRUE(tx.bulk().append_history(rows).has_value()); }));
    (*scratch_)->close();
    const std::string path = scratch_->options().data_dir + "/centli.db";
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  }

  void TearDown() override {
    if (db_ != nullptr) sqlite3_close(db_);
    scratch_.reset();
  }

  // The plan's lines (EXPLAIN QUERY PLAN) of `sql`.
  std::string plan(const char* sql) {
    const std::string explain = std::string("EXPLAIN QUERY PLAN ") + sql;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, explain.c_str(), -1, &st, nullptr), SQLITE_OK);
    std::string out;
    while (sqlite3_step(st) == SQLITE_ROW)
      out += std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 3))) + "\n";
    sqlite3_finalize(st);
    return out;
  }

  // Runs `sql` for the page strictly before `bound` of `owner`; the rows it returned and the
  // virtual machine steps it took (SQLITE_STMTSTATUS_VM_STEP).
  std::pair<int, int> page(const char* sql, const char* owner, const HistoryBound& bound) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql, -1, &st, nullptr), SQLITE_OK);
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, INT64_MIN);
    sqlite3_bind_int64(st, 3, bound.timestamp_ms);
    sqlite3_bind_int64(st, 4, bound.seq);
    sqlite3_bind_int64(st, 5, kPageRows);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) ++rows;
    const int steps = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
    sqlite3_finalize(st);
    return {rows, steps};
  }

  std::unique_ptr<testing::ScratchStore> scratch_;
  sqlite3* db_ = nullptr;
};

TEST_F(SqliteHistoryPlan, APageOfAnAccountIsASeekOfTheAccountIndex) {
  EXPECT_EQ(plan(kSelectHistoryOfAccount),
            "SEARCH transactions USING INDEX transactions_by_account "
            "(account_id=? AND timestamp_ms>? AND timestamp_ms<?)\n");
  EXPECT_EQ(plan(kSelectHistoryOfUser),
            "SEARCH transactions USING INDEX transactions_by_user "
            "(user_id=? AND timestamp_ms>? AND timestamp_ms<?)\n");
}

TEST_F(SqliteHistoryPlan, APage25000RowsDeepTakesTheStepsOfTheFirstPage) {
  // The first page, and the page after row 5,000 (25,000 newer rows lie above it): the cursor
  // of a page is its last row's (timestamp_ms, seq); seq counts rows from 1 here.
  const HistoryBound first = history_upper_bound({.limit = kPageRows});
  const HistoryBound deep =
      history_upper_bound({.before_ms = 1'000'000 + 1'000LL * 5'000, .before_seq = 5'001});
  for (auto [sql, owner] : {std::pair{kSelectHistoryOfAccount, "acc-deep"},
                            std::pair{kSelectHistoryOfUser, "user-deep"}}) {
    const auto [first_rows, first_steps] = page(sql, owner, first);
    const auto [deep_rows, deep_steps] = page(sql, owner, deep);
    EXPECT_EQ(first_rows, kPageRows);
    EXPECT_EQ(deep_rows, kPageRows);
    // Reading the 25,000 newer rows and dropping them would take over 100,000 steps.
    EXPECT_LE(deep_steps, 2 * first_steps)
        << owner << ": " << first_steps << " then " << deep_steps;
  }
}

TEST_F(SqliteHistoryPlan, TheMeasureSeesACursorThatIsOnlyAFilter) {
  // The statement as it was before issue 12: `timestamp_ms < to` bounds the range and the cursor
  // is checked row by row. Same page, same rows: many times the steps.
  constexpr const char* kCursorAsFilter =
      "SELECT seq, kind FROM transactions WHERE account_id = ?1 AND timestamp_ms >= ?2 "
      "AND timestamp_ms < ?3 AND (timestamp_ms, seq) < (?4, ?5) "
      "ORDER BY timestamp_ms DESC, seq DESC LIMIT ?6";
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_, kCursorAsFilter, -1, &st, nullptr), SQLITE_OK);
  sqlite3_bind_text(st, 1, "acc-deep", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, INT64_MIN);
  sqlite3_bind_int64(st, 3, INT64_MAX);
  sqlite3_bind_int64(st, 4, 1'000'000 + 1'000LL * 5'000);
  sqlite3_bind_int64(st, 5, 5'001);
  sqlite3_bind_int64(st, 6, kPageRows);
  int rows = 0;
  while (sqlite3_step(st) == SQLITE_ROW) ++rows;
  const int filter_steps = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
  sqlite3_finalize(st);
  const auto [seek_rows, seek_steps] =
      page(kSelectHistoryOfAccount, "acc-deep",
           history_upper_bound({.before_ms = 1'000'000 + 1'000LL * 5'000, .before_seq = 5'001}));
  EXPECT_EQ(rows, seek_rows);
  EXPECT_GT(filter_steps, 10 * seek_steps) << filter_steps << " against " << seek_steps;
}

TEST(HistoryUpperBound, IsTheTighterOfToAndTheCursor) {
  // No limit at all is `timestamp_ms < INT64_MAX`, as the query said before it had one bound.
  EXPECT_EQ(history_upper_bound({}).timestamp_ms, INT64_MAX);
  EXPECT_EQ(history_upper_bound({}).seq, INT64_MIN);
  const HistoryBound to = history_upper_bound({.to_ms = 50, .before_ms = 60, .before_seq = 3});
  EXPECT_EQ(to.timestamp_ms, 50);
  EXPECT_EQ(to.seq, INT64_MIN);
  const HistoryBound cursor = history_upper_bound({.to_ms = 50, .before_ms = 40, .before_seq = 3});
  EXPECT_EQ(cursor.timestamp_ms, 40);
  EXPECT_EQ(cursor.seq, 3);
  // On the same millisecond `to` excludes the whole millisecond, the cursor only part of it.
  const HistoryBound same = history_upper_bound({.to_ms = 40, .before_ms = 40, .before_seq = 3});
  EXPECT_EQ(same.timestamp_ms, 40);
  EXPECT_EQ(same.seq, INT64_MIN);
}

}  // namespace
}  // namespace centli::store
