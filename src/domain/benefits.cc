#include "domain/benefits.h"

#include <algorithm>
#include <set>
#include <utility>

#include "domain/money.h"
#include "util/limits.h"

namespace centli::benefits {
namespace {

static_assert(limits::kBenefitOptionsPerAccountMax ==
                  3 + kMsiTermsMonths.size() + limits::kPromotionsMax,
              "options per account: full, cashback, points, each MSI term, each promotion");

using Unexpected = std::unexpected<std::string>;

// Digits of `v` with a comma every three from the right: 1234567 -> "1,234,567".
std::string group_thousands(std::uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

bool category_matches(const std::string& rule_category, const Product& product) {
  return rule_category.empty() || rule_category == product.category;
}

bool type_matches(const std::optional<AccountType>& rule_type, const Account& account) {
  return !rule_type || *rule_type == account.type;
}

bool rate_valid(std::int32_t rate_bp) { return rate_bp >= 0 && rate_bp <= kBasisPointsWhole; }

std::expected<void, std::string> validate_cashback(const std::vector<CashbackRule>& rules) {
  if (rules.size() > limits::kCashbackRulesMax) return Unexpected("too many cashback rules");
  for (const CashbackRule& rule : rules) {
    if (!rate_valid(rule.rate_bp)) return Unexpected("cashback rate_bp must be 0..10000");
    if (rule.cap_minor < 0) return Unexpected("cashback cap_minor must not be negative");
  }
  return {};
}

std::expected<void, std::string> validate_msi(const MsiRule& rule) {
  if (rule.months.empty()) return Unexpected("msi months must not be empty");
  std::set<int> seen;
  for (const int months : rule.months) {
    if (std::ranges::find(kMsiTermsMonths, months) == kMsiTermsMonths.end()) {
      return Unexpected("msi months must be among 3, 6, 9, 12, 18");
    }
    if (!seen.insert(months).second) return Unexpected("msi months must be distinct");
  }
  if (rule.min_amount_minor < 0) return Unexpected("msi min_amount_minor must not be negative");
  return {};
}

std::expected<void, std::string> validate_points(const PointsRule& rule) {
  if (rule.points_per_peso < 1 || rule.points_per_peso > limits::kPointsPerPesoMax) {
    return Unexpected("points_per_peso must be 1.." + std::to_string(limits::kPointsPerPesoMax));
  }
  return {};
}

std::expected<void, std::string> validate_promotion(const Promotion& promotion) {
  if (promotion.promotion_id.empty() || promotion.promotion_id.size() > limits::kIdMax) {
    return Unexpected("promotion_id must be 1.." + std::to_string(limits::kIdMax) + " characters");
  }
  if (promotion.description.size() > limits::kPromotionDescriptionMax) {
    return Unexpected("promotion description is too long");
  }
  if (promotion.kind == Promotion::Kind::kPercent && !rate_valid(promotion.percent_bp)) {
    return Unexpected("promotion percent_bp must be 0..10000");
  }
  if (promotion.kind == Promotion::Kind::kFixed && promotion.fixed_minor < 0) {
    return Unexpected("promotion fixed_minor must not be negative");
  }
  if (promotion.min_amount_minor < 0) {
    return Unexpected("promotion min_amount_minor must not be negative");
  }
  if (promotion.valid_from_ms >= promotion.valid_to_ms) {
    return Unexpected("promotion valid_from_ms must be before valid_to_ms");
  }
  return {};
}

std::expected<void, std::string> validate_promotions(const std::vector<Promotion>& promotions) {
  if (promotions.size() > limits::kPromotionsMax) return Unexpected("too many promotions");
  std::set<std::string_view> ids;
  for (const Promotion& promotion : promotions) {
    if (auto valid = validate_promotion(promotion); !valid) return valid;
    if (!ids.insert(promotion.promotion_id).second) {
      return Unexpected("promotion_id must be unique: " + promotion.promotion_id);
    }
  }
  return {};
}

// An option paying `subtotal - discount` from `account`; the caller fills in its benefit.
Option make_option(Option::Kind kind, std::string option_id, const Account& account,
                   std::int64_t subtotal_minor, std::int64_t discount_minor) {
  Option option;
  option.option_id = std::move(option_id);
  option.kind = kind;
  option.account_id = account.account_id;
  option.subtotal_minor = subtotal_minor;
  option.discount_minor = discount_minor;
  // Cannot overflow: 0 <= discount <= subtotal.
  option.total_minor = subtotal_minor - discount_minor;
  option.affordable = option.total_minor <= account.available_minor;
  return option;
}

// Ends the summary sentence; an unaffordable option says why.
void finish_summary(Option& option, const Account& account) {
  if (!option.affordable) {
    option.summary +=
        ", pero el saldo disponible de " + format_pesos(account.available_minor) + " no alcanza";
  }
  option.summary += ".";
}

std::string on_account(const Account& account) {
  if (!account.last4.empty()) return " con la cuenta con terminación " + account.last4;
  return " con la cuenta " + account.account_id;
}

Option full_payment_option(const Account& account, std::int64_t subtotal_minor) {
  Option option = make_option(Option::Kind::kFullPayment, "full:" + account.account_id, account,
                              subtotal_minor, 0);
  option.summary =
      "Pagas " + format_pesos(option.total_minor) + " en una sola exhibición" + on_account(account);
  return option;
}

// The largest cashback any matching rule gives; ties go to the earlier rule, which gives the
// same amount. nullopt on overflow.
std::optional<std::int64_t> best_cashback_minor(const Product& product, const Account& account,
                                                const RetailerRules& rules,
                                                std::int64_t subtotal_minor) {
  std::int64_t best_minor = 0;
  for (const CashbackRule& rule : rules.cashback) {
    if (!category_matches(rule.category, product) || !type_matches(rule.account_type, account)) {
      continue;
    }
    const auto amount =
        money::mul_div_round_half_up(subtotal_minor, rule.rate_bp, kBasisPointsWhole);
    if (!amount) return std::nullopt;
    best_minor = std::max(best_minor, std::min(*amount, rule.cap_minor));
  }
  return best_minor;
}

std::optional<Option> cashback_option(const Account& account, std::int64_t subtotal_minor,
                                      std::int64_t cashback_minor) {
  if (cashback_minor == 0) return std::nullopt;
  Option option = make_option(Option::Kind::kCashback, "cashback:" + account.account_id, account,
                              subtotal_minor, 0);
  option.cashback_minor = cashback_minor;
  option.saving_minor = cashback_minor;
  option.summary = "Pagas " + format_pesos(option.total_minor) + on_account(account) +
                   " y recibes " + format_pesos(cashback_minor) + " de cashback";
  return option;
}

// MSI options for a credit account, longest term first is left to the ranking.
void append_msi_options(const Account& account, const RetailerRules& rules,
                        std::int64_t subtotal_minor, std::vector<Option>& out) {
  if (!rules.msi || account.type != AccountType::kCredit) return;
  if (subtotal_minor < rules.msi->min_amount_minor) return;
  for (const int months : rules.msi->months) {
    // Every installment is at least one centavo.
    if (subtotal_minor < months) continue;
    Option option =
        make_option(Option::Kind::kMsi, "msi-" + std::to_string(months) + ":" + account.account_id,
                    account, subtotal_minor, 0);
    option.months = months;
    option.installment_rest_minor = option.total_minor / months;
    option.installment_first_minor = option.installment_rest_minor + option.total_minor % months;
    option.summary = "Pagas " + format_pesos(option.total_minor) + " a " + std::to_string(months) +
                     " meses sin intereses" + on_account(account);
    if (option.installment_first_minor == option.installment_rest_minor) {
      option.summary += ": " + std::to_string(months) + " pagos mensuales de " +
                        format_pesos(option.installment_rest_minor);
    } else {
      option.summary += ": un primer pago de " + format_pesos(option.installment_first_minor) +
                        " y " + std::to_string(months - 1) + " de " +
                        format_pesos(option.installment_rest_minor);
    }
    out.push_back(std::move(option));
  }
}

// The promotion's option, nullopt when it does not apply or is worth nothing.
std::optional<Option> promotion_option(const Product& product, const Account& account,
                                       const Promotion& promotion, std::int64_t subtotal_minor,
                                       std::int64_t now_ms) {
  if (now_ms < promotion.valid_from_ms || now_ms >= promotion.valid_to_ms) return std::nullopt;
  if (subtotal_minor < promotion.min_amount_minor) return std::nullopt;
  if (!category_matches(promotion.category, product)) return std::nullopt;
  std::int64_t discount_minor = 0;
  if (promotion.kind == Promotion::Kind::kPercent) {
    // Cannot overflow: percent_bp <= 10,000, so the result is at most the subtotal.
    discount_minor =
        *money::mul_div_round_half_up(subtotal_minor, promotion.percent_bp, kBasisPointsWhole);
  } else {
    discount_minor = std::min(promotion.fixed_minor, subtotal_minor);
  }
  if (discount_minor == 0) return std::nullopt;
  Option option = make_option(Option::Kind::kPromotion,
                              "promo-" + promotion.promotion_id + ":" + account.account_id, account,
                              subtotal_minor, discount_minor);
  option.saving_minor = discount_minor;
  const std::string& label =
      promotion.description.empty() ? promotion.promotion_id : promotion.description;
  option.summary = "Con la promoción \"" + label + "\" pagas " + format_pesos(option.total_minor) +
                   " en vez de " + format_pesos(subtotal_minor) + on_account(account) +
                   " y ahorras " + format_pesos(discount_minor);
  return option;
}

// The points option, nullopt when the rule does not apply or earns nothing; kOverflow when the
// points or their value do not fit int64.
std::expected<std::optional<Option>, BenefitsError> points_option(const Account& account,
                                                                  const RetailerRules& rules,
                                                                  std::int64_t subtotal_minor) {
  if (!rules.points || !type_matches(rules.points->account_type, account)) return std::nullopt;
  const auto points = money::mul(subtotal_minor / kMinorPerPeso, rules.points->points_per_peso);
  if (!points) return std::unexpected(BenefitsError::kOverflow);
  if (*points == 0) return std::nullopt;
  const auto value_minor = money::mul(*points, kPointValueMinor);
  if (!value_minor) return std::unexpected(BenefitsError::kOverflow);
  Option option = make_option(Option::Kind::kPoints, "points:" + account.account_id, account,
                              subtotal_minor, 0);
  option.points = *points;
  option.saving_minor = *value_minor;
  option.summary = "Pagas " + format_pesos(option.total_minor) + on_account(account) +
                   " y acumulas " + group_thousands(static_cast<std::uint64_t>(*points)) +
                   (*points == 1 ? " punto" : " puntos");
  return option;
}

std::expected<void, BenefitsError> append_account_options(
    const Product& product, const Account& account, const RetailerRules& rules,
    std::int64_t subtotal_minor, std::int64_t now_ms, std::vector<Option>& out) {
  const std::size_t first = out.size();
  out.push_back(full_payment_option(account, subtotal_minor));
  const auto cashback_minor = best_cashback_minor(product, account, rules, subtotal_minor);
  if (!cashback_minor) return std::unexpected(BenefitsError::kOverflow);
  if (auto option = cashback_option(account, subtotal_minor, *cashback_minor)) {
    out.push_back(std::move(*option));
  }
  append_msi_options(account, rules, subtotal_minor, out);
  for (const Promotion& promotion : rules.promotions) {
    if (auto option = promotion_option(product, account, promotion, subtotal_minor, now_ms)) {
      out.push_back(std::move(*option));
    }
  }
  auto points = points_option(account, rules, subtotal_minor);
  if (!points) return std::unexpected(points.error());
  if (*points) out.push_back(std::move(**points));
  for (std::size_t i = first; i < out.size(); ++i) finish_summary(out[i], account);
  return {};
}

// The documented ranking: a strict total order when option ids are distinct.
bool ranks_before(const Option& a, const Option& b) {
  if (a.affordable != b.affordable) return a.affordable;
  if (a.saving_minor != b.saving_minor) return a.saving_minor > b.saving_minor;
  if (a.total_minor != b.total_minor) return a.total_minor < b.total_minor;
  // At equal saving and total, paying later at no interest is worth more than paying now.
  if (a.months != b.months) return a.months > b.months;
  return a.option_id < b.option_id;
}

}  // namespace

std::string_view error_name(BenefitsError error) {
  switch (error) {
    case BenefitsError::kInvalidQuantity:
      return "invalid_quantity";
    case BenefitsError::kQuantityTooLarge:
      return "quantity_too_large";
    case BenefitsError::kInvalidProduct:
      return "invalid_product";
    case BenefitsError::kInvalidRules:
      return "invalid_rules";
    case BenefitsError::kTooManyAccounts:
      return "too_many_accounts";
    case BenefitsError::kNoEligibleAccount:
      return "no_eligible_account";
    case BenefitsError::kOverflow:
      return "overflow";
  }
  return "unknown";
}

std::string_view error_message(BenefitsError error) {
  switch (error) {
    case BenefitsError::kInvalidQuantity:
      return "quantity must be at least 1";
    case BenefitsError::kQuantityTooLarge:
      return "quantity is over the most one purchase allows";
    case BenefitsError::kInvalidProduct:
      return "product price must not be negative";
    case BenefitsError::kInvalidRules:
      return "the retailer's benefit rules are invalid";
    case BenefitsError::kTooManyAccounts:
      return "too many payment accounts in one calculation";
    case BenefitsError::kNoEligibleAccount:
      return "no active account can pay this purchase";
    case BenefitsError::kOverflow:
      return "the purchase amount is too large to calculate";
  }
  return "unknown error";
}

std::expected<void, std::string> validate_rules(const RetailerRules& rules) {
  if (auto valid = validate_cashback(rules.cashback); !valid) return valid;
  if (rules.msi) {
    if (auto valid = validate_msi(*rules.msi); !valid) return valid;
  }
  if (rules.points) {
    if (auto valid = validate_points(*rules.points); !valid) return valid;
  }
  return validate_promotions(rules.promotions);
}

std::expected<std::vector<Option>, BenefitsError> calculate(const Product& product,
                                                            std::int64_t quantity,
                                                            std::span<const Account> accounts,
                                                            const RetailerRules& rules,
                                                            std::int64_t now_ms) {
  using Error = std::unexpected<BenefitsError>;
  if (quantity < 1) return Error(BenefitsError::kInvalidQuantity);
  if (quantity > limits::kPurchaseQuantityMax) return Error(BenefitsError::kQuantityTooLarge);
  if (product.price_minor < 0) return Error(BenefitsError::kInvalidProduct);
  if (!validate_rules(rules)) return Error(BenefitsError::kInvalidRules);
  if (accounts.size() > limits::kPaymentAccountsMax) {
    return Error(BenefitsError::kTooManyAccounts);
  }
  if (std::ranges::none_of(accounts, &Account::active)) {
    return Error(BenefitsError::kNoEligibleAccount);
  }
  const auto subtotal_minor = money::mul(product.price_minor, quantity);
  if (!subtotal_minor) return Error(BenefitsError::kOverflow);
  std::vector<Option> options;
  for (const Account& account : accounts) {
    if (!account.active) continue;
    auto appended =
        append_account_options(product, account, rules, *subtotal_minor, now_ms, options);
    if (!appended) return Error(appended.error());
  }
  std::ranges::stable_sort(options, ranks_before);
  return options;
}

const Option* find_option(std::span<const Option> options, std::string_view option_id) {
  const auto it = std::ranges::find(options, option_id, &Option::option_id);
  return it == options.end() ? nullptr : &*it;
}

std::string format_pesos(std::int64_t amount_minor) {
  const bool negative = amount_minor < 0;
  // Unsigned so that INT64_MIN formats without overflow.
  const std::uint64_t v = negative ? (~static_cast<std::uint64_t>(amount_minor) + 1)
                                   : static_cast<std::uint64_t>(amount_minor);
  const unsigned cents = static_cast<unsigned>(v % 100);
  std::string out = negative ? "-$" : "$";
  out += group_thousands(v / 100);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + cents / 10));
  out.push_back(static_cast<char>('0' + cents % 10));
  return out;
}

}  // namespace centli::benefits
