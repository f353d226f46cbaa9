#include "store/sqlite/idempotency.h"

#include "store/sqlite/errors.h"

namespace centli::store::sqlite_impl {
namespace {

constexpr const char* kSelectIdempotency =
    "SELECT action, fingerprint, status, response, created_ms, expires_ms FROM idempotency "
    "WHERE principal = ?1 AND key = ?2 AND expires_ms > ?3";
// Replaces only an expired record: find() said there is no live one in this transaction.
constexpr const char* kInsertIdempotency =
    "INSERT OR REPLACE INTO idempotency "
    "(principal, key, action, fingerprint, status, response, created_ms, expires_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kUpdateIdempotency =
    "UPDATE idempotency SET status = ?3, response = ?4 WHERE principal = ?1 AND key = ?2";
constexpr const char* kDeleteExpiredIdempotency =
    "DELETE FROM idempotency WHERE (principal, key) IN (SELECT principal, key FROM idempotency "
    "WHERE expires_ms <= ?1 LIMIT ?2)";

}  // namespace

Result<std::optional<IdempotencyRecord>> SqliteIdempotency::find(std::string_view principal,
                                                                 std::string_view key,
                                                                 std::int64_t now_ms) {
  using R = std::optional<IdempotencyRecord>;
  auto st = db_.prepare(kSelectIdempotency);
  if (!st) return failed<R>(st.error());
  st->bind(1, principal).bind(2, key).bind(3, now_ms);
  auto row = st->step();
  if (!row) return failed<R>(row.error());
  if (!*row) return std::nullopt;
  return IdempotencyRecord{.principal = std::string(principal),
                           .key = std::string(key),
                           .action = st->text(0),
                           .fingerprint = st->text(1),
                           .status = static_cast<int>(st->int64(2)),
                           .response = st->text(3),
                           .created_ms = st->int64(4),
                           .expires_ms = st->int64(5)};
}

Result<void> SqliteIdempotency::put(const IdempotencyRecord& r) {
  auto st = db_.prepare(kInsertIdempotency);
  if (!st) return failed(st.error());
  auto done = st->bind(1, r.principal)
                  .bind(2, r.key)
                  .bind(3, r.action)
                  .bind(4, r.fingerprint)
                  .bind(5, r.status)
                  .bind(6, r.response)
                  .bind(7, r.created_ms)
                  .bind(8, r.expires_ms)
                  .exec();
  if (!done) return failed(done.error());
  return {};
}

Result<void> SqliteIdempotency::update_answer(std::string_view principal, std::string_view key,
                                              int status, std::string_view response) {
  auto st = db_.prepare(kUpdateIdempotency);
  if (!st) return failed(st.error());
  auto done = st->bind(1, principal).bind(2, key).bind(3, status).bind(4, response).exec();
  if (!done) return failed(done.error());
  return {};
}

Result<std::int64_t> SqliteIdempotency::delete_expired(std::int64_t now_ms, std::int64_t limit) {
  auto st = db_.prepare(kDeleteExpiredIdempotency);
  if (!st) return failed<std::int64_t>(st.error());
  if (auto done = st->bind(1, now_ms).bind(2, limit).exec(); !done)
    return failed<std::int64_t>(done.error());
  return db_.changes();
}

}  // namespace centli::store::sqlite_impl
