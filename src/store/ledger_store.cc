#include "store/ledger_store.h"

#include "store/sqlite/accounts.h"

namespace centli::store {

std::expected<std::optional<ledger::AccountState>, sqlite::DbError> load_account(
    sqlite::Db& db, std::string_view account_id) {
  auto r = sqlite_impl::SqliteAccounts(db).load(account_id);
  if (!r) return std::unexpected(sqlite::DbError{SQLITE_ERROR, r.error().message});
  return std::move(*r);
}

std::expected<void, sqlite::DbError> post(WriteTx& tx, Posting p) {
  p.timestamp_ms = tx.now_ms();
  auto r = tx.accounts().post(p);
  if (!r) return std::unexpected(sqlite::DbError{SQLITE_ERROR, r.error().message});
  return {};
}

}  // namespace centli::store
