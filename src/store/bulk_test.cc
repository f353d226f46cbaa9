// store::Bulk on every backend: rows come back exactly as written (text that needs quoting in
// PostgreSQL's array literals included), in the order given, across PostgreSQL's statement
// slices, and a broken constraint is a kConstraint error.
#include "store/bulk.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/accounts.h"
#include "store/beneficiaries.h"
#include "store/scratch_store.h"

namespace centli::store {
namespace {

// Text a literal must quote or escape: quotes, backslashes, commas, braces, blanks, the word
// NULL, an empty string and accents.
const std::vector<std::string> kAwkwardText = {R"(say "hola")",  R"(C:\ruta\)", "a,b", "{x}",
                                               "  two  spaces ", "NULL",        "",    "Núñez ñ €"};

class BulkTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    CENTLI_SKIP_UNLESS_AVAILABLE(GetParam());
    scratch_ = std::make_unique<testing::ScratchStore>(GetParam());
    ASSERT_EQ(scratch_->open(), "");
  }
  void TearDown() override {
    if (scratch_) (*scratch_)->close();
    scratch_.reset();
  }
  Store& store() { return **scratch_; }

  std::unique_ptr<testing::ScratchStore> scratch_;
};

TEST_P(BulkTest, HistoryComesBackAsWrittenInTheOrderGivenAcrossSlices) {
  // More rows than one PostgreSQL statement takes, all on one millisecond: only seq orders them.
  constexpr int kRows = 10'050;
  std::vector<HistoryRow> rows;
  for (int i = 0; i < kRows; ++i) {
    const std::string& text = kAwkwardText[static_cast<std::size_t>(i) % kAwkwardText.size()];
    rows.push_back({.transaction_id = "txn-b" + std::to_string(i),
                    .transfer_id = "trf-b" + std::to_string(i),
                    .account_id = "acc-b",
                    .user_id = "user-b",
                    .timestamp_ms = 5'000,
                    .kind = "transfer",
                    .direction = i % 2 == 0 ? "debit" : "credit",
                    .amount_minor = i + 1,
                    .currency = "MXN",
                    .balance_after_minor = -i,
                    .counterparty = text,
                    .description = text + "!"});
  }
  ASSERT_TRUE(store().write_sync(
      [&](WriteTx& tx) { ASSERT_TRUE(tx.bulk().append_history(rows).has_value()); }));
  auto reader = store().reader();
  auto page = reader.tx().accounts().history({.account_id = "acc-b", .limit = kRows + 1});
  ASSERT_TRUE(page.has_value()) << page.error().message;
  ASSERT_EQ(page->size(), static_cast<std::size_t>(kRows));
  for (int i = 0; i < kRows; ++i) {
    const HistoryEntry& e = (*page)[static_cast<std::size_t>(kRows - 1 - i)];  // newest first
    const HistoryRow& w = rows[static_cast<std::size_t>(i)];
    ASSERT_EQ(e.transaction_id, w.transaction_id);
    ASSERT_EQ(e.transfer_id, w.transfer_id);
    ASSERT_EQ(e.direction, w.direction);
    ASSERT_EQ(e.amount_minor, w.amount_minor);
    ASSERT_EQ(e.balance_after_minor, w.balance_after_minor);
    ASSERT_EQ(e.counterparty, w.counterparty);
    ASSERT_EQ(e.description, w.description);
    ASSERT_EQ(e.timestamp_ms, 5'000);
  }
}

TEST_P(BulkTest, AccountsAndBeneficiariesComeBackAsWritten) {
  std::vector<NewAccount> accounts = {
      {.user_id = "user-b",
       .account_id = "acc-b-chk",
       .account_number = "8000000000101",
       .type = "checking",
       .status = "active",
       .currency = "MXN",
       .name = kAwkwardText[0],
       .posted_minor = 12'345,
       .created_ms = 7},
      {.user_id = "user-b",
       .account_id = "acc-b-tdc",
       .account_number = "4152313400000001",
       .type = "credit",
       .status = "frozen",
       .currency = "MXN",
       .name = kAwkwardText[1],
       .posted_minor = -500,
       .credit_limit_minor = 1'000,
       .created_ms = 7},
  };
  Beneficiary to_account{.beneficiary_id = "ben-b-1",
                         .user_id = "user-b",
                         .alias = "Mamá",
                         .alias_normalized = "mama",
                         .name = R"(María "la jefa" \ López)",
                         .account_id = "acc-b-chk",
                         .created_ms = 8};
  Beneficiary to_clabe{.beneficiary_id = "ben-b-2",
                       .user_id = "user-b",
                       .alias = "NULL",
                       .alias_normalized = "null",
                       .name = "a,b {c}",
                       .clabe = "012180001234567899",
                       .bank_code = "012",
                       .bank_name = "BBVA MEXICO",
                       .created_ms = 9};
  const std::vector<Beneficiary> book = {to_account, to_clabe};
  ASSERT_TRUE(store().write_sync([&](WriteTx& tx) {
    ASSERT_TRUE(tx.bulk().insert_accounts(accounts).has_value());
    ASSERT_TRUE(tx.bulk().insert_beneficiaries(book).has_value());
  }));
  auto reader = store().reader();
  auto of = reader.tx().accounts().of_user("user-b");
  ASSERT_TRUE(of.has_value());
  ASSERT_EQ(of->size(), 2u);
  EXPECT_EQ((*of)[0].account_id, "acc-b-chk");
  EXPECT_EQ((*of)[0].posted_minor, 12'345);
  EXPECT_TRUE((*of)[0].active);
  EXPECT_EQ((*of)[1].type, ledger::AccountType::kCredit);
  EXPECT_EQ((*of)[1].posted_minor, -500);
  EXPECT_EQ((*of)[1].credit_limit_minor, 1'000);
  EXPECT_FALSE((*of)[1].active);
  auto first = reader.tx().beneficiaries().load("user-b", "ben-b-1");
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_EQ((*first)->name, to_account.name);
  EXPECT_EQ((*first)->account_id, "acc-b-chk");
  EXPECT_FALSE((*first)->clabe.has_value());
  auto second = reader.tx().beneficiaries().find_by_alias("user-b", "null");
  ASSERT_TRUE(second.has_value() && second->has_value());
  EXPECT_EQ((*second)->alias, "NULL");
  EXPECT_EQ((*second)->name, "a,b {c}");
  EXPECT_FALSE((*second)->account_id.has_value());
  EXPECT_EQ((*second)->clabe, "012180001234567899");
  EXPECT_EQ((*second)->bank_name, "BBVA MEXICO");
}

TEST_P(BulkTest, ATakenAccountIdOrADebitAccountBelowZeroIsAConstraintError) {
  const NewAccount ok{.user_id = "user-b",
                      .account_id = "acc-b",
                      .account_number = "1",
                      .type = "savings",
                      .status = "active",
                      .currency = "MXN",
                      .created_ms = 1};
  NewAccount negative = ok;
  negative.account_id = "acc-b-neg";
  negative.posted_minor = -1;
  for (const std::vector<NewAccount>& batch :
       {std::vector<NewAccount>{ok, ok}, std::vector<NewAccount>{negative}}) {
    std::optional<Error> error;
    ASSERT_TRUE(store().write_sync([&](WriteTx& tx) {
      Savepoint sp(tx);
      auto r = tx.bulk().insert_accounts(batch);
      if (!r) error = r.error();
    }));
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->kind, Error::Kind::kConstraint) << error->message;
  }
  auto reader = store().reader();
  EXPECT_FALSE(reader.tx().accounts().load("acc-b")->has_value());
}

INSTANTIATE_TEST_SUITE_P(Stores, BulkTest, ::testing::ValuesIn(testing::backends()),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace centli::store
