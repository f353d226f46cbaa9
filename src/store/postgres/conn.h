// Thin RAII wrapper over one libpq connection: text parameters and results, statements
// prepared once per connection (keyed by the address of their SQL constant), and failures as
// values. A Conn is used by one thread at a time; it is not thread-safe.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace centli::pg {

// A failure of the server or of the connection. `sqlstate` is PostgreSQL's five-character
// code ("23505"); empty when no answer came (connection lost, out of memory).
struct PgError {
  std::string sqlstate;
  std::string message;
  bool connection_lost = false;
};

// The rows (or the command status) of one statement.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result) {}
  Rows(Rows&& o) noexcept : result_(o.result_) { o.result_ = nullptr; }
  Rows& operator=(Rows&& o) noexcept;
  Rows(const Rows&) = delete;
  ~Rows();

  int size() const { return PQntuples(result_); }
  bool empty() const { return size() == 0; }
  bool is_null(int row, int col) const { return PQgetisnull(result_, row, col) != 0; }
  std::string_view text_view(int row, int col) const;
  std::string text(int row, int col) const { return std::string(text_view(row, col)); }
  std::optional<std::string> optional_text(int row, int col) const;
  // The column as a 64-bit integer (0 for NULL).
  std::int64_t int64(int row, int col) const;
  bool boolean(int row, int col) const { return text_view(row, col) == "t"; }
  // Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;

 private:
  PGresult* result_;
};

// Positional parameters ($1, $2, ...), sent as text.
class Params {
 public:
  Params() = default;
  template <class... T>
  explicit Params(const T&... values) {
    (add(values), ...);
  }
  Params& add(std::int64_t v);
  Params& add(int v) { return add(static_cast<std::int64_t>(v)); }
  Params& add(bool v) { return add(static_cast<std::int64_t>(v ? 1 : 0)); }
  Params& add(std::string_view v);
  Params& add(const char* v) { return add(std::string_view(v)); }
  Params& add(const std::string& v) { return add(std::string_view(v)); }
  Params& add(const std::optional<std::string>& v);
  Params& add_null();

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers into this object, valid while it lives unchanged.
  std::vector<const char*> pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
};

class Conn {
 public:
  // Opens a connection to `url` (a libpq URL or key=value string) with centli's defaults for
  // timeouts and keepalives, which the URL may override. Never fails: a connection that could
  // not be made is a Conn that is not ok(), and every statement on it fails with its reason.
  static std::unique_ptr<Conn> connect(const std::string& url);
  // A connection that was never made: every statement fails as lost, with `reason`.
  static std::unique_ptr<Conn> unavailable(std::string reason);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool ok() const;
  // False for a connection made by unavailable().
  bool made() const { return conn_ != nullptr; }
  // Why the connection is not ok (libpq's words, without the password).
  std::string error() const;
  // True while a transaction block is open (also when it failed and awaits ROLLBACK).
  bool in_transaction() const;
  // True when a statement failed inside the open transaction (outside any savepoint rolled
  // back since): the transaction can only roll back.
  bool transaction_failed() const;
  // The server's version as 150018 for 15.18.
  int server_version() const { return conn_ ? PQserverVersion(conn_) : 0; }

  // Runs one or more statements without parameters (schema, BEGIN/COMMIT) by the simple
  // query protocol; the rows are the last statement's.
  std::expected<Rows, PgError> exec(const char* sql);
  // Runs one statement with parameters. `sql` must have static storage (a named constant): it
  // is prepared on first use on this connection and the prepared statement is keyed by its
  // address.
  std::expected<Rows, PgError> query(const char* sql, const Params& params = Params());

  // Queues a statement without parameters whose only answer that matters is a failure
  // (SAVEPOINT, RELEASE SAVEPOINT): it goes with the next statement, in one round trip (libpq's
  // pipeline mode), and its failure becomes that statement's failure. `sql` has static storage.
  void defer(const char* sql) { deferred_.push_back({sql, std::nullopt}); }
  // Queues a write with parameters whose rows nobody reads (an INSERT or UPDATE), the same way:
  // prepared like query()'s statements, sent with the next statement or flush().
  void defer(const char* sql, Params params) { deferred_.push_back({sql, std::move(params)}); }
  // True while a write queued with defer(sql, params) waits to be sent: its failure is not
  // known yet.
  bool writes_deferred() const;
  // The last deferred statement, if it is still waiting to be sent.
  const char* last_deferred() const { return deferred_.empty() ? nullptr : deferred_.back().sql; }
  void drop_last_deferred() { deferred_.pop_back(); }
  // Sends the deferred statements now (one round trip), so that the transaction's state is known.
  std::expected<void, PgError> flush();

 private:
  Conn(PGconn* conn, std::string reason) : conn_(conn), reason_(std::move(reason)) {}
  std::expected<Rows, PgError> check(PGresult* result);
  // The prepared statement's name for `sql`, preparing it in the current round trip when new
  // (`send`: queue the PREPARE in pipeline mode instead of running it).
  std::expected<std::string, PgError> statement(const char* sql, bool send);
  // Sends the deferred statements, then `sql` (a prepared statement with `params`, or plain when
  // params is null; none at all when sql is null), in pipeline mode; returns the first failure
  // or sql's rows.
  std::expected<Rows, PgError> pipelined(const char* sql, const Params* params);

  PGconn* conn_;
  std::string reason_;  // why there is no connection, when conn_ is null
  std::unordered_map<const char*, std::string> prepared_;  // SQL constant -> statement name
  struct Deferred {
    const char* sql;
    std::optional<Params> params;  // none: sent by the simple protocol
  };
  std::vector<Deferred> deferred_;
  int next_statement_ = 0;  // names s0, s1, ...: never reused on this connection
};

// `url` without its password, for messages and logs; nullopt when it is not a connection
// string libpq understands (the string is then a reason).
std::expected<std::string, std::string> redacted(const std::string& url);

}  // namespace centli::pg
