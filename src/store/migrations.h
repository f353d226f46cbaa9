// Versioned schema migrations, applied in order at start inside one transaction each. Each
// backend has its own list (sqlite_impl::migrations, postgres_impl::migrations) with the same
// version numbers for the same tables. A store whose schema_version is newer than the last
// migration is refused.
#pragma once

#include <span>

namespace centli::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;  // one or more statements
};

}  // namespace centli::store

namespace centli::store::sqlite_impl {
// All migrations, strictly ascending by version (gaps allowed: each module owns its numbers).
std::span<const Migration> migrations();
}  // namespace centli::store::sqlite_impl

namespace centli::store::postgres_impl {
std::span<const Migration> migrations();
}  // namespace centli::store::postgres_impl
