// Pure ledger rules: account kinds, available funds, and the transfer checks in their
// documented order of precedence (docs/api.md). No I/O.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "domain/error.h"

namespace centli::ledger {

enum class AccountType { kChecking, kSavings, kCredit, kClearing, kSettlement };

std::optional<AccountType> parse_account_type(std::string_view text);
std::string_view account_type_name(AccountType type);
// Accounts a person owns and can see; clearing and settlement accounts belong to the bank.
bool is_customer_account(AccountType type);

struct AccountState {
  std::string account_id;
  std::string user_id;
  std::string account_number;
  AccountType type = AccountType::kChecking;
  bool active = true;
  std::string currency;
  std::int64_t posted_minor = 0;  // credit accounts: negative while money is owed
  std::int64_t held_minor = 0;
  std::int64_t credit_limit_minor = 0;  // credit accounts only
};

// Debit accounts: posted - held. Credit accounts: limit - used - held, with used = -posted.
// Internal accounts (clearing, settlement) have no ceiling: they are never a source here.
std::int64_t available_minor(const AccountState& a);

struct TransferLimits {
  std::int64_t amount_minor_max = 0;         // per transfer
  std::int64_t daily_outflow_minor_max = 0;  // per person and day, to other people
};

// What the target of a transfer stands for.
enum class TargetKind {
  kCustomerAccount,  // a centli customer's account (the person's own or someone else's)
  kExternal,         // an account at another bank, paid through the bank's clearing account
  kSettlement,       // a retailer's settlement account: a purchase's payment
};

struct TransferCheck {
  std::string_view user_id;           // the person moving money
  std::string_view currency;          // requested currency; empty means the source's
  std::int64_t amount_minor = 0;      // > 0, validated by the caller
  std::int64_t daily_used_minor = 0;  // outflow to other people already today
  TargetKind target_kind = TargetKind::kCustomerAccount;
};

struct TransferPlan {
  std::int64_t source_posted_after = 0;
  std::int64_t target_posted_after = 0;
  bool counts_toward_daily = false;  // the target belongs to someone else, or is external
  std::int64_t daily_used_after = 0;
};

// Whether a transfer from `source` to `target` counts toward the person's outflow to other
// people (check 7 below): an external transfer always, a purchase's payment never, else when the
// target is someone else's. A caller may skip reading the day's outflow when it does not.
bool counts_toward_daily(const AccountState& source, const AccountState& target, TargetKind kind);

// The transfer checks, first failure wins:
//  1. the source exists and belongs to the person          account_not_found (from_account)
//  2. source and target differ                             same_account
//  3. the target exists and is of the kind the check names: account_not_found (to_account)
//     a customer account, for kExternal the clearing account, for kSettlement a
//     settlement account
//  4. both accounts are active                             account_inactive
//  5. the requested currency and both accounts agree       currency_mismatch
//  6. the amount is within the per-transfer limit          amount_limit_exceeded
//  7. outflow to other people stays within the daily limit daily_limit_exceeded
//     (an external transfer always counts: the money leaves the person; a purchase's
//     payment never does: it buys something)
//  8. the source has the funds available                   insufficient_funds
// `target` may be absent (unknown id). Requires: check.amount_minor > 0.
std::expected<TransferPlan, Error> check_transfer(const std::optional<AccountState>& source,
                                                  std::string_view target_id,
                                                  const std::optional<AccountState>& target,
                                                  const TransferCheck& check,
                                                  const TransferLimits& limits);

}  // namespace centli::ledger
