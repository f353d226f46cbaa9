// SQLite's failures as the port's errors.
#pragma once

#include "store/port.h"
#include "store/sqlite/db.h"

namespace centli::store::sqlite_impl {

// Busy, locked, full and I/O failures are kUnavailable; constraint failures kConstraint.
Error to_error(const sqlite::DbError& e);

// Shorthand for repositories: the last statement's failure as a Result.
template <class T = void>
Result<T> failed(const sqlite::DbError& e) {
  return std::unexpected(to_error(e));
}

}  // namespace centli::store::sqlite_impl
