#include "store/sqlite/credentials.h"

#include "store/sqlite/errors.h"

namespace centli::store::sqlite_impl {
namespace {

constexpr const char* kInsertCredential =
    "INSERT INTO credentials (token_hash, kind, subject, delegate, scopes, created_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* kSelectCredential =
    "SELECT kind, subject, delegate, scopes, created_ms FROM credentials "
    "WHERE token_hash = ?1 AND revoked = 0";

}  // namespace

Result<void> SqliteCredentials::insert(const Credential& c) {
  auto st = db_.prepare(kInsertCredential);
  if (!st) return failed(st.error());
  auto r = st->bind(1, c.token_hash)
               .bind(2, c.service ? "service" : "user")
               .bind(3, c.subject)
               .bind(4, c.delegate ? 1 : 0)
               .bind(5, c.scopes)
               .bind(6, c.created_ms)
               .exec();
  if (!r) return failed(r.error());
  return {};
}

Result<std::optional<Credential>> SqliteCredentials::find(std::string_view token_hash) {
  auto st = db_.prepare(kSelectCredential);
  if (!st) return failed<std::optional<Credential>>(st.error());
  st->bind(1, token_hash);
  auto row = st->step();
  if (!row) return failed<std::optional<Credential>>(row.error());
  if (!*row) return std::nullopt;
  return Credential{.token_hash = std::string(token_hash),
                    .service = st->text_view(0) == "service",
                    .subject = st->text(1),
                    .delegate = st->int64(2) != 0,
                    .scopes = st->text(3),
                    .created_ms = st->int64(4)};
}

}  // namespace centli::store::sqlite_impl
