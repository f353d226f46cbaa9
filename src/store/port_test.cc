// The storage port's contract, written against the abstract repositories only (store/port.h
// and the aggregate headers), on a real store in a temporary directory holding the demo bank.
// Every backend must pass it; today it runs on SQLite.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "store/accounts.h"
#include "store/beneficiaries.h"
#include "store/credentials.h"
#include "store/demo.h"
#include "store/idempotency.h"
#include "store/meta.h"
#include "store/scratch_store.h"
#include "store/store.h"

namespace centli::store {
namespace {

constexpr std::int64_t kDay = 86'400'000;

// An active MXN account of user-777 with nothing posted; each test changes what it is about.
NewAccount new_account(std::string_view account_id, std::string_view type) {
  return {.user_id = "user-777",
          .account_id = account_id,
          .account_number = "0123456780777",
          .type = type,
          .status = "active",
          .currency = "MXN",
          .created_ms = 42};
}

class PortTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    CENTLI_SKIP_UNLESS_AVAILABLE(GetParam());
    scratch_ = std::make_unique<testing::ScratchStore>(GetParam());
    const std::string opened = scratch_->open();
    ASSERT_EQ(opened, "");
    store_ = std::move(scratch_->get());
    auto loaded = load_demo(*store_);
    ASSERT_TRUE(loaded.has_value()) << loaded.error();
  }

  void TearDown() override {
    if (store_) store_->close();
    store_.reset();
    scratch_.reset();
  }

  // Runs `fn` in its own committed batch; fails the test when the batch does not commit.
  void write(const std::function<void(WriteTx&)>& fn) { ASSERT_TRUE(store_->write_sync(fn)); }

  std::unique_ptr<testing::ScratchStore> scratch_;
  std::unique_ptr<Store> store_;
};

TEST_P(PortTest, CredentialsAreFoundByHashUntilMissing) {
  const Credential c{.token_hash = std::string(64, 'a'),
                     .service = true,
                     .subject = "bedrock-agent",
                     .delegate = true,
                     .scopes = "banking:read banking:transfer",
                     .created_ms = 1'700'000'000'000};
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.credentials().insert(c)); });
  auto reader = store_->reader();
  auto found = reader.tx().credentials().find(c.token_hash);
  ASSERT_TRUE(found.has_value()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->service, true);
  EXPECT_EQ((*found)->subject, "bedrock-agent");
  EXPECT_EQ((*found)->delegate, true);
  EXPECT_EQ((*found)->scopes, "banking:read banking:transfer");
  EXPECT_EQ((*found)->created_ms, c.created_ms);
  auto missing = reader.tx().credentials().find(std::string(64, 'b'));
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(PortTest, ASecondCredentialWithTheSameHashIsAConstraintError) {
  const Credential c{.token_hash = std::string(64, 'c'), .subject = "user-123", .scopes = "admin"};
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.credentials().insert(c)); });
  write([&](WriteTx& tx) {
    Savepoint sp(tx);
    auto again = tx.credentials().insert(c);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().kind, Error::Kind::kConstraint);
  });
}

TEST_P(PortTest, IdempotencyRecordsLiveUntilTheyExpire) {
  const IdempotencyRecord r{.principal = "user:user-123",
                            .key = "k-1",
                            .action = "transfer",
                            .fingerprint = "fp-1",
                            .status = 201,
                            .response = R"({"ok":true})",
                            .created_ms = 1'000,
                            .expires_ms = 1'000 + kDay};
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.idempotency().put(r)); });
  auto reader = store_->reader();
  auto live = reader.tx().idempotency().find(r.principal, r.key, r.expires_ms - 1);
  ASSERT_TRUE(live.has_value() && live->has_value());
  EXPECT_EQ((*live)->action, "transfer");
  EXPECT_EQ((*live)->fingerprint, "fp-1");
  EXPECT_EQ((*live)->status, 201);
  EXPECT_EQ((*live)->response, R"({"ok":true})");
  // Expired at expires_ms exactly; another principal's key is another record.
  auto expired = reader.tx().idempotency().find(r.principal, r.key, r.expires_ms);
  ASSERT_TRUE(expired.has_value());
  EXPECT_FALSE(expired->has_value());
  auto other = reader.tx().idempotency().find("user:user-456", r.key, r.created_ms);
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(other->has_value());
}

TEST_P(PortTest, AnExpiredIdempotencyRecordIsReplacedAndAnswersCanBeUpdated) {
  IdempotencyRecord r{.principal = "user:user-123",
                      .key = "k-2",
                      .action = "purchase",
                      .fingerprint = "old",
                      .status = 202,
                      .response = "{}",
                      .created_ms = 0,
                      .expires_ms = 10};
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.idempotency().put(r)); });
  r.fingerprint = "new";
  r.created_ms = 20;
  r.expires_ms = 20 + kDay;
  write([&](WriteTx& tx) {
    ASSERT_TRUE(tx.idempotency().put(r));
    ASSERT_TRUE(tx.idempotency().update_answer(r.principal, r.key, 201, R"({"final":1})"));
  });
  auto reader = store_->reader();
  auto found = reader.tx().idempotency().find(r.principal, r.key, 30);
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->fingerprint, "new");
  EXPECT_EQ((*found)->status, 201);
  EXPECT_EQ((*found)->response, R"({"final":1})");
}

TEST_P(PortTest, TheSweepDeletesOnlyExpiredRecordsAndAtMostItsLimit) {
  write([&](WriteTx& tx) {
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(tx.idempotency().put({.principal = "p",
                                        .key = "old-" + std::to_string(i),
                                        .action = "a",
                                        .fingerprint = "f",
                                        .status = 200,
                                        .response = "{}",
                                        .created_ms = 0,
                                        .expires_ms = 100}));
    }
    ASSERT_TRUE(tx.idempotency().put({.principal = "p",
                                      .key = "live",
                                      .action = "a",
                                      .fingerprint = "f",
                                      .status = 200,
                                      .response = "{}",
                                      .created_ms = 0,
                                      .expires_ms = 1'000}));
  });
  std::vector<std::int64_t> deleted;
  for (int i = 0; i < 3; ++i) {
    write([&](WriteTx& tx) {
      auto n = tx.idempotency().delete_expired(500, 2);
      ASSERT_TRUE(n.has_value());
      deleted.push_back(*n);
    });
  }
  EXPECT_EQ(deleted, (std::vector<std::int64_t>{2, 2, 1}));
  auto reader = store_->reader();
  auto live = reader.tx().idempotency().find("p", "live", 500);
  ASSERT_TRUE(live.has_value());
  EXPECT_TRUE(live->has_value());
}

TEST_P(PortTest, AccountsAreLoadedByIdAndListedPerPersonWithoutInternalOnes) {
  auto reader = store_->reader();
  auto a = reader.tx().accounts().load("acc-456");
  ASSERT_TRUE(a.has_value() && a->has_value());
  EXPECT_EQ((*a)->user_id, "user-123");
  EXPECT_EQ((*a)->posted_minor, 5'000'000);
  EXPECT_TRUE((*a)->active);
  auto frozen = reader.tx().accounts().load("acc-790");
  ASSERT_TRUE(frozen.has_value() && frozen->has_value());
  EXPECT_FALSE((*frozen)->active);
  auto missing = reader.tx().accounts().load("acc-000");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->has_value());
  auto mine = reader.tx().accounts().of_user("user-123");
  ASSERT_TRUE(mine.has_value());
  std::vector<std::string> ids;
  for (const auto& acc : *mine) ids.push_back(acc.account_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"acc-456", "acc-457", "acc-458"}));
  auto bank = reader.tx().accounts().of_user("bank");
  ASSERT_TRUE(bank.has_value());
  EXPECT_TRUE(bank->empty());  // the clearing account is not a customer account
}

TEST_P(PortTest, APostingMovesBothBalancesWritesBothEntriesAndTheDailyOutflow) {
  write([&](WriteTx& tx) {
    auto src = tx.accounts().load("acc-456");
    auto dst = tx.accounts().load("acc-789");
    ASSERT_TRUE(src.has_value() && src->has_value() && dst.has_value() && dst->has_value());
    const ledger::AccountState& s = **src;
    const ledger::AccountState& d = **dst;
    ASSERT_TRUE(tx.accounts().post({.transfer_id = "trf-port-1",
                                    .kind = "transfer",
                                    .source = &s,
                                    .target = &d,
                                    .amount_minor = 1'234,
                                    .source_posted_after = s.posted_minor - 1'234,
                                    .target_posted_after = d.posted_minor + 1'234,
                                    .source_counterparty = "acc-789",
                                    .target_counterparty = "****0456",
                                    .description = "renta",
                                    .correlation_id = "cor-port-1",
                                    .daily_user_id = "user-123",
                                    .day = "2026-12-02",
                                    .daily_used_after = 1'234,
                                    .timestamp_ms = 5'000}));
  });
  auto reader = store_->reader();
  EXPECT_EQ((*reader.tx().accounts().load("acc-456"))->posted_minor, 5'000'000 - 1'234);
  EXPECT_EQ((*reader.tx().accounts().load("acc-789"))->posted_minor, 1'500'000 + 1'234);
  EXPECT_EQ(*reader.tx().accounts().daily_outflow("user-123", "2026-12-02"), 1'234);
  EXPECT_EQ(*reader.tx().accounts().daily_outflow("user-123", "2026-12-03"), 0);
  auto debit = reader.tx().accounts().history({.account_id = "acc-456", .limit = 10});
  ASSERT_TRUE(debit.has_value());
  ASSERT_EQ(debit->size(), 1u);
  EXPECT_EQ(debit->front().transfer_id, "trf-port-1");
  EXPECT_EQ(debit->front().direction, "debit");
  EXPECT_EQ(debit->front().amount_minor, 1'234);
  EXPECT_EQ(debit->front().balance_after_minor, 5'000'000 - 1'234);
  EXPECT_EQ(debit->front().counterparty, "acc-789");
  EXPECT_EQ(debit->front().description, "renta");
  EXPECT_EQ(debit->front().timestamp_ms, 5'000);
  auto credit = reader.tx().accounts().history({.user_id = "user-456", .limit = 10});
  ASSERT_TRUE(credit.has_value());
  ASSERT_EQ(credit->size(), 1u);
  EXPECT_EQ(credit->front().direction, "credit");
  EXPECT_EQ(credit->front().counterparty, "****0456");
}

TEST_P(PortTest, HistoryIsNewestFirstWithAnInclusiveFromAnExclusiveToAndAStrictCursor) {
  // Three postings at t = 1000, 2000, 2000 (the tie is ordered by commit sequence).
  for (const std::int64_t at : {1'000, 2'000, 2'000}) {
    write([&](WriteTx& tx) {
      auto src = tx.accounts().load("acc-456");
      auto dst = tx.accounts().load("acc-457");
      const ledger::AccountState& s = **src;
      const ledger::AccountState& d = **dst;
      const std::string transfer_id = "trf-" + std::to_string(at);
      ASSERT_TRUE(tx.accounts().post({.transfer_id = transfer_id,
                                      .kind = "transfer",
                                      .source = &s,
                                      .target = &d,
                                      .amount_minor = 100,
                                      .source_posted_after = s.posted_minor - 100,
                                      .target_posted_after = d.posted_minor + 100,
                                      .timestamp_ms = at}));
    });
  }
  auto reader = store_->reader();
  auto all = reader.tx().accounts().history({.account_id = "acc-456", .limit = 10});
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].timestamp_ms, 2'000);
  EXPECT_EQ((*all)[1].timestamp_ms, 2'000);
  EXPECT_GT((*all)[0].seq, (*all)[1].seq);
  EXPECT_EQ((*all)[2].timestamp_ms, 1'000);
  const auto count = [&](HistoryQuery q) {
    q.account_id = "acc-456";
    q.limit = 10;
    auto r = reader.tx().accounts().history(q);
    EXPECT_TRUE(r.has_value());
    return r ? r->size() : 0u;
  };
  EXPECT_EQ(count({.from_ms = 1'000}), 3u);  // from is inclusive
  EXPECT_EQ(count({.from_ms = 1'001}), 2u);
  EXPECT_EQ(count({.to_ms = 2'000}), 1u);  // to is exclusive
  EXPECT_EQ(count({.to_ms = 2'001}), 3u);
  // Strictly after the first entry's position: the tie's older half and the oldest.
  EXPECT_EQ(count({.before_ms = (*all)[0].timestamp_ms, .before_seq = (*all)[0].seq}), 2u);
  EXPECT_EQ(count({.before_ms = (*all)[1].timestamp_ms, .before_seq = (*all)[1].seq}), 1u);
  auto two = reader.tx().accounts().history({.account_id = "acc-456", .limit = 2});
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->size(), 2u);
}

TEST_P(PortTest, BeneficiariesAreScopedToTheirOwnerAndPagedInAliasOrder) {
  auto reader = store_->reader();
  auto& book = reader.tx().beneficiaries();
  auto mama = book.load("user-123", "ben-123-mama");
  ASSERT_TRUE(mama.has_value() && mama->has_value());
  EXPECT_EQ((*mama)->name, "María López Hernández");
  EXPECT_EQ((*mama)->account_id, "acc-789");
  EXPECT_EQ((*mama)->account_number, "0123456780789");
  auto foreign = book.load("user-123", "ben-456-carlos");
  ASSERT_TRUE(foreign.has_value());
  EXPECT_FALSE(foreign->has_value());  // another person's reads like a missing one
  auto by_alias = book.find_by_alias("user-123", "mama");
  ASSERT_TRUE(by_alias.has_value() && by_alias->has_value());
  EXPECT_EQ((*by_alias)->beneficiary_id, "ben-123-mama");
  auto all = book.of_user("user-123");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 8u);
  EXPECT_EQ(*book.count("user-123"), 8);
  for (std::size_t i = 1; i < all->size(); ++i)
    EXPECT_LT((*all)[i - 1].alias_normalized, (*all)[i].alias_normalized);
  auto first = book.page("user-123", "", "", 3);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 3u);
  auto rest =
      book.page("user-123", first->back().alias_normalized, first->back().beneficiary_id, 10);
  ASSERT_TRUE(rest.has_value());
  ASSERT_EQ(rest->size(), 5u);
  EXPECT_EQ(rest->front().beneficiary_id, (*all)[3].beneficiary_id);
}

TEST_P(PortTest, ABeneficiaryIsInsertedOnceAndItsAliasIsUniquePerPerson) {
  const Beneficiary b{.beneficiary_id = "ben-port-1",
                      .user_id = "user-999",
                      .alias = "Tío",
                      .alias_normalized = "tio",
                      .name = "Tomás Ruiz",
                      .clabe = "012180001234567899",
                      .bank_code = "012",
                      .bank_name = "BBVA MEXICO",
                      .created_ms = 7};
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.beneficiaries().insert(b)); });
  write([&](WriteTx& tx) {
    Beneficiary again = b;
    again.beneficiary_id = "ben-port-2";
    Savepoint sp(tx);
    auto r = tx.beneficiaries().insert(again);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, Error::Kind::kConstraint);
  });
  auto reader = store_->reader();
  auto found = reader.tx().beneficiaries().load("user-999", "ben-port-1");
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->clabe, "012180001234567899");
  EXPECT_FALSE((*found)->account_id.has_value());
  EXPECT_EQ((*found)->account_number, "");
  EXPECT_EQ(*reader.tx().beneficiaries().count("user-999"), 1);
}

TEST_P(PortTest, AnInsertedAccountLoadsBackWithNothingHeld) {
  // name and created_ms are written but no read of the port returns them.
  NewAccount credit = new_account("acc-port-credit", "credit");
  credit.account_number = "4152313400000777";
  credit.name = "Tarjeta";
  credit.posted_minor = -1'500;
  credit.credit_limit_minor = 90'000;
  NewAccount savings = new_account("acc-port-savings", "savings");
  savings.status = "frozen";
  savings.currency = "USD";
  savings.posted_minor = 700;
  write([&](WriteTx& tx) {
    ASSERT_TRUE(tx.accounts().insert(credit));
    ASSERT_TRUE(tx.accounts().insert(savings));
  });
  auto reader = store_->reader();
  auto found_credit = reader.tx().accounts().load("acc-port-credit");
  ASSERT_TRUE(found_credit.has_value()) << found_credit.error().message;
  ASSERT_TRUE(found_credit->has_value());
  EXPECT_EQ((*found_credit)->account_id, "acc-port-credit");
  EXPECT_EQ((*found_credit)->user_id, "user-777");
  EXPECT_EQ((*found_credit)->account_number, "4152313400000777");
  EXPECT_EQ((*found_credit)->type, ledger::AccountType::kCredit);
  EXPECT_TRUE((*found_credit)->active);
  EXPECT_EQ((*found_credit)->currency, "MXN");
  EXPECT_EQ((*found_credit)->posted_minor, -1'500);
  EXPECT_EQ((*found_credit)->held_minor, 0);
  EXPECT_EQ((*found_credit)->credit_limit_minor, 90'000);
  auto found_savings = reader.tx().accounts().load("acc-port-savings");
  ASSERT_TRUE(found_savings.has_value() && found_savings->has_value());
  EXPECT_EQ((*found_savings)->type, ledger::AccountType::kSavings);
  EXPECT_FALSE((*found_savings)->active);
  EXPECT_EQ((*found_savings)->currency, "USD");
  EXPECT_EQ((*found_savings)->posted_minor, 700);
  EXPECT_EQ((*found_savings)->credit_limit_minor, 0);
  auto mine = reader.tx().accounts().of_user("user-777");
  ASSERT_TRUE(mine.has_value());
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[0].account_id, "acc-port-credit");
  EXPECT_EQ((*mine)[1].account_id, "acc-port-savings");
}

TEST_P(PortTest, AnAccountIdTakenAnUnknownTypeOrADebitAccountBelowZeroIsAConstraintError) {
  const NewAccount good = new_account("acc-port-1", "checking");
  NewAccount taken = good;  // acc-456 is user-123's: the id alone is unique
  taken.account_id = "acc-456";
  NewAccount unknown_type = good;
  unknown_type.type = "brokerage";
  NewAccount overdrawn = good;
  overdrawn.posted_minor = -1;
  for (const NewAccount& bad : {taken, unknown_type, overdrawn}) {
    write([&](WriteTx& tx) {
      Savepoint sp(tx);
      auto r = tx.accounts().insert(bad);
      ASSERT_FALSE(r.has_value()) << bad.account_id << " " << bad.type;
      EXPECT_EQ(r.error().kind, Error::Kind::kConstraint) << r.error().message;
    });
  }
  auto reader = store_->reader();
  EXPECT_EQ((*reader.tx().accounts().load("acc-456"))->user_id, "user-123");
  auto none = reader.tx().accounts().load("acc-port-1");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

TEST_P(PortTest, MetaMissesAKeyNeverPutAndAPutReplacesTheValue) {
  {
    auto reader = store_->reader();
    auto missing = reader.tx().meta().get("port.test");
    ASSERT_TRUE(missing.has_value()) << missing.error().message;
    EXPECT_FALSE(missing->has_value());
  }
  write([&](WriteTx& tx) { ASSERT_TRUE(tx.meta().put("port.test", "first")); });
  write([&](WriteTx& tx) {
    ASSERT_TRUE(tx.meta().put("port.test", "second"));
    ASSERT_TRUE(tx.meta().put("port.other", ""));
  });
  auto reader = store_->reader();
  auto value = reader.tx().meta().get("port.test");
  ASSERT_TRUE(value.has_value() && value->has_value());
  EXPECT_EQ(**value, "second");
  auto empty = reader.tx().meta().get("port.other");
  ASSERT_TRUE(empty.has_value() && empty->has_value());
  EXPECT_EQ(**empty, "");
}

TEST_P(PortTest, TheDemoIsMarkedLoadedAndASecondLoadChangesNothing) {
  std::string marker;
  {
    auto reader = store_->reader();
    auto loaded = reader.tx().meta().get("demo_loaded");
    ASSERT_TRUE(loaded.has_value() && loaded->has_value());
    marker = **loaded;
    EXPECT_FALSE(marker.empty());
  }
  // A balance moved after the first load must survive a second one.
  write([&](WriteTx& tx) {
    auto src = tx.accounts().load("acc-456");
    auto dst = tx.accounts().load("acc-457");
    ASSERT_TRUE(tx.accounts().post({.transfer_id = "trf-port-demo",
                                    .kind = "transfer",
                                    .source = &**src,
                                    .target = &**dst,
                                    .amount_minor = 100,
                                    .source_posted_after = (*src)->posted_minor - 100,
                                    .target_posted_after = (*dst)->posted_minor + 100,
                                    .timestamp_ms = 9}));
  });
  auto again = load_demo(*store_);
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_FALSE(*again);
  auto reader = store_->reader();
  EXPECT_EQ(**reader.tx().meta().get("demo_loaded"), marker);
  EXPECT_EQ((*reader.tx().accounts().load("acc-456"))->posted_minor, 5'000'000 - 100);
  EXPECT_EQ(*reader.tx().beneficiaries().count("user-123"), 8);
}

INSTANTIATE_TEST_SUITE_P(Stores, PortTest, ::testing::ValuesIn(testing::backends()),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace centli::store
