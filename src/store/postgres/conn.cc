#include "store/postgres/conn.h"

#include <algorithm>
#include <charconv>

namespace centli::pg {
namespace {

// Defaults for every connection; a URL that names one of these overrides it. A statement on a
// connection whose server went silent fails after tcp_user_timeout instead of hanging.
constexpr const char* kDefaultKeys[] = {"connect_timeout",     "keepalives_idle",
                                        "keepalives_interval", "keepalives_count",
                                        "tcp_user_timeout",    "application_name"};
constexpr const char* kDefaultValues[] = {"5", "10", "5", "3", "15000", "centli"};

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Rows& Rows::operator=(Rows&& o) noexcept {
  if (this != &o) {
    if (result_) PQclear(result_);
    result_ = o.result_;
    o.result_ = nullptr;
  }
  return *this;
}

Rows::~Rows() {
  if (result_) PQclear(result_);
}

std::string_view Rows::text_view(int row, int col) const {
  return std::string_view(PQgetvalue(result_, row, col),
                          static_cast<std::size_t>(PQgetlength(result_, row, col)));
}

std::optional<std::string> Rows::optional_text(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return text(row, col);
}

std::int64_t Rows::int64(int row, int col) const {
  const std::string_view v = text_view(row, col);
  std::int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

std::int64_t Rows::affected() const {
  const char* n = PQcmdTuples(result_);
  std::int64_t out = 0;
  if (n) std::from_chars(n, n + std::char_traits<char>::length(n), out);
  return out;
}

Params& Params::add(std::int64_t v) {
  values_.emplace_back(std::to_string(v));
  return *this;
}

Params& Params::add(std::string_view v) {
  values_.emplace_back(std::string(v));
  return *this;
}

Params& Params::add(const std::optional<std::string>& v) {
  values_.push_back(v);
  return *this;
}

Params& Params::add_null() {
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

std::unique_ptr<Conn> Conn::connect(const std::string& url) {
  std::vector<const char*> keys(std::begin(kDefaultKeys), std::end(kDefaultKeys));
  std::vector<const char*> values(std::begin(kDefaultValues), std::end(kDefaultValues));
  // Expanded from the URL, whose parameters override the defaults above (they come earlier).
  keys.push_back("dbname");
  values.push_back(url.c_str());
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 1);
  // The server's notices ("relation already exists, skipping") are not centli's log lines.
  if (conn)
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Conn>(new Conn(conn, conn ? "" : "out of memory"));
}

std::unique_ptr<Conn> Conn::unavailable(std::string reason) {
  return std::unique_ptr<Conn>(new Conn(nullptr, std::move(reason)));
}

Conn::~Conn() {
  if (conn_) PQfinish(conn_);
}

bool Conn::ok() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

std::string Conn::error() const {
  if (!conn_) return reason_;
  return trimmed(PQerrorMessage(conn_));
}

bool Conn::in_transaction() const {
  if (!conn_) return false;
  const auto s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

bool Conn::transaction_failed() const {
  return conn_ && PQtransactionStatus(conn_) == PQTRANS_INERROR;
}

std::expected<Rows, PgError> Conn::check(PGresult* result) {
  const auto status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(result);
  PgError e;
  if (result) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    if (state) e.sqlstate = state;
    e.message = trimmed(PQresultErrorMessage(result));
    PQclear(result);
  }
  if (e.message.empty()) e.message = error();
  e.connection_lost = !ok();
  // A lost connection loses its prepared statements; a reset one prepares them again.
  if (e.connection_lost) prepared_.clear();
  return std::unexpected(std::move(e));
}

std::expected<Rows, PgError> Conn::exec(const char* sql) {
  if (!ok()) {
    deferred_.clear();
    return std::unexpected(PgError{"", error(), true});
  }
  if (!deferred_.empty()) {
    // Several statements in one text cannot join a pipeline: the deferred ones go first.
    if (std::string_view(sql).find(';') != std::string_view::npos) {
      if (auto sent = flush(); !sent) return std::unexpected(sent.error());
    } else {
      return pipelined(sql, nullptr);
    }
  }
  return check(PQexec(conn_, sql));
}

std::expected<std::string, PgError> Conn::statement(const char* sql, bool send) {
  if (auto it = prepared_.find(sql); it != prepared_.end()) return it->second;
  std::string name = "s" + std::to_string(next_statement_++);
  if (send) {
    if (PQsendPrepare(conn_, name.c_str(), sql, 0, nullptr) != 1) {
      return std::unexpected(PgError{"", error(), !ok()});
    }
  } else {
    auto made = check(PQprepare(conn_, name.c_str(), sql, 0, nullptr));
    if (!made) return std::unexpected(made.error());
  }
  prepared_.emplace(sql, name);
  return name;
}

std::expected<Rows, PgError> Conn::query(const char* sql, const Params& params) {
  if (!ok()) {
    deferred_.clear();
    return std::unexpected(PgError{"", error(), true});
  }
  if (!deferred_.empty()) return pipelined(sql, &params);
  auto name = statement(sql, false);
  if (!name) return std::unexpected(name.error());
  const auto values = params.pointers();
  return check(
      PQexecPrepared(conn_, name->c_str(), params.size(), values.data(), nullptr, nullptr, 0));
}

std::expected<void, PgError> Conn::flush() {
  if (deferred_.empty()) return {};
  if (!ok()) {
    deferred_.clear();
    return std::unexpected(PgError{"", error(), true});
  }
  auto r = pipelined(nullptr, nullptr);
  if (!r) return std::unexpected(r.error());
  return {};
}

bool Conn::writes_deferred() const {
  return std::ranges::any_of(deferred_, [](const Deferred& d) { return d.params.has_value(); });
}

std::expected<Rows, PgError> Conn::pipelined(const char* sql, const Params* params) {
  std::vector<Deferred> queued;
  queued.swap(deferred_);
  // Statements first prepared in this round trip: a failure before their PREPARE ran means they
  // may not exist, so they are prepared again next time.
  std::vector<const char*> fresh;
  const auto lost = [this] {
    // A connection that broke mid-pipeline is given up: it cannot leave pipeline mode cleanly.
    PgError e{"", error(), true};
    if (e.message.empty()) e.message = "the connection failed in the middle of a pipeline";
    PQfinish(conn_);
    conn_ = nullptr;
    reason_ = e.message;
    prepared_.clear();
    return std::unexpected(std::move(e));
  };
  if (PQenterPipelineMode(conn_) != 1) return lost();
  int commands = 0;
  // One prepared statement with its parameters (and its PREPARE first when new).
  const auto send_prepared = [&](const char* q, const Params& p) {
    const bool known = prepared_.contains(q);
    auto name = statement(q, true);
    if (!name) return false;
    if (!known) {
      fresh.push_back(q);
      ++commands;  // the PREPARE's own result comes first
    }
    const auto values = p.pointers();
    if (PQsendQueryPrepared(conn_, name->c_str(), p.size(), values.data(), nullptr, nullptr, 0) !=
        1) {
      return false;
    }
    ++commands;
    return true;
  };
  for (const Deferred& d : queued) {
    if (d.params) {
      if (!send_prepared(d.sql, *d.params)) return lost();
    } else {
      if (PQsendQueryParams(conn_, d.sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
        return lost();
      }
      ++commands;
    }
  }
  if (sql != nullptr && params != nullptr) {
    if (!send_prepared(sql, *params)) return lost();
  } else if (sql != nullptr) {
    if (PQsendQueryParams(conn_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) return lost();
    ++commands;
  }
  if (PQpipelineSync(conn_) != 1) return lost();
  // Each command's result, then a null; then the sync. The first failure wins; what follows a
  // failure is aborted and says nothing more.
  std::optional<PgError> failure;
  std::optional<Rows> last;
  for (int i = 0; i < commands; ++i) {
    for (PGresult* r = PQgetResult(conn_); r != nullptr; r = PQgetResult(conn_)) {
      const auto status = PQresultStatus(r);
      if (status == PGRES_PIPELINE_ABORTED) {
        PQclear(r);
        continue;
      }
      auto checked = check(r);  // takes r
      if (!checked) {
        if (!failure) failure = checked.error();
      } else if (i == commands - 1) {
        last = std::move(*checked);
      }
    }
  }
  PGresult* sync = PQgetResult(conn_);
  const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  if (sync != nullptr) PQclear(sync);
  if (!synced || PQexitPipelineMode(conn_) != 1) return lost();
  if (failure) {
    for (const char* q : fresh) prepared_.erase(q);
    return std::unexpected(std::move(*failure));
  }
  if (!last) return std::unexpected(PgError{"", "no result from the pipeline", false});
  return std::move(*last);
}

std::expected<std::string, std::string> redacted(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &err);
  if (!options) {
    std::string reason = err ? trimmed(err) : "out of memory";
    if (err) PQfreemem(err);
    return std::unexpected(reason);
  }
  std::string user, host, port, dbname;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string_view k = o->keyword;
    if (k == "user") user = o->val;
    if (k == "host" || (k == "hostaddr" && host.empty())) host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  std::string out = "postgresql://";
  if (!user.empty()) out += user + "@";
  out += host;
  if (!port.empty()) out += ":" + port;
  out += "/" + dbname;
  return out;
}

}  // namespace centli::pg
