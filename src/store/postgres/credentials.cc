#include "store/postgres/credentials.h"

#include "store/postgres/errors.h"

namespace centli::store::postgres_impl {
namespace {

constexpr const char* kInsertCredential =
    "INSERT INTO credentials (token_hash, kind, subject, delegate, scopes, created_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
constexpr const char* kSelectCredential =
    "SELECT kind, subject, delegate, scopes, created_ms FROM credentials "
    "WHERE token_hash = $1 AND revoked = 0";

}  // namespace

Result<void> PgCredentials::insert(const Credential& c) {
  auto r = run(conn_, kInsertCredential,
               pg::Params(c.token_hash, c.service ? "service" : "user", c.subject, c.delegate,
                          c.scopes, c.created_ms));
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<std::optional<Credential>> PgCredentials::find(std::string_view token_hash) {
  auto rows = run(conn_, kSelectCredential, pg::Params(token_hash));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::nullopt;
  return Credential{.token_hash = std::string(token_hash),
                    .service = rows->text_view(0, 0) == "service",
                    .subject = rows->text(0, 1),
                    .delegate = rows->int64(0, 2) != 0,
                    .scopes = rows->text(0, 3),
                    .created_ms = rows->int64(0, 4)};
}

}  // namespace centli::store::postgres_impl
