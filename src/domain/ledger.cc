#include "domain/ledger.h"

#include "domain/money.h"
#include "util/assert.h"

namespace centli::ledger {
namespace {

struct TypeName {
  AccountType type;
  std::string_view name;
};
constexpr TypeName kTypes[] = {
    {AccountType::kChecking, "checking"},     {AccountType::kSavings, "savings"},
    {AccountType::kCredit, "credit"},         {AccountType::kClearing, "clearing"},
    {AccountType::kSettlement, "settlement"},
};

// An external transfer credits the bank's clearing account, a purchase's payment a retailer's
// settlement account; any other transfer credits a customer's.
bool target_fits(const AccountState& target, TargetKind kind) {
  switch (kind) {
    case TargetKind::kExternal:
      return target.type == AccountType::kClearing;
    case TargetKind::kSettlement:
      return target.type == AccountType::kSettlement;
    case TargetKind::kCustomerAccount:
      break;
  }
  return is_customer_account(target.type);
}

Error refuse(ErrorCode code, std::string message, std::string field = "") {
  return Error{code, std::move(message), std::move(field), {}};
}

}  // namespace

std::optional<AccountType> parse_account_type(std::string_view text) {
  for (const auto& t : kTypes)
    if (t.name == text) return t.type;
  return std::nullopt;
}

std::string_view account_type_name(AccountType type) {
  for (const auto& t : kTypes)
    if (t.type == type) return t.name;
  return "unknown";
}

bool is_customer_account(AccountType type) {
  return type == AccountType::kChecking || type == AccountType::kSavings ||
         type == AccountType::kCredit;
}

std::int64_t available_minor(const AccountState& a) {
  if (a.type == AccountType::kCredit) return a.credit_limit_minor + a.posted_minor - a.held_minor;
  return a.posted_minor - a.held_minor;
}

bool counts_toward_daily(const AccountState& source, const AccountState& target, TargetKind kind) {
  return kind == TargetKind::kExternal ||
         (kind == TargetKind::kCustomerAccount && target.user_id != source.user_id);
}

std::expected<TransferPlan, Error> check_transfer(const std::optional<AccountState>& source,
                                                  std::string_view target_id,
                                                  const std::optional<AccountState>& target,
                                                  const TransferCheck& check,
                                                  const TransferLimits& limits) {
  CENTLI_ASSERT(check.amount_minor > 0);
  if (!source || source->user_id != check.user_id || !is_customer_account(source->type)) {
    return std::unexpected(
        refuse(ErrorCode::kAccountNotFound, "the source account was not found", "from_account"));
  }
  if (source->account_id == target_id) {
    return std::unexpected(
        refuse(ErrorCode::kSameAccount, "source and target are the same account", "to_account"));
  }
  if (!target || !target_fits(*target, check.target_kind)) {
    return std::unexpected(
        refuse(ErrorCode::kAccountNotFound, "the target account was not found", "to_account"));
  }
  if (!source->active || !target->active) {
    return std::unexpected(refuse(
        ErrorCode::kAccountInactive,
        !source->active ? "the source account is not active" : "the target account is not active",
        !source->active ? "from_account" : "to_account"));
  }
  if ((!check.currency.empty() && check.currency != source->currency) ||
      source->currency != target->currency) {
    return std::unexpected(refuse(ErrorCode::kCurrencyMismatch,
                                  "the accounts and the request must use the same currency",
                                  "currency"));
  }
  if (check.amount_minor > limits.amount_minor_max) {
    return std::unexpected(refuse(ErrorCode::kAmountLimitExceeded,
                                  "the most one transfer can move is " +
                                      money::format_minor(limits.amount_minor_max) + " " +
                                      source->currency,
                                  "amount"));
  }
  TransferPlan plan;
  plan.counts_toward_daily = counts_toward_daily(*source, *target, check.target_kind);
  plan.daily_used_after = check.daily_used_minor;
  if (plan.counts_toward_daily) {
    auto after = money::add(check.daily_used_minor, check.amount_minor);
    if (!after || *after > limits.daily_outflow_minor_max) {
      return std::unexpected(refuse(ErrorCode::kDailyLimitExceeded,
                                    "this transfer would pass today's limit of " +
                                        money::format_minor(limits.daily_outflow_minor_max) + " " +
                                        source->currency,
                                    "amount"));
    }
    plan.daily_used_after = *after;
  }
  if (available_minor(*source) < check.amount_minor) {
    return std::unexpected(refuse(ErrorCode::kInsufficientFunds,
                                  "the source account has insufficient funds", "amount"));
  }
  auto source_after = money::sub(source->posted_minor, check.amount_minor);
  auto target_after = money::add(target->posted_minor, check.amount_minor);
  if (!source_after || !target_after) {
    return std::unexpected(
        refuse(ErrorCode::kAmountLimitExceeded, "the amount is too large", "amount"));
  }
  plan.source_posted_after = *source_after;
  plan.target_posted_after = *target_after;
  return plan;
}

}  // namespace centli::ledger
