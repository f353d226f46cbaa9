// The SQLite implementation of store::Meta (table meta).
#pragma once

#include "store/meta.h"
#include "store/sqlite/db.h"

namespace centli::store::sqlite_impl {

class SqliteMeta final : public Meta {
 public:
  explicit SqliteMeta(sqlite::Db& db) : db_(db) {}
  Result<std::optional<std::string>> get(std::string_view key) override;
  Result<void> put(std::string_view key, std::string_view value) override;

 private:
  sqlite::Db& db_;
};

}  // namespace centli::store::sqlite_impl
