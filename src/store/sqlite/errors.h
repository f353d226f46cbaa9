// SQLite's failures as the port's errors.
#pragma once

#include <vector>

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

// Every row of `st` (bound), each turned into a T by `read(const sqlite::Stmt&)`.
template <class T, class Read>
Result<std::vector<T>> read_all(sqlite::Stmt& st, Read read) {
  std::vector<T> out;
  for (;;) {
    auto more = st.step();
    if (!more) return failed<std::vector<T>>(more.error());
    if (!*more) return out;
    out.push_back(read(st));
  }
}

}  // namespace centli::store::sqlite_impl
