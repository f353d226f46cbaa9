#include "store/postgres/tx.h"

#include "store/postgres/errors.h"

namespace centli::store::postgres_impl {

namespace {

// Savepoints go with the command's next statement (pg::Conn::defer): a command costs no round
// trip of its own for them. A savepoint nothing was sent inside is simply dropped.
constexpr const char* kSavepoint = "SAVEPOINT sp";
constexpr const char* kRelease = "RELEASE SAVEPOINT sp";
constexpr const char* kRollbackTo = "ROLLBACK TO SAVEPOINT sp";

}  // namespace

Result<void> WriteTxImpl::savepoint_begin() {
  conn_.defer(kSavepoint);
  return {};
}

Result<void> WriteTxImpl::savepoint_release() {
  if (conn_.last_deferred() == kSavepoint) {
    conn_.drop_last_deferred();
    return {};
  }
  conn_.defer(kRelease);
  // Writes still queued are sent now, with the release, so that their failure is this
  // command's: its effect is rolled back here and the command hears why.
  if (conn_.writes_deferred()) {
    if (auto sent = conn_.flush(); !sent) {
      conn_.defer(kRollbackTo);
      conn_.defer(kRelease);
      return failed(sent.error());
    }
  }
  // Otherwise a failure of the release alone (a lost connection, a transaction already
  // failed) fails the next statement or the batch's COMMIT, which then keeps nothing.
  return {};
}

void WriteTxImpl::savepoint_rollback() {
  // Also after a failed statement: rolling back to the savepoint makes the batch usable again.
  if (conn_.last_deferred() == kSavepoint) {
    conn_.drop_last_deferred();
    return;
  }
  conn_.defer(kRollbackTo);
  conn_.defer(kRelease);
}

}  // namespace centli::store::postgres_impl
