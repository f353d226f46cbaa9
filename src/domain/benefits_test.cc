#include "domain/benefits.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "util/limits.h"

namespace centli::benefits {
namespace {

constexpr std::int64_t kNowMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

Account checking(std::string id, std::int64_t available_minor) {
  return Account{std::move(id), AccountType::kChecking, available_minor, true};
}
Account savings(std::string id, std::int64_t available_minor) {
  return Account{std::move(id), AccountType::kSavings, available_minor, true};
}
Account credit(std::string id, std::int64_t available_minor) {
  return Account{std::move(id), AccountType::kCredit, available_minor, true};
}
Account inactive(Account account) {
  account.active = false;
  return account;
}

Product audio(std::int64_t price_minor) {
  return Product{"prd-1", "ret-1", "audio", price_minor, 10};
}

Promotion percent_promo(std::string id, std::int32_t percent_bp) {
  Promotion promotion;
  promotion.promotion_id = std::move(id);
  promotion.description = "Buen Fin";
  promotion.kind = Promotion::Kind::kPercent;
  promotion.percent_bp = percent_bp;
  promotion.valid_from_ms = kNowMs - kDayMs;
  promotion.valid_to_ms = kNowMs + kDayMs;
  return promotion;
}

Promotion fixed_promo(std::string id, std::int64_t fixed_minor) {
  Promotion promotion = percent_promo(std::move(id), 0);
  promotion.kind = Promotion::Kind::kFixed;
  promotion.fixed_minor = fixed_minor;
  return promotion;
}

Promotion with_window(Promotion promotion, std::int64_t from_ms, std::int64_t to_ms) {
  promotion.valid_from_ms = from_ms;
  promotion.valid_to_ms = to_ms;
  return promotion;
}

Promotion with_min(Promotion promotion, std::int64_t min_amount_minor) {
  promotion.min_amount_minor = min_amount_minor;
  return promotion;
}

Promotion with_category(Promotion promotion, std::string category) {
  promotion.category = std::move(category);
  return promotion;
}

// The figures one option must show exactly. Fields left out are expected to be zero.
struct Want {
  std::string option_id = {};
  std::int64_t total_minor = 0;
  std::int64_t saving_minor = 0;
  std::int64_t discount_minor = 0;
  std::int64_t cashback_minor = 0;
  std::int64_t points = 0;
  int months = 0;
  std::int64_t installment_first_minor = 0;
  std::int64_t installment_rest_minor = 0;
  bool affordable = true;
};

struct Case {
  std::string name = {};  // the sentence, in CamelCase
  Product product = {};
  std::int64_t quantity = 1;
  std::vector<Account> accounts = {};
  RetailerRules rules = {};
  std::int64_t now_ms = kNowMs;
  std::optional<BenefitsError> error = std::nullopt;  // when set, no options are checked
  std::vector<std::string> ranked_ids = {};           // the whole answer, in order
  std::vector<Want> wants = {};                       // figures of some of those options
};

const std::int64_t k1000 = 100'000;  // $1,000.00

const std::vector<Account> kDebit = {checking("acc-456", 500'000)};
const std::vector<Account> kCard = {credit("acc-458", 500'000)};

std::vector<Case> quantity_cases() {
  return {
      {.name = "OffersOnlyFullPaymentWithoutRules",
       .product = audio(k1000),
       .accounts = kDebit,
       .ranked_ids = {"full:acc-456"},
       .wants = {{.option_id = "full:acc-456", .total_minor = k1000}}},
      {.name = "MultipliesPriceByQuantity",
       .product = audio(12'345),
       .quantity = 3,
       .accounts = kDebit,
       .ranked_ids = {"full:acc-456"},
       .wants = {{.option_id = "full:acc-456", .total_minor = 37'035}}},
      {.name = "RejectsQuantityZero",
       .product = audio(k1000),
       .quantity = 0,
       .accounts = kDebit,
       .error = BenefitsError::kInvalidQuantity},
      {.name = "RejectsNegativeQuantity",
       .product = audio(k1000),
       .quantity = -1,
       .accounts = kDebit,
       .error = BenefitsError::kInvalidQuantity},
      {.name = "AcceptsQuantityAtTheMax",
       .product = audio(100),
       .quantity = limits::kPurchaseQuantityMax,
       .accounts = kDebit,
       .ranked_ids = {"full:acc-456"},
       .wants = {{.option_id = "full:acc-456", .total_minor = 100 * limits::kPurchaseQuantityMax}}},
      {.name = "RejectsQuantityOneOverTheMax",
       .product = audio(100),
       .quantity = limits::kPurchaseQuantityMax + 1,
       .accounts = kDebit,
       .error = BenefitsError::kQuantityTooLarge},
      {.name = "RejectsSubtotalThatOverflows",
       .product = audio(kInt64Max / 2),
       .quantity = 3,
       .accounts = kDebit,
       .error = BenefitsError::kOverflow},
      {.name = "RejectsNegativePrice",
       .product = audio(-1),
       .accounts = kDebit,
       .error = BenefitsError::kInvalidProduct},
  };
}

std::vector<Case> account_cases() {
  return {
      {.name = "RejectsWhenEveryAccountIsInactive",
       .product = audio(k1000),
       .accounts = {inactive(checking("acc-456", 500'000))},
       .error = BenefitsError::kNoEligibleAccount},
      {.name = "RejectsWhenNoAccountIsGiven",
       .product = audio(k1000),
       .error = BenefitsError::kNoEligibleAccount},
      {.name = "SkipsInactiveAccounts",
       .product = audio(k1000),
       .accounts = {inactive(checking("acc-455", 500'000)), checking("acc-456", 500'000)},
       .ranked_ids = {"full:acc-456"}},
      {.name = "RejectsMoreAccountsThanTheMax",
       .product = audio(k1000),
       .accounts = std::vector<Account>(limits::kPaymentAccountsMax + 1, checking("acc", 1)),
       .error = BenefitsError::kTooManyAccounts},
  };
}

std::vector<Case> cashback_cases() {
  return {
      {.name = "PaysCashbackAsRateTimesSubtotal",
       .product = audio(k1000),
       .accounts = kDebit,
       .rules = {.cashback = {{.rate_bp = 500, .cap_minor = k1000}}},
       .ranked_ids = {"cashback:acc-456", "full:acc-456"},
       .wants = {{.option_id = "cashback:acc-456",
                  .total_minor = k1000,
                  .saving_minor = 5'000,
                  .cashback_minor = 5'000}}},
      {.name = "CapsCashbackPerPurchase",
       .product = audio(k1000),
       .accounts = kDebit,
       .rules = {.cashback = {{.rate_bp = 1'000, .cap_minor = 3'000}}},
       .wants = {{.option_id = "cashback:acc-456",
                  .total_minor = k1000,
                  .saving_minor = 3'000,
                  .cashback_minor = 3'000}}},
      {.name = "RoundsCashbackOfHalfACentavoUp",
       .product = audio(101),  // 0.5 % of $1.01 is $0.00505
       .accounts = kDebit,
       .rules = {.cashback = {{.rate_bp = 50, .cap_minor = k1000}}},
       .wants = {{.option_id = "cashback:acc-456",
                  .total_minor = 101,
                  .saving_minor = 1,
                  .cashback_minor = 1}}},
      {.name = "DropsCashbackThatRoundsToZero",
       .product = audio(49),  // 1 % of $0.49 is $0.0049
       .accounts = kDebit,
       .rules = {.cashback = {{.rate_bp = 100, .cap_minor = k1000}}},
       .ranked_ids = {"full:acc-456"}},
      {.name = "AppliesCreditCashbackOnlyToCreditAccounts",
       .product = audio(k1000),
       .accounts = {checking("acc-456", 500'000), credit("acc-458", 500'000)},
       .rules = {.cashback =
                     {{.account_type = AccountType::kCredit, .rate_bp = 300, .cap_minor = k1000}}},
       .ranked_ids = {"cashback:acc-458", "full:acc-456", "full:acc-458"}},
      {.name = "PicksTheBestMatchingCashbackRule",
       .product = audio(k1000),
       .accounts = kDebit,
       .rules = {.cashback =
                     {{.rate_bp = 200, .cap_minor = k1000},
                      {.category = "audio", .rate_bp = 500, .cap_minor = k1000},
                      {.account_type = AccountType::kCredit, .rate_bp = 1'000, .cap_minor = k1000},
                      {.category = "hogar", .rate_bp = 900, .cap_minor = k1000}}},
       .wants = {{.option_id = "cashback:acc-456",
                  .total_minor = k1000,
                  .saving_minor = 5'000,
                  .cashback_minor = 5'000}}},
      {.name = "IgnoresCashbackForAnotherCategory",
       .product = audio(k1000),
       .accounts = kDebit,
       .rules = {.cashback = {{.category = "hogar", .rate_bp = 500, .cap_minor = k1000}}},
       .ranked_ids = {"full:acc-456"}},
  };
}

std::vector<Case> msi_cases() {
  return {
      {.name = "PutsTheMsiRemainderOnTheFirstInstallment",
       .product = audio(k1000),
       .accounts = kCard,
       .rules = {.msi = MsiRule{.months = {3}, .min_amount_minor = 0}},
       .ranked_ids = {"msi-3:acc-458", "full:acc-458"},
       .wants = {{.option_id = "msi-3:acc-458",
                  .total_minor = k1000,
                  .months = 3,
                  .installment_first_minor = 33'334,
                  .installment_rest_minor = 33'333}}},
      {.name = "PutsSeveralRemainderCentavosOnTheFirstInstallment",
       .product = audio(k1000),  // 100,000 = 18 * 5,555 + 10
       .accounts = kCard,
       .rules = {.msi = MsiRule{.months = {18}, .min_amount_minor = 0}},
       .wants = {{.option_id = "msi-18:acc-458",
                  .total_minor = k1000,
                  .months = 18,
                  .installment_first_minor = 5'565,
                  .installment_rest_minor = 5'555}}},
      {.name = "SplitsMsiEvenlyWhenThereIsNoRemainder",
       .product = audio(120'000),
       .accounts = kCard,
       .rules = {.msi = MsiRule{.months = {6}, .min_amount_minor = 0}},
       .wants = {{.option_id = "msi-6:acc-458",
                  .total_minor = 120'000,
                  .months = 6,
                  .installment_first_minor = 20'000,
                  .installment_rest_minor = 20'000}}},
      {.name = "OffersMsiOnlyOnCreditAccounts",
       .product = audio(k1000),
       .accounts = {checking("acc-456", 500'000), savings("acc-457", 500'000)},
       .rules = {.msi = MsiRule{.months = {3, 6}, .min_amount_minor = 0}},
       .ranked_ids = {"full:acc-456", "full:acc-457"}},
      {.name = "OffersMsiAtExactlyTheMinimumAmount",
       .product = audio(k1000),
       .accounts = kCard,
       .rules = {.msi = MsiRule{.months = {3}, .min_amount_minor = k1000}},
       .ranked_ids = {"msi-3:acc-458", "full:acc-458"}},
      {.name = "WithholdsMsiOneCentavoBelowTheMinimumAmount",
       .product = audio(k1000 - 1),
       .accounts = kCard,
       .rules = {.msi = MsiRule{.months = {3}, .min_amount_minor = k1000}},
       .ranked_ids = {"full:acc-458"}},
      {.name = "WithholdsMsiWhenAnInstallmentWouldBeZero",
       .product = audio(5),
       .accounts = kCard,
       .rules = {.msi = MsiRule{.months = {3, 6}, .min_amount_minor = 0}},
       .ranked_ids = {"msi-3:acc-458", "full:acc-458"}},
      {.name = "RanksOfferedMsiTermsLongestFirst",
       .product = audio(k1000),
       .accounts = kCard,
       .rules = {.msi = MsiRule{.months = {3, 12, 6}, .min_amount_minor = 0}},
       .ranked_ids = {"msi-12:acc-458", "msi-6:acc-458", "msi-3:acc-458", "full:acc-458"}},
      {.name = "RejectsAnMsiTermTheEngineDoesNotKnow",
       .product = audio(k1000),
       .accounts = kCard,
       .rules = {.msi = MsiRule{.months = {4}, .min_amount_minor = 0}},
       .error = BenefitsError::kInvalidRules},
  };
}

std::vector<Case> promotion_cases() {
  return {
      {.name = "AppliesAPromotionAtTheStartOfItsWindow",
       .product = audio(k1000),
       .accounts = kDebit,
       .rules = {.promotions = {with_window(percent_promo("bf", 1'000), kNowMs, kNowMs + 1)}},
       .ranked_ids = {"promo-bf:acc-456", "full:acc-456"},
       .wants = {{.option_id = "promo-bf:acc-456",
                  .total_minor = 90'000,
                  .saving_minor = 10'000,
                  .discount_minor = 10'000}}},
      {.name = "EndsAPromotionAtTheEndOfItsWindow",
       .product = audio(k1000),
       .accounts = kDebit,
       .rules = {.promotions = {with_window(percent_promo("bf", 1'000), kNowMs - 1, kNowMs)}},
       .ranked_ids = {"full:acc-456"}},
      {.name = "HoldsAPromotionBeforeItsWindow",
       .product = audio(k1000),
       .accounts = kDebit,
       .rules = {.promotions = {with_window(percent_promo("bf", 1'000), kNowMs + 1,
                                            kNowMs + kDayMs)}},
       .ranked_ids = {"full:acc-456"}},
      {.name = "RoundsAPromotionOfHalfACentavoUp",
       .product = audio(100'004),  // 12.5 % of $1,000.04 is $125.005
       .accounts = kDebit,
       .rules = {.promotions = {percent_promo("bf", 1'250)}},
       .wants = {{.option_id = "promo-bf:acc-456",
                  .total_minor = 87'503,
                  .saving_minor = 12'501,
                  .discount_minor = 12'501}}},
      {.name = "NeverDiscountsMoreThanTheSubtotal",
       .product = audio(3'000),
       .accounts = kDebit,
       .rules = {.promotions = {fixed_promo("cupon", 5'000)}},
       .wants = {{.option_id = "promo-cupon:acc-456",
                  .total_minor = 0,
                  .saving_minor = 3'000,
                  .discount_minor = 3'000}}},
      {.name = "AppliesAPromotionAtExactlyItsMinimumAmount",
       .product = audio(k1000),
       .accounts = kDebit,
       .rules = {.promotions = {with_min(fixed_promo("cupon", 5'000), k1000)}},
       .ranked_ids = {"promo-cupon:acc-456", "full:acc-456"}},
      {.name = "WithholdsAPromotionOneCentavoBelowItsMinimum",
       .product = audio(k1000 - 1),
       .accounts = kDebit,
       .rules = {.promotions = {with_min(fixed_promo("cupon", 5'000), k1000)}},
       .ranked_ids = {"full:acc-456"}},
      {.name = "IgnoresAPromotionForAnotherCategory",
       .product = audio(k1000),
       .accounts = kDebit,
       .rules = {.promotions = {with_category(percent_promo("bf", 1'000), "hogar")}},
       .ranked_ids = {"full:acc-456"}},
      {.name = "RejectsPromotionsWithTheSameId",
       .product = audio(k1000),
       .accounts = kDebit,
       .rules = {.promotions = {percent_promo("bf", 1'000), fixed_promo("bf", 100)}},
       .error = BenefitsError::kInvalidRules},
  };
}

std::vector<Case> points_cases() {
  return {
      {.name = "EarnsPointsPerWholePesoOfTheTotal",
       .product = audio(100'099),  // $1,000.99 earns on 1,000 pesos
       .accounts = kCard,
       .rules = {.points = PointsRule{.points_per_peso = 2}},
       .ranked_ids = {"points:acc-458", "full:acc-458"},
       .wants = {{.option_id = "points:acc-458",
                  .total_minor = 100'099,
                  .saving_minor = 2'000 * kPointValueMinor,
                  .points = 2'000}}},
      {.name = "EarnsNoPointsUnderOnePeso",
       .product = audio(99),
       .accounts = kCard,
       .rules = {.points = PointsRule{.points_per_peso = 5}},
       .ranked_ids = {"full:acc-458"}},
      {.name = "AppliesCreditPointsOnlyToCreditAccounts",
       .product = audio(k1000),
       .accounts = {savings("acc-457", 500'000)},
       .rules = {.points = PointsRule{.points_per_peso = 1, .account_type = AccountType::kCredit}},
       .ranked_ids = {"full:acc-457"}},
      {.name = "RejectsPointsWhoseValueOverflows",
       .product = audio(kInt64Max),
       .accounts = kCard,
       .rules = {.points = PointsRule{.points_per_peso = limits::kPointsPerPesoMax}},
       .error = BenefitsError::kOverflow},
  };
}

std::vector<Case> ranking_cases() {
  return {
      {.name = "RanksUnaffordableOptionsLast",
       .product = audio(k1000),
       .accounts = {checking("acc-456", 50'000), credit("acc-458", 200'000)},
       .rules = {.cashback = {{.rate_bp = 500, .cap_minor = k1000}}},
       .ranked_ids = {"cashback:acc-458", "full:acc-458", "cashback:acc-456", "full:acc-456"},
       .wants = {{.option_id = "cashback:acc-456",
                  .total_minor = k1000,
                  .saving_minor = 5'000,
                  .cashback_minor = 5'000,
                  .affordable = false}}},
      {.name = "AffordsATotalEqualToTheAvailableAmount",
       .product = audio(k1000),
       .accounts = {checking("acc-456", k1000)},
       .wants = {{.option_id = "full:acc-456", .total_minor = k1000, .affordable = true}}},
      {.name = "AffordsAPromotionThatBringsTheTotalWithinReach",
       .product = audio(k1000),
       .accounts = {checking("acc-456", 90'000)},
       .rules = {.promotions = {percent_promo("bf", 1'000)}},
       .ranked_ids = {"promo-bf:acc-456", "full:acc-456"}},
      {.name = "RanksEqualSavingByLowerTotal",
       .product = audio(k1000),
       .accounts = kDebit,
       .rules = {.cashback = {{.rate_bp = 1'000, .cap_minor = k1000}},
                 .promotions = {percent_promo("bf", 1'000)}},
       .ranked_ids = {"promo-bf:acc-456", "cashback:acc-456", "full:acc-456"}},
      {.name = "RanksMoneySavedBeforeMsi",
       .product = audio(k1000),
       .accounts = kCard,
       .rules = {.cashback = {{.rate_bp = 1, .cap_minor = k1000}},
                 .msi = MsiRule{.months = {3}, .min_amount_minor = 0},
                 .points = PointsRule{.points_per_peso = 1}},
       .ranked_ids = {"points:acc-458", "cashback:acc-458", "msi-3:acc-458", "full:acc-458"}},
      {.name = "BreaksFullTiesByOptionId",
       .product = audio(k1000),
       .accounts = {checking("acc-b", 500'000), checking("acc-a", 500'000)},
       .ranked_ids = {"full:acc-a", "full:acc-b"}},
  };
}

std::vector<Case> cases() {
  std::vector<Case> all;
  for (auto group : {quantity_cases, account_cases, cashback_cases, msi_cases, promotion_cases,
                     points_cases, ranking_cases}) {
    for (Case& c : group()) all.push_back(std::move(c));
  }
  return all;
}

class BenefitsTable : public testing::TestWithParam<Case> {};

void expect_option(const Option& got, const Want& want) {
  EXPECT_EQ(got.total_minor, want.total_minor);
  EXPECT_EQ(got.subtotal_minor - got.discount_minor, got.total_minor);
  EXPECT_EQ(got.saving_minor, want.saving_minor);
  EXPECT_EQ(got.discount_minor, want.discount_minor);
  EXPECT_EQ(got.cashback_minor, want.cashback_minor);
  EXPECT_EQ(got.points, want.points);
  EXPECT_EQ(got.months, want.months);
  EXPECT_EQ(got.installment_first_minor, want.installment_first_minor);
  EXPECT_EQ(got.installment_rest_minor, want.installment_rest_minor);
  EXPECT_EQ(got.affordable, want.affordable);
  if (got.months > 0) {
    EXPECT_EQ(got.installment_first_minor + (got.months - 1) * got.installment_rest_minor,
              got.total_minor);
  }
}

TEST_P(BenefitsTable, Holds) {
  const Case& c = GetParam();
  const auto got = calculate(c.product, c.quantity, c.accounts, c.rules, c.now_ms);
  if (c.error) {
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(error_name(got.error()), error_name(*c.error));
    return;
  }
  ASSERT_TRUE(got.has_value()) << error_name(got.error());
  if (!c.ranked_ids.empty()) {
    std::vector<std::string> ids;
    for (const Option& option : *got) ids.push_back(option.option_id);
    EXPECT_EQ(ids, c.ranked_ids);
  }
  for (const Want& want : c.wants) {
    SCOPED_TRACE(want.option_id);
    const Option* option = find_option(*got, want.option_id);
    ASSERT_NE(option, nullptr);
    expect_option(*option, want);
  }
}

INSTANTIATE_TEST_SUITE_P(BenefitsCalculate, BenefitsTable, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(BenefitsCalculate, ChecksErrorsInTheDocumentedOrder) {
  const Product negative = audio(-1);
  const RetailerRules bad_rules = {.msi = MsiRule{.months = {4}, .min_amount_minor = 0}};
  const std::vector<Account> none;
  const std::vector<Account> too_many(limits::kPaymentAccountsMax + 1, checking("acc", 0));
  struct Row {
    Product product;
    std::int64_t quantity;
    const RetailerRules& rules;
    const std::vector<Account>& accounts;
    BenefitsError want;
  };
  const RetailerRules no_rules;
  const Row rows[] = {
      {negative, 0, bad_rules, none, BenefitsError::kInvalidQuantity},
      {negative, limits::kPurchaseQuantityMax + 1, bad_rules, none,
       BenefitsError::kQuantityTooLarge},
      {negative, 1, bad_rules, none, BenefitsError::kInvalidProduct},
      {audio(kInt64Max), 2, bad_rules, none, BenefitsError::kInvalidRules},
      {audio(kInt64Max), 2, no_rules, too_many, BenefitsError::kTooManyAccounts},
      {audio(kInt64Max), 2, no_rules, none, BenefitsError::kNoEligibleAccount},
  };
  for (const Row& row : rows) {
    const auto got = calculate(row.product, row.quantity, row.accounts, row.rules, kNowMs);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(error_name(got.error()), error_name(row.want));
  }
}

TEST(BenefitsCalculate, GivesTheSameOptionIdsWhenRecalculated) {
  const std::vector<Account> accounts = {credit("acc-458", 500'000), checking("acc-456", 1)};
  const RetailerRules rules = {.cashback = {{.rate_bp = 150, .cap_minor = 10'000}},
                               .msi = MsiRule{.months = {3, 6, 9, 12, 18}, .min_amount_minor = 0},
                               .points = PointsRule{.points_per_peso = 1},
                               .promotions = {percent_promo("bf", 700), fixed_promo("c", 50)}};
  const auto first = calculate(audio(k1000), 2, accounts, rules, kNowMs);
  const auto second = calculate(audio(k1000), 2, accounts, rules, kNowMs);
  ASSERT_TRUE(first && second);
  ASSERT_EQ(first->size(), second->size());
  for (std::size_t i = 0; i < first->size(); ++i) {
    EXPECT_EQ((*first)[i].option_id, (*second)[i].option_id);
    EXPECT_EQ((*first)[i].total_minor, (*second)[i].total_minor);
  }
  EXPECT_NE(find_option(*second, "msi-18:acc-458"), nullptr);
  EXPECT_EQ(find_option(*second, "msi-18:acc-456"), nullptr);
  EXPECT_LE(first->size(), limits::kBenefitOptionsMax);
}

TEST(BenefitsSummary, SaysEachOptionInOneSpanishSentence) {
  const std::vector<Account> accounts = {credit("acc-458", 50'000)};
  const RetailerRules rules = {.cashback = {{.rate_bp = 500, .cap_minor = 100'000}},
                               .msi = MsiRule{.months = {3, 6}, .min_amount_minor = 0},
                               .points = PointsRule{.points_per_peso = 1},
                               .promotions = {percent_promo("bf", 1'000)}};
  const auto got = calculate(audio(120'000), 1, accounts, rules, kNowMs);
  ASSERT_TRUE(got.has_value());
  const struct {
    const char* option_id;
    const char* summary;
  } rows[] = {
      {"full:acc-458",
       "Pagas $1,200.00 en una sola exhibición con la cuenta acc-458, pero el saldo disponible de "
       "$500.00 no alcanza."},
      {"cashback:acc-458",
       "Pagas $1,200.00 con la cuenta acc-458 y recibes $60.00 de cashback, pero el saldo "
       "disponible de $500.00 no alcanza."},
      {"msi-6:acc-458",
       "Pagas $1,200.00 a 6 meses sin intereses con la cuenta acc-458: 6 pagos mensuales de "
       "$200.00, pero el saldo disponible de $500.00 no alcanza."},
      {"promo-bf:acc-458",
       "Con la promoción \"Buen Fin\" pagas $1,080.00 en vez de $1,200.00 con la cuenta acc-458 y "
       "ahorras $120.00, pero el saldo disponible de $500.00 no alcanza."},
      {"points:acc-458",
       "Pagas $1,200.00 con la cuenta acc-458 y acumulas 1,200 puntos, pero el saldo disponible "
       "de $500.00 no alcanza."},
  };
  for (const auto& row : rows) {
    const Option* option = find_option(*got, row.option_id);
    ASSERT_NE(option, nullptr) << row.option_id;
    EXPECT_EQ(option->summary, row.summary);
  }
}

TEST(BenefitsSummary, NamesTheFirstInstallmentWhenItCarriesTheRemainder) {
  const std::vector<Account> accounts = {credit("acc-458", 500'000)};
  const RetailerRules rules = {.msi = MsiRule{.months = {3}, .min_amount_minor = 0}};
  const auto got = calculate(audio(k1000), 1, accounts, rules, kNowMs);
  ASSERT_TRUE(got.has_value());
  const Option* option = find_option(*got, "msi-3:acc-458");
  ASSERT_NE(option, nullptr);
  EXPECT_EQ(option->summary,
            "Pagas $1,000.00 a 3 meses sin intereses con la cuenta acc-458: un primer pago de "
            "$333.34 y 2 de $333.33.");
}

TEST(BenefitsSummary, NamesTheAccountByItsLastFourDigitsWhenKnown) {
  Account account = credit("acc-458", 500'000);
  account.last4 = "0458";
  const std::vector<Account> accounts = {account};
  const auto got = calculate(audio(k1000), 1, accounts, RetailerRules{}, kNowMs);
  ASSERT_TRUE(got.has_value());
  const Option* option = find_option(*got, "full:acc-458");
  ASSERT_NE(option, nullptr);
  EXPECT_EQ(option->summary,
            "Pagas $1,000.00 en una sola exhibición con la cuenta con terminación 0458.");
}

TEST(BenefitsFormat, WritesPesosWithThousandsSeparators) {
  const struct {
    std::int64_t amount_minor;
    const char* want;
  } rows[] = {
      {0, "$0.00"},
      {5, "$0.05"},
      {-5, "-$0.05"},
      {99'999, "$999.99"},
      {123'450, "$1,234.50"},
      {100'000'000, "$1,000,000.00"},
      {kInt64Max, "$92,233,720,368,547,758.07"},
      {std::numeric_limits<std::int64_t>::min(), "-$92,233,720,368,547,758.08"},
  };
  for (const auto& row : rows) EXPECT_EQ(format_pesos(row.amount_minor), row.want);
}

TEST(BenefitsRules, RejectsEachInvalidRule) {
  Promotion open_window = percent_promo("bf", 100);
  open_window.valid_to_ms = open_window.valid_from_ms;
  const struct {
    const char* why;
    RetailerRules rules;
  } rows[] = {
      {"negative cashback rate", {.cashback = {{.rate_bp = -1, .cap_minor = 0}}}},
      {"cashback over 100 %", {.cashback = {{.rate_bp = 10'001, .cap_minor = 0}}}},
      {"negative cashback cap", {.cashback = {{.rate_bp = 100, .cap_minor = -1}}}},
      {"too many cashback rules",
       {.cashback = std::vector<CashbackRule>(limits::kCashbackRulesMax + 1, CashbackRule{})}},
      {"no msi months", {.msi = MsiRule{.months = {}, .min_amount_minor = 0}}},
      {"repeated msi months", {.msi = MsiRule{.months = {3, 3}, .min_amount_minor = 0}}},
      {"negative msi minimum", {.msi = MsiRule{.months = {3}, .min_amount_minor = -1}}},
      {"zero points per peso", {.points = PointsRule{.points_per_peso = 0}}},
      {"points per peso over the max",
       {.points = PointsRule{.points_per_peso = limits::kPointsPerPesoMax + 1}}},
      {"empty promotion id", {.promotions = {percent_promo("", 100)}}},
      {"promotion over 100 %", {.promotions = {percent_promo("bf", 10'001)}}},
      {"negative fixed promotion", {.promotions = {fixed_promo("bf", -1)}}},
      {"empty promotion window", {.promotions = {open_window}}},
      {"negative promotion minimum", {.promotions = {with_min(percent_promo("bf", 1), -1)}}},
  };
  for (const auto& row : rows) EXPECT_FALSE(validate_rules(row.rules).has_value()) << row.why;
  const RetailerRules valid = {.cashback = {{.rate_bp = 10'000, .cap_minor = 0}},
                               .msi = MsiRule{.months = {3, 6, 9, 12, 18}, .min_amount_minor = 0},
                               .points = PointsRule{.points_per_peso = limits::kPointsPerPesoMax},
                               .promotions = {percent_promo("bf", 10'000), fixed_promo("c", 0)}};
  EXPECT_TRUE(validate_rules(valid).has_value());
}

}  // namespace
}  // namespace centli::benefits
