// The person's own accounts as handlers see them: another person's account, an internal
// account and a missing one all answer account_not_found (404), so they cannot be told apart.
#pragma once

#include <expected>
#include <optional>
#include <string_view>
#include <vector>

#include "domain/error.h"
#include "domain/ledger.h"
#include "store/port.h"

namespace centli::actions {

// The account `account_id` when it is one of `user_id`'s customer accounts; else
// account_not_found naming `field`.
std::expected<ledger::AccountState, Error> owned_account(store::ReadTx& tx,
                                                         std::string_view user_id,
                                                         std::string_view account_id,
                                                         std::string_view field = "account_id");

// That one account when `account_id` is given, else all of the person's customer accounts.
std::expected<std::vector<ledger::AccountState>, Error> owned_accounts(
    store::ReadTx& tx, std::string_view user_id, std::optional<std::string_view> account_id);

}  // namespace centli::actions
