// The PostgreSQL implementation of store::Bulk: each column travels as one array parameter and
// a single INSERT ... SELECT FROM unnest(...) writes up to kRowsPerStatementMax rows in one
// round trip, inside the caller's transaction.
#pragma once

#include <cstddef>

#include "store/bulk.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgBulk final : public Bulk {
 public:
  // Rows per statement: 10,000 history rows are about 1.5 MB of parameters, large enough that
  // the round trip is noise and small enough that a statement never holds much memory.
  static constexpr std::size_t kRowsPerStatementMax = 10'000;

  explicit PgBulk(pg::Conn& conn) : conn_(conn) {}
  Result<void> insert_accounts(std::span<const NewAccount> accounts) override;
  Result<void> insert_beneficiaries(std::span<const Beneficiary> beneficiaries) override;
  Result<void> append_history(std::span<const HistoryRow> rows) override;

 private:
  pg::Conn& conn_;
};

}  // namespace centli::store::postgres_impl
