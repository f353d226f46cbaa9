// Two centli nodes on one PostgreSQL database (store/postgres/two_nodes.h): a write
// transaction's read of an account, of the person's daily outflow (even before the day has a
// row) or of a live idempotency record waits for the other node's open write on it and then sees
// what that write committed; a key the other node committed meanwhile is kept, and this node's
// put of it fails.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/accounts.h"
#include "store/beneficiaries.h"
#include "store/idempotency.h"
#include "store/postgres/two_nodes.h"

namespace centli::store {
namespace {

// user-123's record of `key`, answered 202 at created_ms and kept a day.
IdempotencyRecord key_record(std::string key, std::string fingerprint, std::int64_t created_ms) {
  return {.principal = "user:user-123",
          .key = std::move(key),
          .action = "transfer",
          .fingerprint = std::move(fingerprint),
          .status = 202,
          .response = "{}",
          .created_ms = created_ms,
          .expires_ms = created_ms + 86'400'000};
}

class PgWriteLocks : public testing::TwoNodes {
 protected:
  void SetUp() override {
    TwoNodes::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
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
  }

  // Node one reads user-123's outflow on `day` (expecting `before`), node two's write reads it
  // too, and node one posts 100 that make it `after`; what node two read.
  std::optional<std::int64_t> race_on_day(std::string_view day, std::int64_t before,
                                          std::int64_t after) {
    std::optional<std::int64_t> seen;
    overlap(
        [&](WriteTx& tx) {
          auto used = tx.accounts().daily_outflow("user-123", day);
          ASSERT_TRUE(used.has_value());
          EXPECT_EQ(*used, before);
        },
        [&](WriteTx& tx) {
          auto used = tx.accounts().daily_outflow("user-123", day);
          if (used) seen = *used;
        },
        [&](WriteTx& tx) { post_100(tx, day, after); });
    return seen;
  }

  // Moves 100 from acc-456 to acc-457 on `day`; the person's outflow that day becomes
  // `used_after`.
  static void post_100(WriteTx& tx, std::string_view day, std::int64_t used_after = 100) {
    auto src = tx.accounts().load("acc-456");
    auto dst = tx.accounts().load("acc-457");
    ASSERT_TRUE(src.has_value() && src->has_value() && dst.has_value() && dst->has_value());
    const ledger::AccountState& s = **src;
    const ledger::AccountState& d = **dst;
    ASSERT_TRUE(tx.accounts().post({.transfer_id = "trf-lock",
                                    .kind = "transfer",
                                    .source = &s,
                                    .target = &d,
                                    .amount_minor = 100,
                                    .source_posted_after = s.posted_minor - 100,
                                    .target_posted_after = d.posted_minor + 100,
                                    .daily_user_id = "user-123",
                                    .day = day,
                                    .daily_used_after = used_after,
                                    .timestamp_ms = tx.now_ms()}));
  }
};

// In each case node one reads what it decides on, node two's read of the same waits, and node
// one then posts and commits: node two sees the posting, never the value before it.

TEST_F(PgWriteLocks, AnAccountReadToDecideWaitsForAnotherNodesPosting) {
  std::optional<std::int64_t> posted_seen;
  overlap(
      [](WriteTx& tx) {
        auto a = tx.accounts().load("acc-456");
        ASSERT_TRUE(a.has_value() && a->has_value());
      },
      [&](WriteTx& tx) {
        auto a = tx.accounts().load("acc-456");
        ASSERT_TRUE(a.has_value() && a->has_value());
        posted_seen = (*a)->posted_minor;
      },
      [](WriteTx& tx) { post_100(tx, "2026-12-02"); });
  EXPECT_EQ(posted_seen, 5'000'000 - 100);
}

// The day's row does not exist yet: reading it for a write creates it, so there is a row to lock.
TEST_F(PgWriteLocks, ADailyOutflowReadToDecideWaitsForAnotherNodesFirstPostingOfTheDay) {
  EXPECT_EQ(race_on_day("2026-12-03", 0, 100), 100);
}

TEST_F(PgWriteLocks, ADailyOutflowReadToDecideWaitsForAnotherNodesLaterPostingOfTheDay) {
  ASSERT_TRUE((*scratch_)->write_sync([](WriteTx& tx) { post_100(tx, "2026-12-04"); }));
  EXPECT_EQ(race_on_day("2026-12-04", 100, 200), 200);
}

TEST_F(PgWriteLocks, ALiveKeyReadToDecideWaitsForAnotherNodesAnswer) {
  const IdempotencyRecord r = key_record("k-live", "fp", 1'000);
  ASSERT_TRUE((*scratch_)->write_sync([&](WriteTx& tx) { ASSERT_TRUE(tx.idempotency().put(r)); }));
  int status_seen = 0;
  overlap(
      [&](WriteTx& tx) {
        auto found = tx.idempotency().find(r.principal, r.key, 2'000);
        ASSERT_TRUE(found.has_value() && found->has_value());
      },
      [&](WriteTx& tx) {
        auto found = tx.idempotency().find(r.principal, r.key, 2'000);
        ASSERT_TRUE(found.has_value() && found->has_value());
        status_seen = (*found)->status;
      },
      [&](WriteTx& tx) {
        ASSERT_TRUE(tx.idempotency().update_answer(r.principal, r.key, 201, R"({"final":1})"));
      });
  EXPECT_EQ(status_seen, 201);
}

TEST_F(PgWriteLocks, AKeyCommittedByAnotherNodeMeanwhileFailsThePutAndIsKept) {
  const IdempotencyRecord theirs = key_record("k-race", "theirs", 1'000);
  const IdempotencyRecord mine = key_record("k-race", "mine", 2'000);
  const bool committed = (*scratch_)->write_sync([&](WriteTx& tx) {
    auto found = tx.idempotency().find(mine.principal, mine.key, mine.created_ms);
    ASSERT_TRUE(found.has_value());
    ASSERT_FALSE(found->has_value());
    // No row to lock: the other node's record commits while this command runs.
    ASSERT_TRUE(second_->write_sync([&](WriteTx& t) { ASSERT_TRUE(t.idempotency().put(theirs)); }));
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
TEST_F(PgWriteLocks, APersonsBookReadToDecideWaitsForAnotherNodesAddition) {
  // Node one checks the alias and the count and adds; node two's check of the same book waits
  // and then sees the addition (the alias taken, the count one more), never the book before it.
  std::optional<Beneficiary> alias_seen;
  std::int64_t count_seen = -1;
  overlap(
      [](WriteTx& tx) {
        auto found = tx.beneficiaries().find_by_alias("user-123", "mama");
        ASSERT_TRUE(found.has_value());
        EXPECT_FALSE(found->has_value());
        EXPECT_EQ(*tx.beneficiaries().count("user-123"), 0);
      },
      [&](WriteTx& tx) {
        auto found = tx.beneficiaries().find_by_alias("user-123", "mama");
        if (found) alias_seen = *found;
        auto n = tx.beneficiaries().count("user-123");
        if (n) count_seen = *n;
      },
      [](WriteTx& tx) {
        ASSERT_TRUE(tx.beneficiaries().insert({.beneficiary_id = "ben-lock",
                                               .user_id = "user-123",
                                               .alias = "Mamá",
                                               .alias_normalized = "mama",
                                               .name = "Ana",
                                               .account_id = "acc-457",
                                               .created_ms = 1}));
      });
  ASSERT_TRUE(alias_seen.has_value());
  EXPECT_EQ(alias_seen->beneficiary_id, "ben-lock");
  EXPECT_EQ(count_seen, 1);
}

}  // namespace centli::store
