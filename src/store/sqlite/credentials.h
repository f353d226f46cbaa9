// The SQLite implementation of store::Credentials (table credentials).
#pragma once

#include "store/credentials.h"
#include "store/sqlite/db.h"

namespace centli::store::sqlite_impl {

class SqliteCredentials final : public Credentials {
 public:
  explicit SqliteCredentials(sqlite::Db& db) : db_(db) {}
  Result<void> insert(const Credential& c) override;
  Result<std::optional<Credential>> find(std::string_view token_hash) override;

 private:
  sqlite::Db& db_;
};

}  // namespace centli::store::sqlite_impl
