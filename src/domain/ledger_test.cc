#include "domain/ledger.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace centli::ledger {
namespace {

constexpr TransferLimits kLimits{.amount_minor_max = 5'000'000,
                                 .daily_outflow_minor_max = 10'000'000};

AccountState account(std::string id, std::string user, std::int64_t posted_minor) {
  AccountState a;
  a.account_id = std::move(id);
  a.user_id = std::move(user);
  a.account_number = "0000000000" + a.account_id;
  a.currency = "MXN";
  a.posted_minor = posted_minor;
  return a;
}

// One broken rule per flag; a row may break several at once.
struct Breaks {
  bool source_missing = false;
  bool source_foreign = false;   // belongs to someone else
  bool source_internal = false;  // a clearing account
  bool same = false;
  bool target_missing = false;
  bool target_internal = false;
  bool source_frozen = false;
  bool target_frozen = false;
  bool currency_request = false;  // request names USD
  bool currency_target = false;   // target in USD
  bool over_amount_limit = false;
  bool over_daily_limit = false;
  bool no_funds = false;
};

std::expected<TransferPlan, Error> run(const Breaks& b) {
  std::optional<AccountState> source = account("acc-1", "user-a", 100'000);
  std::optional<AccountState> target = account("acc-2", "user-b", 0);
  TransferCheck check{
      .user_id = "user-a", .currency = "MXN", .amount_minor = 50'000, .daily_used_minor = 0};
  if (b.source_foreign) source->user_id = "user-z";
  if (b.source_internal) source->type = AccountType::kClearing;
  if (b.source_frozen) source->active = false;
  if (b.target_internal) target->type = AccountType::kClearing;
  if (b.target_frozen) target->active = false;
  if (b.currency_request) check.currency = "USD";
  if (b.currency_target) target->currency = "USD";
  if (b.over_amount_limit) check.amount_minor = kLimits.amount_minor_max + 1;
  if (b.over_daily_limit) check.daily_used_minor = kLimits.daily_outflow_minor_max - 1;
  if (b.no_funds) source->posted_minor = 0;
  std::string target_id = target->account_id;
  if (b.same) target_id = source->account_id;
  if (b.same) target = source;
  if (b.target_missing) target.reset();
  if (b.source_missing) source.reset();
  return check_transfer(source, target_id, target, check, kLimits);
}

TEST(LedgerTransfer, RefusesWithTheHighestPrecedenceCodeWhenSeveralRulesBreak) {
  const Breaks all{true, false, false, true, true, false, true, true, true, true, true, true, true};
  struct Case {
    std::string_view name;
    Breaks breaks;
    ErrorCode code;
    std::string_view field;
  };
  const Case cases[] = {
      {"missing source beats everything", all, ErrorCode::kAccountNotFound, "from_account"},
      {"foreign source beats same account and frozen",
       {.source_foreign = true, .same = true, .source_frozen = true, .no_funds = true},
       ErrorCode::kAccountNotFound,
       "from_account"},
      {"internal source is not found",
       {.source_internal = true, .target_frozen = true, .over_amount_limit = true},
       ErrorCode::kAccountNotFound,
       "from_account"},
      {"same account beats frozen, currency and funds",
       {.same = true, .source_frozen = true, .currency_request = true, .no_funds = true},
       ErrorCode::kSameAccount,
       "to_account"},
      {"missing target beats frozen source and limits",
       {.target_missing = true, .source_frozen = true, .over_amount_limit = true},
       ErrorCode::kAccountNotFound,
       "to_account"},
      {"internal target is not found",
       {.target_internal = true, .currency_target = true, .no_funds = true},
       ErrorCode::kAccountNotFound,
       "to_account"},
      {"frozen source beats currency and limits",
       {.source_frozen = true, .currency_target = true, .over_daily_limit = true},
       ErrorCode::kAccountInactive,
       "from_account"},
      {"frozen target beats currency and funds",
       {.target_frozen = true, .currency_request = true, .no_funds = true},
       ErrorCode::kAccountInactive,
       "to_account"},
      {"requested currency beats amount limit",
       {.currency_request = true, .over_amount_limit = true, .no_funds = true},
       ErrorCode::kCurrencyMismatch,
       "currency"},
      {"target currency beats daily limit",
       {.currency_target = true, .over_daily_limit = true},
       ErrorCode::kCurrencyMismatch,
       "currency"},
      {"amount limit beats daily limit and funds",
       {.over_amount_limit = true, .over_daily_limit = true, .no_funds = true},
       ErrorCode::kAmountLimitExceeded,
       "amount"},
      {"daily limit beats funds",
       {.over_daily_limit = true, .no_funds = true},
       ErrorCode::kDailyLimitExceeded,
       "amount"},
      {"funds last", {.no_funds = true}, ErrorCode::kInsufficientFunds, "amount"},
  };
  for (const Case& c : cases) {
    const auto got = run(c.breaks);
    ASSERT_FALSE(got.has_value()) << c.name;
    EXPECT_EQ(error_code_name(got.error().code), error_code_name(c.code)) << c.name;
    EXPECT_EQ(got.error().field, c.field) << c.name;
  }
}

TEST(LedgerTransfer, PlansBothBalancesAndTheDailyOutflowWhenEveryRuleHolds) {
  const auto got = run({});
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->source_posted_after, 50'000);
  EXPECT_EQ(got->target_posted_after, 50'000);
  EXPECT_TRUE(got->counts_toward_daily);
  EXPECT_EQ(got->daily_used_after, 50'000);
}

TEST(LedgerTransfer, OwnAccountsDoNotCountTowardTheDailyLimit) {
  const std::optional<AccountState> source = account("acc-1", "user-a", 100'000);
  const std::optional<AccountState> target = account("acc-2", "user-a", 0);
  const TransferCheck check{.user_id = "user-a",
                            .currency = "",
                            .amount_minor = 100'000,
                            .daily_used_minor = kLimits.daily_outflow_minor_max};
  const auto got = check_transfer(source, "acc-2", target, check, kLimits);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_FALSE(got->counts_toward_daily);
  EXPECT_EQ(got->daily_used_after, kLimits.daily_outflow_minor_max);
  EXPECT_EQ(got->source_posted_after, 0);
}

TEST(LedgerTransfer, AllowsExactlyTheLimitsAndTheWholeAvailableBalance) {
  std::optional<AccountState> source = account("acc-1", "user-a", kLimits.amount_minor_max);
  const std::optional<AccountState> target = account("acc-2", "user-b", 0);
  const TransferCheck check{
      .user_id = "user-a",
      .currency = "MXN",
      .amount_minor = kLimits.amount_minor_max,
      .daily_used_minor = kLimits.daily_outflow_minor_max - kLimits.amount_minor_max};
  const auto got = check_transfer(source, "acc-2", target, check, kLimits);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->daily_used_after, kLimits.daily_outflow_minor_max);
  source->held_minor = 1;  // one centavo held leaves one too few available
  EXPECT_EQ(check_transfer(source, "acc-2", target, check, kLimits).error().code,
            ErrorCode::kInsufficientFunds);
}

TEST(LedgerAvailable, CreditAccountsSpendTheirLimitMinusWhatIsOwedAndHeld) {
  AccountState card = account("acc-3", "user-a", -30'000);
  card.type = AccountType::kCredit;
  card.credit_limit_minor = 100'000;
  card.held_minor = 5'000;
  EXPECT_EQ(available_minor(card), 65'000);
  AccountState checking = account("acc-4", "user-a", 30'000);
  checking.held_minor = 5'000;
  EXPECT_EQ(available_minor(checking), 25'000);
}

TEST(LedgerAccountType, ParsesEveryNameItPrints) {
  for (auto t : {AccountType::kChecking, AccountType::kSavings, AccountType::kCredit,
                 AccountType::kClearing, AccountType::kSettlement}) {
    EXPECT_EQ(parse_account_type(account_type_name(t)), t);
  }
  EXPECT_EQ(parse_account_type("Checking"), std::nullopt);
  EXPECT_FALSE(is_customer_account(AccountType::kClearing));
}

}  // namespace
}  // namespace centli::ledger
