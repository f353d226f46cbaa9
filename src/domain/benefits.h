// Purchase benefits: for a product, a quantity and the person's payment accounts, every way of
// paying (full payment, cashback, interest-free installments, points, promotions), each exact to
// the centavo, best first. Pure rules: no I/O, no clock (the caller passes now_ms), no shared
// state; every function here is thread-safe. The rules are written in prose in docs/benefits.md.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace centli::benefits {

// Interest-free installment terms (MSI, "meses sin intereses") the engine knows; a retailer
// offers a subset.
inline constexpr std::array<int, 5> kMsiTermsMonths = {3, 6, 9, 12, 18};
// Value of one loyalty point when options are ranked against money: $0.10.
inline constexpr std::int64_t kPointValueMinor = 10;
// Rates are in basis points: 10,000 bp = 100 %.
inline constexpr std::int64_t kBasisPointsWhole = 10'000;
// Points are earned per whole peso; one peso is 100 centavos.
inline constexpr std::int64_t kMinorPerPeso = 100;

enum class AccountType { kChecking, kSavings, kCredit };

struct Account {
  std::string account_id = {};
  AccountType type = AccountType::kChecking;
  std::int64_t available_minor = 0;  // for credit: the unused credit line
  bool active = true;
  // Last four digits of the account number, for summaries a voice reads ("con terminación
  // 0458"); empty: summaries name the account by its id.
  std::string last4 = {};
};

struct Product {
  std::string product_id = {};
  std::string retailer_id = {};
  std::string category = {};
  std::int64_t price_minor = 0;
  std::int64_t stock = 0;  // not checked here: the purchase saga reserves stock
};

struct CashbackRule {
  std::string category = {};                               // empty: any category
  std::optional<AccountType> account_type = std::nullopt;  // nullopt: any account type
  std::int32_t rate_bp = 0;                                // 0..10,000
  std::int64_t cap_minor = 0;                              // most cashback one purchase earns, >= 0
};

struct MsiRule {
  std::vector<int> months = {};  // distinct terms from kMsiTermsMonths
  std::int64_t min_amount_minor = 0;
};

struct PointsRule {
  std::int32_t points_per_peso = 0;  // per whole peso of the total paid, 1..max
  std::optional<AccountType> account_type = std::nullopt;  // nullopt: any account type
};

struct Promotion {
  enum class Kind { kPercent, kFixed };
  std::string promotion_id = {};  // unique within a retailer, 1..kIdMax characters
  std::string description = {};   // quoted in the option's summary
  Kind kind = Kind::kPercent;
  std::int32_t percent_bp = 0;   // kPercent: 0..10,000
  std::int64_t fixed_minor = 0;  // kFixed: >= 0
  std::int64_t min_amount_minor = 0;
  std::int64_t valid_from_ms = 0;  // unix ms, the window is [from, to) and not empty
  std::int64_t valid_to_ms = 0;
  std::string category = {};  // empty: any category
};

struct RetailerRules {
  std::vector<CashbackRule> cashback = {};
  std::optional<MsiRule> msi = std::nullopt;
  std::optional<PointsRule> points = std::nullopt;
  std::vector<Promotion> promotions = {};
};

struct Option {
  enum class Kind { kFullPayment, kCashback, kMsi, kPromotion, kPoints };
  // Stable across calculations with the same inputs: "full:acc-456", "cashback:acc-458",
  // "msi-6:acc-458", "promo-<promotion_id>:acc-456", "points:acc-458".
  std::string option_id = {};
  Kind kind = Kind::kFullPayment;
  std::string account_id = {};
  std::int64_t subtotal_minor = 0;  // price * quantity
  std::int64_t discount_minor = 0;  // promotions only
  std::int64_t total_minor = 0;     // charged to the account: subtotal - discount
  std::int64_t cashback_minor = 0;  // credited back after the purchase
  std::int64_t points = 0;
  int months = 0;                            // MSI term, else 0
  std::int64_t installment_first_minor = 0;  // MSI only: base + remainder
  std::int64_t installment_rest_minor = 0;   // MSI only: each of the other months - 1
  std::int64_t saving_minor = 0;             // value to the person, used for ranking
  bool affordable = false;                   // total <= the account's available amount
  std::string summary = {};                  // one sentence in Spanish (es-MX)
};

// Checked in this order; the first that applies is returned.
enum class BenefitsError {
  kInvalidQuantity,    // quantity < 1
  kQuantityTooLarge,   // quantity > limits::kPurchaseQuantityMax
  kInvalidProduct,     // negative price
  kInvalidRules,       // the retailer's rules fail validate_rules
  kTooManyAccounts,    // more than limits::kPaymentAccountsMax accounts
  kNoEligibleAccount,  // no active account
  kOverflow,           // an amount or a point count does not fit int64
};

// Stable snake_case name ("quantity_too_large") and a short English message.
std::string_view error_name(BenefitsError error);
std::string_view error_message(BenefitsError error);

// Checks a retailer's rules against the bounds in docs/benefits.md. On failure returns a message
// naming the first rule at fault. The catalog should call this when rules are written, so that
// calculate() never meets invalid rules.
std::expected<void, std::string> validate_rules(const RetailerRules& rules);

// Every benefit option of buying `quantity` units of `product` with each active account, ranked:
// affordable first, then saving descending, total ascending, MSI term descending, option_id
// ascending. A full-payment option exists for every active account. Inactive accounts are
// skipped. Options are not combined: each carries one benefit. On failure returns the first
// BenefitsError in the order of the enum. Requires: account ids are distinct.
std::expected<std::vector<Option>, BenefitsError> calculate(const Product& product,
                                                            std::int64_t quantity,
                                                            std::span<const Account> accounts,
                                                            const RetailerRules& rules,
                                                            std::int64_t now_ms);

// The option with this id, or nullptr. The pointer borrows from `options`.
const Option* find_option(std::span<const Option> options, std::string_view option_id);

// Pesos as the es-MX assistant says them: 123450 -> "$1,234.50", -5 -> "-$0.05".
std::string format_pesos(std::int64_t amount_minor);

}  // namespace centli::benefits
