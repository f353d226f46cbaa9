#include "store/sqlite/tx.h"

#include "store/sqlite/errors.h"

namespace centli::store::sqlite_impl {
namespace {

constexpr const char* kSavepoint = "SAVEPOINT sp";
constexpr const char* kRelease = "RELEASE sp";
constexpr const char* kRollbackTo = "ROLLBACK TO sp";

// Savepoints run several times per command: prepared once per connection, not parsed each time.
Result<void> run(sqlite::Db& db, const char* sql) {
  auto st = db.prepare(sql);
  if (!st) return failed(st.error());
  if (auto r = st->exec(); !r) return failed(r.error());
  return {};
}

}  // namespace

Result<void> WriteTxImpl::savepoint_begin() { return run(db_, kSavepoint); }

Result<void> WriteTxImpl::savepoint_release() { return run(db_, kRelease); }

void WriteTxImpl::savepoint_rollback() {
  (void)run(db_, kRollbackTo);
  (void)run(db_, kRelease);
}

}  // namespace centli::store::sqlite_impl
