#include "store/postgres/tx.h"

#include "store/postgres/errors.h"

namespace centli::store::postgres_impl {

Result<void> WriteTxImpl::savepoint_begin() {
  if (auto r = conn_.exec("SAVEPOINT sp"); !r) return failed(r.error());
  return {};
}

Result<void> WriteTxImpl::savepoint_release() {
  if (auto r = conn_.exec("RELEASE SAVEPOINT sp"); !r) return failed(r.error());
  return {};
}

void WriteTxImpl::savepoint_rollback() {
  // Also after a failed statement: rolling back to the savepoint makes the batch usable again.
  (void)conn_.exec("ROLLBACK TO SAVEPOINT sp; RELEASE SAVEPOINT sp");
}

}  // namespace centli::store::postgres_impl
