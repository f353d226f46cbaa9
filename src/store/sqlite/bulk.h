// The SQLite implementation of store::Bulk: one prepared statement per table, run once per row
// inside the caller's transaction (SQLite has no faster way in than that).
#pragma once

#include "store/bulk.h"
#include "store/sqlite/db.h"

namespace centli::store::sqlite_impl {

class SqliteBulk final : public Bulk {
 public:
  explicit SqliteBulk(sqlite::Db& db) : db_(db) {}
  Result<void> insert_accounts(std::span<const NewAccount> accounts) override;
  Result<void> insert_beneficiaries(std::span<const Beneficiary> beneficiaries) override;
  Result<void> append_history(std::span<const HistoryRow> rows) override;

 private:
  sqlite::Db& db_;
};

}  // namespace centli::store::sqlite_impl
