#include "store/sqlite/bulk.h"

#include "store/sqlite/accounts.h"
#include "store/sqlite/beneficiaries.h"
#include "store/sqlite/errors.h"
#include "util/limits.h"

namespace centli::store::sqlite_impl {
namespace {

constexpr const char* kInsertHistoryRow =
    "INSERT INTO transactions (transaction_id, transfer_id, account_id, user_id, timestamp_ms, "
    "kind, direction, amount_minor, currency, balance_after_minor, counterparty, description) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

// limits::kBulkPageCacheKib.
constexpr const char* kGrowCache = "PRAGMA cache_size=-131072";
static_assert(limits::kBulkPageCacheKib == 131'072);

}  // namespace

// Accounts and beneficiaries go one prepared INSERT per row either way, so the repositories'
// own statements are reused rather than repeated here.
Result<void> SqliteBulk::insert_accounts(std::span<const NewAccount> accounts) {
  SqliteAccounts repository(db_);
  for (const NewAccount& a : accounts) {
    if (auto r = repository.insert(a); !r) return r;
  }
  return {};
}

Result<void> SqliteBulk::insert_beneficiaries(std::span<const Beneficiary> beneficiaries) {
  SqliteBeneficiaries repository(db_);
  for (const Beneficiary& b : beneficiaries) {
    if (auto r = repository.insert(b); !r) return r;
  }
  return {};
}

Result<void> SqliteBulk::append_history(std::span<const HistoryRow> rows) {
  // Each chunk lands on pages all over the two history indexes; a cache that holds them keeps
  // SQLite from writing the same page out many times per chunk. It stays for the life of the
  // connection, which only tools that build a bank use this way.
  if (auto r = db_.exec(kGrowCache); !r) return failed(r.error());
  for (const HistoryRow& h : rows) {
    auto st = db_.prepare(kInsertHistoryRow);
    if (!st) return failed(st.error());
    auto r = st->bind(1, h.transaction_id)
                 .bind(2, h.transfer_id)
                 .bind(3, h.account_id)
                 .bind(4, h.user_id)
                 .bind(5, h.timestamp_ms)
                 .bind(6, h.kind)
                 .bind(7, h.direction)
                 .bind(8, h.amount_minor)
                 .bind(9, h.currency)
                 .bind(10, h.balance_after_minor)
                 .bind(11, h.counterparty)
                 .bind(12, h.description)
                 .exec();
    if (!r) return failed(r.error());
  }
  return {};
}

}  // namespace centli::store::sqlite_impl
