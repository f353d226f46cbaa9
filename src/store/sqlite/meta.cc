#include "store/sqlite/meta.h"

#include "store/sqlite/errors.h"

namespace centli::store::sqlite_impl {
namespace {

constexpr const char* kSelectMeta = "SELECT value FROM meta WHERE key = ?1";
constexpr const char* kUpsertMeta =
    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value";

}  // namespace

Result<std::optional<std::string>> SqliteMeta::get(std::string_view key) {
  using R = std::optional<std::string>;
  auto st = db_.prepare(kSelectMeta);
  if (!st) return failed<R>(st.error());
  st->bind(1, key);
  auto row = st->step();
  if (!row) return failed<R>(row.error());
  if (!*row) return std::nullopt;
  return st->text(0);
}

Result<void> SqliteMeta::put(std::string_view key, std::string_view value) {
  auto st = db_.prepare(kUpsertMeta);
  if (!st) return failed(st.error());
  if (auto r = st->bind(1, key).bind(2, value).exec(); !r) return failed(r.error());
  return {};
}

}  // namespace centli::store::sqlite_impl
