// Transitional (issue 11, step 1): the free functions the purchase saga still calls, over the
// Accounts repository. Removed when the saga uses tx.accounts().
#pragma once

#include <expected>
#include <optional>
#include <string_view>

#include "store/accounts.h"
#include "store/sqlite/db.h"

namespace centli::store {

std::expected<std::optional<ledger::AccountState>, sqlite::DbError> load_account(
    sqlite::Db& db, std::string_view account_id);
// Posts at the transaction's clock.
std::expected<void, sqlite::DbError> post(WriteTx& tx, Posting p);

}  // namespace centli::store
