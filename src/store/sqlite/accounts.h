// The SQLite implementation of store::Accounts (tables accounts, transactions, daily_outflow).
#pragma once

#include "store/accounts.h"
#include "store/sqlite/db.h"

namespace centli::store::sqlite_impl {

class SqliteAccounts final : public Accounts {
 public:
  explicit SqliteAccounts(sqlite::Db& db) : db_(db) {}
  Result<void> insert(const NewAccount& a) override;
  Result<std::optional<ledger::AccountState>> load(std::string_view account_id) override;
  Result<AccountPair> load_pair(std::string_view first, std::string_view second) override;
  Result<std::vector<ledger::AccountState>> of_user(std::string_view user_id) override;
  Result<std::int64_t> daily_outflow(std::string_view user_id, std::string_view day) override;
  Result<void> post(const Posting& p) override;
  Result<std::vector<HistoryEntry>> history(const HistoryQuery& q) override;

 private:
  sqlite::Db& db_;
};

}  // namespace centli::store::sqlite_impl
