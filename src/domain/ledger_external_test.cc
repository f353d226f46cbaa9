// check_transfer with an external target (money to another bank credits the clearing account)
// and with a settlement target (a purchase's payment credits the retailer's account).
#include <gtest/gtest.h>

#include "domain/ledger.h"

namespace centli::ledger {
namespace {

constexpr TransferLimits kLimits{.amount_minor_max = 5'000'000,
                                 .daily_outflow_minor_max = 10'000'000};

AccountState account(std::string id, std::string user, AccountType type, std::int64_t posted) {
  AccountState a;
  a.account_id = std::move(id);
  a.user_id = std::move(user);
  a.account_number = "000000000" + a.account_id;
  a.type = type;
  a.currency = "MXN";
  a.posted_minor = posted;
  return a;
}

const AccountState kSource = account("acc-1", "user-a", AccountType::kChecking, 100'000);
const AccountState kClearing = account("acc-clearing", "bank", AccountType::kClearing, 0);
const AccountState kOwnSavings = account("acc-2", "user-a", AccountType::kSavings, 0);

TransferCheck external(std::int64_t amount_minor, std::int64_t daily_used_minor = 0) {
  return TransferCheck{.user_id = "user-a",
                       .currency = "",
                       .amount_minor = amount_minor,
                       .daily_used_minor = daily_used_minor,
                       .target_kind = TargetKind::kExternal};
}

TEST(LedgerExternalTransfer, CreditsTheClearingAccountAndCountsTowardTheDailyLimit) {
  auto plan =
      check_transfer(kSource, kClearing.account_id, kClearing, external(40'000, 1'000), kLimits);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->source_posted_after, 60'000);
  EXPECT_EQ(plan->target_posted_after, 40'000);
  EXPECT_TRUE(plan->counts_toward_daily);
  EXPECT_EQ(plan->daily_used_after, 41'000);
}

TEST(LedgerExternalTransfer, CountsTowardTheDailyLimitEvenWhenTheClearingAccountIsOwnedAlike) {
  AccountState clearing = kClearing;
  clearing.user_id = "user-a";  // ownership of the clearing account must not exempt the outflow
  auto plan = check_transfer(kSource, clearing.account_id, clearing, external(1'000), kLimits);
  ASSERT_TRUE(plan.has_value());
  EXPECT_TRUE(plan->counts_toward_daily);
}

TEST(LedgerExternalTransfer, RefusesACustomerAccountAsTheExternalTarget) {
  auto plan =
      check_transfer(kSource, kOwnSavings.account_id, kOwnSavings, external(1'000), kLimits);
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, ErrorCode::kAccountNotFound);
  EXPECT_EQ(plan.error().field, "to_account");
}

TEST(LedgerExternalTransfer, StillRefusesTheClearingAccountAsACustomerTarget) {
  TransferCheck check = external(1'000);
  check.target_kind = TargetKind::kCustomerAccount;
  auto plan = check_transfer(kSource, kClearing.account_id, kClearing, check, kLimits);
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, ErrorCode::kAccountNotFound);
}

TEST(LedgerExternalTransfer, KeepsThePrecedenceOfTheDailyLimitOverFunds) {
  AccountState poor = kSource;
  poor.posted_minor = 0;
  auto plan = check_transfer(poor, kClearing.account_id, kClearing,
                             external(2'000, kLimits.daily_outflow_minor_max - 1'000), kLimits);
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, ErrorCode::kDailyLimitExceeded);
}

TEST(LedgerExternalTransfer, RefusesAMissingClearingAccount) {
  auto plan = check_transfer(kSource, "acc-clearing", std::nullopt, external(1'000), kLimits);
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, ErrorCode::kAccountNotFound);
}

const AccountState kSettlement = account("acc-settle", "ret-moda", AccountType::kSettlement, 0);

TransferCheck payment(std::int64_t amount_minor, std::int64_t daily_used_minor = 0) {
  return TransferCheck{.user_id = "user-a",
                       .currency = "MXN",
                       .amount_minor = amount_minor,
                       .daily_used_minor = daily_used_minor,
                       .target_kind = TargetKind::kSettlement};
}

TEST(LedgerPurchasePayment, CreditsTheSettlementAccountAndNeverCountsTowardTheDailyLimit) {
  // Already at the daily limit: a purchase buys something, it is not money to other people.
  auto plan = check_transfer(kSource, kSettlement.account_id, kSettlement,
                             payment(40'000, kLimits.daily_outflow_minor_max), kLimits);
  ASSERT_TRUE(plan.has_value()) << plan.error().message;
  EXPECT_EQ(plan->source_posted_after, 60'000);
  EXPECT_EQ(plan->target_posted_after, 40'000);
  EXPECT_FALSE(plan->counts_toward_daily);
}

TEST(LedgerPurchasePayment, RefusesAnyTargetButASettlementAccount) {
  for (const AccountState* target : {&kClearing, &kOwnSavings}) {
    auto plan = check_transfer(kSource, target->account_id, *target, payment(1'000), kLimits);
    ASSERT_FALSE(plan.has_value());
    EXPECT_EQ(plan.error().code, ErrorCode::kAccountNotFound);
  }
  TransferCheck to_customer = payment(1'000);
  to_customer.target_kind = TargetKind::kCustomerAccount;
  auto plan = check_transfer(kSource, kSettlement.account_id, kSettlement, to_customer, kLimits);
  ASSERT_FALSE(plan.has_value());
  EXPECT_EQ(plan.error().code, ErrorCode::kAccountNotFound);
}

TEST(LedgerPurchasePayment, RefusesWhatATransferRefusesFirstFailureFirst) {
  AccountState frozen = kSource;
  frozen.active = false;
  EXPECT_EQ(check_transfer(frozen, kSettlement.account_id, kSettlement, payment(1'000), kLimits)
                .error()
                .code,
            ErrorCode::kAccountInactive);
  EXPECT_EQ(check_transfer(kSource, kSettlement.account_id, kSettlement,
                           payment(kLimits.amount_minor_max + 1), kLimits)
                .error()
                .code,
            ErrorCode::kAmountLimitExceeded);
  EXPECT_EQ(check_transfer(kSource, kSettlement.account_id, kSettlement, payment(100'001), kLimits)
                .error()
                .code,
            ErrorCode::kInsufficientFunds);
}

}  // namespace
}  // namespace centli::ledger
