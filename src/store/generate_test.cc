// The generated bank (store/generate.h) on every backend: its money adds up, it is the same for
// the same seed, and a second run is refused.
#include "store/generate.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/accounts.h"
#include "store/beneficiaries.h"
#include "store/meta.h"
#include "store/scratch_store.h"

namespace centli::store {
namespace {

constexpr std::int64_t kPeople = 40;
constexpr std::int64_t kDays = 45;

std::string person(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "user-g%07d", n);
  return buf;
}

class GenerateTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { CENTLI_SKIP_UNLESS_AVAILABLE(GetParam()); }

  // A fresh store of this test's backend; kept until the test ends.
  Store& fresh() {
    scratch_.push_back(std::make_unique<testing::ScratchStore>(GetParam()));
    EXPECT_EQ(scratch_.back()->open(), "");
    return **scratch_.back();
  }

  void TearDown() override {
    for (auto& s : scratch_) (*s)->close();
    scratch_.clear();
  }

  std::vector<std::unique_ptr<testing::ScratchStore>> scratch_;
};

// Every account of the bank: the demo's, the generated bank's own and each generated person's.
std::vector<ledger::AccountState> all_accounts(Reader& reader, std::int64_t people) {
  std::vector<ledger::AccountState> out;
  for (const char* id : {"acc-456", "acc-457", "acc-458", "acc-789", "acc-790", "acc-999",
                         "acc-clearing", "acc-gen-spei", "acc-gen-cash", "acc-gen-cards"}) {
    auto a = reader.tx().accounts().load(id);
    EXPECT_TRUE(a.has_value() && a->has_value()) << id;
    if (a && *a) out.push_back(**a);
  }
  for (int n = 1; n <= people; ++n) {
    auto of = reader.tx().accounts().of_user(person(n));
    EXPECT_TRUE(of.has_value());
    EXPECT_EQ(of->size(), 3u) << person(n);
    out.insert(out.end(), of->begin(), of->end());
  }
  return out;
}

// An account's whole history, newest first, read in pages as get_transactions does.
std::vector<HistoryEntry> history_of(Reader& reader, const std::string& account_id) {
  std::vector<HistoryEntry> out;
  HistoryQuery q{.account_id = account_id, .limit = 100};
  for (;;) {
    auto page = reader.tx().accounts().history(q);
    EXPECT_TRUE(page.has_value());
    if (!page || page->empty()) return out;
    out.insert(out.end(), page->begin(), page->end());
    q.before_ms = page->back().timestamp_ms;
    q.before_seq = page->back().seq;
  }
}

TEST_P(GenerateTest, EveryAccountsHistoryAddsUpToItsBalanceAndTheBanksTotalIsUnchanged) {
  Store& store = fresh();
  auto report = generate_bank(store, {.people = kPeople, .history_days = kDays, .seed = 7});
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->people, kPeople);
  EXPECT_EQ(report->accounts, 3 + 3 * kPeople);
  EXPECT_EQ(report->history_rows, 2 * report->postings);
  EXPECT_GT(report->history_rows, kPeople * kDays);  // over one movement a person a day

  auto reader = store.reader();
  const auto accounts = all_accounts(reader, kPeople);
  std::int64_t total = 0, rows = 0;
  for (const ledger::AccountState& a : accounts) {
    total += a.posted_minor;
    const auto history = history_of(reader, a.account_id);
    rows += static_cast<std::int64_t>(history.size());
    if (a.account_id.starts_with("acc-") && !a.account_id.starts_with("acc-g")) continue;
    // Oldest first: each line's balance is the one before it moved by the line's amount.
    std::int64_t balance = 0;
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
      balance += it->direction == "credit" ? it->amount_minor : -it->amount_minor;
      ASSERT_EQ(it->balance_after_minor, balance) << a.account_id << " " << it->transaction_id;
      if (a.type == ledger::AccountType::kChecking || a.type == ledger::AccountType::kSavings) {
        ASSERT_GE(balance, 0) << a.account_id;
      }
      if (a.type == ledger::AccountType::kCredit) {
        ASSERT_GE(a.credit_limit_minor + balance, 0) << a.account_id;
      }
    }
    EXPECT_EQ(balance, a.posted_minor) << a.account_id;
  }
  // The demo's deposits (88,600.00) are the only money that came from nowhere.
  EXPECT_EQ(total, 8'860'000);
  EXPECT_EQ(rows, report->history_rows);
  auto book = reader.tx().beneficiaries().of_user(person(2));
  ASSERT_TRUE(book.has_value());
  EXPECT_GE(book->size(), 4u);  // three people and the shop; a landlord for half of them
}

TEST_P(GenerateTest, TheSameSeedGivesTheSameBankAndAnotherSeedAnother) {
  Store& a = fresh();
  Store& b = fresh();
  Store& c = fresh();
  // One clock for all three runs: the dates (and the paydays the window covers) do not move
  // when the runs straddle the start of a local day.
  constexpr std::int64_t kNow = 1'780'000'000'000;  // 2026-05-28
  const GenerateOptions o{.people = 12, .history_days = 20, .seed = 99, .now_ms = kNow};
  ASSERT_TRUE(generate_bank(a, o).has_value());
  ASSERT_TRUE(generate_bank(b, o).has_value());
  ASSERT_TRUE(generate_bank(c, {.people = 12, .history_days = 20, .seed = 100, .now_ms = kNow})
                  .has_value());
  const auto fingerprint = [](Store& s) {
    auto reader = s.reader();
    std::map<std::string, std::int64_t> balances;
    for (const auto& acc : all_accounts(reader, 12)) balances[acc.account_id] = acc.posted_minor;
    std::vector<std::string> lines;
    for (const auto& e : history_of(reader, "acc-g0000003-chk")) {
      lines.push_back(e.transaction_id + " " + std::to_string(e.timestamp_ms) + " " +
                      std::to_string(e.amount_minor) + " " + e.counterparty);
    }
    return std::make_pair(balances, lines);
  };
  EXPECT_EQ(fingerprint(a), fingerprint(b));
  EXPECT_NE(fingerprint(a).first, fingerprint(c).first);
}

TEST_P(GenerateTest, ASecondRunIsRefusedAndChangesNothing) {
  Store& store = fresh();
  auto first = generate_bank(store, {.people = 5, .history_days = 10, .seed = 1});
  ASSERT_TRUE(first.has_value()) << first.error().message;
  std::int64_t balance = 0;
  {
    auto reader = store.reader();
    balance = (*reader.tx().accounts().load("acc-g0000002-chk"))->posted_minor;
  }
  auto second = generate_bank(store, {.people = 7, .history_days = 3, .seed = 2});
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().kind, GenerateError::Kind::kRefused);
  EXPECT_NE(second.error().message.find("already holds a generated bank (people=5"),
            std::string::npos)
      << second.error().message;
  auto reader = store.reader();
  EXPECT_EQ((*reader.tx().accounts().load("acc-g0000002-chk"))->posted_minor, balance);
  EXPECT_FALSE(reader.tx().accounts().load("acc-g0000006-chk")->has_value());
}

TEST_P(GenerateTest, ARunThatDidNotFinishIsRefused) {
  Store& store = fresh();
  ASSERT_TRUE(store.write_sync([](WriteTx& tx) {
    ASSERT_TRUE(tx.meta().put("demo_generate.started", "people=9 history_days=1 seed=1"));
  }));
  auto r = generate_bank(store, {.people = 3, .history_days = 2, .seed = 1});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, GenerateError::Kind::kRefused);
  EXPECT_NE(r.error().message.find("did not finish"), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(Stores, GenerateTest, ::testing::ValuesIn(testing::backends()),
                         [](const auto& info) { return testing::backend_name(info.param); });

TEST(GenerateOptions, OutOfRangeOptionsAreNamedAndTheLimitsAreAccepted) {
  struct Case {
    GenerateOptions o;
    const char* problem;  // a piece of the message, or nullptr when accepted
  };
  const Case cases[] = {
      {{.people = 0}, "--people must be from 1 to 1000000 (got 0)"},
      {{.people = -3}, "--people must be from 1 to 1000000 (got -3)"},
      {{.people = 1'000'001, .history_days = 1}, "--people must be from 1 to 1000000"},
      {{.people = 1, .history_days = 0}, "--history-days must be from 1 to 3650 (got 0)"},
      {{.people = 1, .history_days = 3'651}, "--history-days must be from 1 to 3650"},
      {{.people = 1'000'000, .history_days = 21}, "--people times --history-days must be at most"},
      {{.people = 1, .history_days = 1}, nullptr},
      {{.people = 1'000'000, .history_days = 20}, nullptr},
      {{.people = 5'000, .history_days = 3'650}, nullptr},
  };
  for (const Case& c : cases) {
    const auto problem = generate_options_problem(c.o);
    if (c.problem == nullptr) {
      EXPECT_FALSE(problem.has_value()) << *problem;
    } else {
      ASSERT_TRUE(problem.has_value()) << c.problem;
      EXPECT_NE(problem->find(c.problem), std::string::npos) << *problem;
    }
  }
}

}  // namespace
}  // namespace centli::store
