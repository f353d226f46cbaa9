// PostgreSQL's failures as the port's errors.
#pragma once

#include <expected>
#include <vector>

#include "store/port.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

// A lost connection, a serialization failure or deadlock, a server shutting down or out of
// resources are kUnavailable (worth trying again); integrity violations (class 23) kConstraint.
Error to_error(const pg::PgError& e);

// Shorthand for repositories: a statement's failure as a Result.
template <class T = void>
Result<T> failed(const pg::PgError& e) {
  return std::unexpected(to_error(e));
}

// Runs a statement; its rows, or its failure as the port's error.
inline Result<pg::Rows> run(pg::Conn& conn, const char* sql, const pg::Params& params) {
  auto rows = conn.query(sql, params);
  if (!rows) return failed<pg::Rows>(rows.error());
  return std::move(*rows);
}

// Every row of `rows`, each turned into a T by `read(const pg::Rows&, int row)`.
template <class T, class Read>
std::vector<T> read_all(const pg::Rows& rows, Read read) {
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) out.push_back(read(rows, i));
  return out;
}

}  // namespace centli::store::postgres_impl
