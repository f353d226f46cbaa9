// STUB on branch pg-base only: replaced by the real PostgreSQL accounts repositories.
#pragma once
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "store/accounts.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgAccounts final : public Accounts {
 public:
  PgAccounts(pg::Conn&, bool) {}
  Result<void> insert(const NewAccount& a) override { return std::unexpected(Error{Error::Kind::kFailed, "not yet"}); }
  Result<std::optional<ledger::AccountState>> load(std::string_view account_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<ledger::AccountState>> of_user(std::string_view user_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::int64_t> daily_outflow(std::string_view user_id, std::string_view day) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> post(const Posting& p) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<HistoryEntry>> history(const HistoryQuery& q) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
};

}  // namespace centli::store::postgres_impl
