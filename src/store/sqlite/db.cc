#include "store/sqlite/db.h"

namespace centli::sqlite {

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::bind(int index, std::int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view v) {
  // An empty view may have no data pointer, which SQLite would bind as NULL: text is text.
  sqlite3_bind_text(stmt_, index, v.data() != nullptr ? v.data() : "", static_cast<int>(v.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

std::expected<bool, DbError> Stmt::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(db_->last_error());
}

std::expected<void, DbError> Stmt::exec() {
  auto r = step();
  if (!r) return std::unexpected(r.error());
  return {};
}

std::string Stmt::text(int col) const { return std::string(text_view(col)); }

std::string_view Stmt::text_view(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::expected<std::unique_ptr<Db>, DbError> Db::open(const std::string& path, bool create,
                                                     bool read_only) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (create && !read_only) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    DbError e{rc, raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)};
    sqlite3_close_v2(raw);
    return std::unexpected(std::move(e));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  return std::unique_ptr<Db>(new Db(raw));
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

std::expected<void, DbError> Db::exec(const char* sql) {
  char* msg = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    DbError e{rc, msg != nullptr ? msg : sqlite3_errstr(rc)};
    sqlite3_free(msg);
    return std::unexpected(std::move(e));
  }
  return {};
}

std::expected<Stmt, DbError> Db::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(*this, it->second);
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(last_error());
  cache_.emplace(sql, stmt);
  return Stmt(*this, stmt);
}

DbError Db::last_error() const {
  return DbError{sqlite3_extended_errcode(db_), sqlite3_errmsg(db_)};
}

namespace {

constexpr const char* kSavepoint = "SAVEPOINT sp";
constexpr const char* kRelease = "RELEASE sp";
constexpr const char* kRollbackTo = "ROLLBACK TO sp";

// Savepoints run several times per command: prepared once per connection, not parsed each time.
std::expected<void, DbError> run(Db& db, const char* sql) {
  auto st = db.prepare(sql);
  if (!st) return std::unexpected(st.error());
  return st->exec();
}

}  // namespace

Savepoint::Savepoint(Db& db) : db_(db) { open_ = run(db_, kSavepoint).has_value(); }

Savepoint::~Savepoint() { rollback(); }

std::expected<void, DbError> Savepoint::release() {
  if (!open_) return std::unexpected(DbError{SQLITE_MISUSE, "savepoint is not open"});
  open_ = false;
  return run(db_, kRelease);
}

void Savepoint::rollback() {
  if (!open_) return;
  open_ = false;
  (void)run(db_, kRollbackTo);
  (void)run(db_, kRelease);
}

}  // namespace centli::sqlite
