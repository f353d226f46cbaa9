#include "store/postgres/meta.h"

#include "store/postgres/errors.h"

namespace centli::store::postgres_impl {
namespace {

constexpr const char* kSelectMeta = "SELECT value FROM meta WHERE key = $1";
constexpr const char* kUpsertMeta =
    "INSERT INTO meta (key, value) VALUES ($1, $2) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value";

}  // namespace

Result<std::optional<std::string>> PgMeta::get(std::string_view key) {
  auto rows = run(conn_, kSelectMeta, pg::Params(key));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::nullopt;
  return rows->text(0, 0);
}

Result<void> PgMeta::put(std::string_view key, std::string_view value) {
  if (auto r = run(conn_, kUpsertMeta, pg::Params(key, value)); !r) {
    return std::unexpected(r.error());
  }
  return {};
}

}  // namespace centli::store::postgres_impl
