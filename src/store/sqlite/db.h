// Thin RAII wrapper over one SQLite connection with a cache of prepared statements.
// A Db is used by one thread at a time; it is not thread-safe.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace centli::sqlite {

// Failure of the SQLite library itself (I/O, corruption, constraint, busy). Business refusals
// are never Errors here; they are decided above the store.
struct DbError {
  int code = SQLITE_ERROR;
  std::string message;
};

class Db;

// A prepared statement borrowed from the connection's cache. Reset and unbound on destruction,
// so it can be reused by the next caller on the same connection.
class Stmt {
 public:
  Stmt(Db& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int index, std::int64_t v);
  Stmt& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
  Stmt& bind(int index, std::string_view v);
  Stmt& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  Stmt& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Stmt& bind_null(int index);
  Stmt& bind(int index, const std::optional<std::string>& v) {
    return v ? bind(index, *v) : bind_null(index);
  }

  // Advances: true with a row, false when done; an error leaves a DbError.
  std::expected<bool, DbError> step();
  // Runs a statement that returns no rows.
  std::expected<void, DbError> exec();

  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const;
  std::string_view text_view(int col) const;
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  Db* db_;
  sqlite3_stmt* stmt_;
};

class Db {
 public:
  // Opens (creating when asked) the database file. Applies no pragmas; callers do.
  static std::expected<std::unique_ptr<Db>, DbError> open(const std::string& path, bool create,
                                                          bool read_only);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements with no parameters (schema, pragmas, BEGIN/COMMIT).
  std::expected<void, DbError> exec(const char* sql);
  // Borrows the cached prepared statement for `sql`. `sql` must be a string with static storage
  // (a named constant): the cache is keyed by its address.
  std::expected<Stmt, DbError> prepare(const char* sql);
  DbError last_error() const;
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  sqlite3* raw() { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// A savepoint that rolls back on destruction unless released. Nested freely.
class Savepoint {
 public:
  explicit Savepoint(Db& db);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  std::expected<void, DbError> release();
  void rollback();

 private:
  Db& db_;
  bool open_ = false;
};

}  // namespace centli::sqlite
