// Reading and posting money movements in the store. Every posting writes both sides of a
// double entry, the new balances and the person's daily outflow in the caller's transaction.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ledger.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace centli::store {

std::expected<std::optional<ledger::AccountState>, sqlite::DbError> load_account(
    sqlite::Db& db, std::string_view account_id);
// The person's customer accounts (checking, savings, credit), by account_id.
std::expected<std::vector<ledger::AccountState>, sqlite::DbError> list_accounts(
    sqlite::Db& db, std::string_view user_id);
std::expected<std::int64_t, sqlite::DbError> daily_outflow(sqlite::Db& db, std::string_view user_id,
                                                           std::string_view day);

struct Posting {
  std::string_view transfer_id;
  std::string_view kind;  // "transfer", "purchase", "external_transfer", ...
  const ledger::AccountState* source = nullptr;
  const ledger::AccountState* target = nullptr;
  std::int64_t amount_minor = 0;
  std::int64_t source_posted_after = 0;
  std::int64_t target_posted_after = 0;
  std::string_view source_counterparty;  // what the source's statement line names
  std::string_view target_counterparty;  // what the target's statement line names
  std::string_view description;
  std::string_view correlation_id;
  // When set, the person's outflow for `day` becomes daily_used_after.
  std::string_view daily_user_id;
  std::string_view day;
  std::int64_t daily_used_after = 0;
};

// Writes the debit and credit entries and the balances. Requires: the plan was checked by
// ledger::check_transfer (or an equivalent rule) inside this same transaction.
std::expected<void, sqlite::DbError> post(WriteTx& tx, const Posting& p);

}  // namespace centli::store
