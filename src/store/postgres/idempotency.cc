#include "store/postgres/idempotency.h"

#include "store/postgres/errors.h"

namespace centli::store::postgres_impl {
namespace {

constexpr const char* kSelectIdempotency =
    "SELECT action, fingerprint, status, response, created_ms, expires_ms FROM idempotency "
    "WHERE principal = $1 AND key = $2 AND expires_ms > $3";
constexpr const char* kSelectIdempotencyForUpdate =
    "SELECT action, fingerprint, status, response, created_ms, expires_ms FROM idempotency "
    "WHERE principal = $1 AND key = $2 AND expires_ms > $3 FOR UPDATE";
// Replaces a record only when it has expired by the new one's creation (the transaction's
// clock, as find() compares). The conflict check and the update are one atomic step: a live
// record committed by another node meanwhile is waited for, then left alone (no row affected).
constexpr const char* kInsertIdempotency =
    "INSERT INTO idempotency "
    "(principal, key, action, fingerprint, status, response, created_ms, expires_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
    "ON CONFLICT (principal, key) DO UPDATE SET action = excluded.action, "
    "fingerprint = excluded.fingerprint, status = excluded.status, "
    "response = excluded.response, created_ms = excluded.created_ms, "
    "expires_ms = excluded.expires_ms "
    "WHERE idempotency.expires_ms <= excluded.created_ms";
constexpr const char* kUpdateIdempotency =
    "UPDATE idempotency SET status = $3, response = $4 WHERE principal = $1 AND key = $2";
constexpr const char* kDeleteExpiredIdempotency =
    "DELETE FROM idempotency WHERE (principal, key) IN (SELECT principal, key FROM idempotency "
    "WHERE expires_ms <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)";

}  // namespace

Result<std::optional<IdempotencyRecord>> PgIdempotency::find(std::string_view principal,
                                                             std::string_view key,
                                                             std::int64_t now_ms) {
  auto rows = run(conn_, writing_ ? kSelectIdempotencyForUpdate : kSelectIdempotency,
                  pg::Params(principal, key, now_ms));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::nullopt;
  return IdempotencyRecord{.principal = std::string(principal),
                           .key = std::string(key),
                           .action = rows->text(0, 0),
                           .fingerprint = rows->text(0, 1),
                           .status = static_cast<int>(rows->int64(0, 2)),
                           .response = rows->text(0, 3),
                           .created_ms = rows->int64(0, 4),
                           .expires_ms = rows->int64(0, 5)};
}

Result<void> PgIdempotency::put(const IdempotencyRecord& r) {
  auto done = run(conn_, kInsertIdempotency,
                  pg::Params(r.principal, r.key, r.action, r.fingerprint, r.status, r.response,
                             r.created_ms, r.expires_ms));
  if (!done) return std::unexpected(done.error());
  if (done->affected() != 1) {
    return std::unexpected(Error{Error::Kind::kConstraint,
                                 "the idempotency key already has a live record (committed by "
                                 "another node meanwhile)"});
  }
  return {};
}

Result<void> PgIdempotency::update_answer(std::string_view principal, std::string_view key,
                                          int status, std::string_view response) {
  auto done = run(conn_, kUpdateIdempotency, pg::Params(principal, key, status, response));
  if (!done) return std::unexpected(done.error());
  return {};
}

Result<std::int64_t> PgIdempotency::delete_expired(std::int64_t now_ms, std::int64_t limit) {
  auto done = run(conn_, kDeleteExpiredIdempotency, pg::Params(now_ms, limit));
  if (!done) return std::unexpected(done.error());
  return done->affected();
}

}  // namespace centli::store::postgres_impl
