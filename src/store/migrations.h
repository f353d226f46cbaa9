// Versioned schema migrations, applied in order at start inside one transaction each.
// A data directory whose schema_version is newer than the last migration is refused.
#pragma once

#include <span>

namespace centli::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;  // one or more statements
};

// All migrations, strictly ascending by version (gaps allowed: each module owns its numbers).
std::span<const Migration> migrations();

}  // namespace centli::store
