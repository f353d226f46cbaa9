// The PostgreSQL implementation of store::Accounts (tables accounts, transactions,
// daily_outflow). In a write transaction the rows a command decides on (the accounts, the
// person's daily outflow) are read FOR UPDATE, so another node deciding on them waits.
#pragma once

#include "store/accounts.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgAccounts final : public Accounts {
 public:
  PgAccounts(pg::Conn& conn, bool writing) : conn_(conn), writing_(writing) {}
  Result<void> insert(const NewAccount& a) override;
  Result<std::optional<ledger::AccountState>> load(std::string_view account_id) override;
  Result<AccountPair> load_pair(std::string_view first, std::string_view second) override;
  Result<std::vector<ledger::AccountState>> of_user(std::string_view user_id) override;
  // When writing, the day's row is made to exist (0) first and then read FOR UPDATE, so two
  // nodes cannot both decide from an absent row.
  Result<std::int64_t> daily_outflow(std::string_view user_id, std::string_view day) override;
  Result<void> post(const Posting& p) override;
  Result<std::vector<HistoryEntry>> history(const HistoryQuery& q) override;

 private:
  pg::Conn& conn_;
  bool writing_;
};

}  // namespace centli::store::postgres_impl
