#include "store/postgres/store.h"

#include <chrono>

#include "obs/metrics.h"
#include "store/postgres/errors.h"
#include "store/postgres/tx.h"
#include "util/limits.h"

namespace centli::store::postgres_impl {
namespace {

constexpr const char* kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
constexpr const char* kBegin = "BEGIN";
// Every process that migrates takes this lock first (the number is centli's own), so nodes that
// start together apply each migration once.
constexpr const char* kLockMigrations = "SELECT pg_advisory_xact_lock(7261746501)";
constexpr const char* kSchemaVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)";
constexpr const char* kSelectSchemaVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
constexpr const char* kInsertSchemaVersion = "INSERT INTO schema_version (version) VALUES ($1)";

// Runs one migration step in its own transaction; the version after it.
std::expected<int, std::string> migrate_step(pg::Conn& conn, const Migration* m, int latest) {
  auto fail = [&conn](const std::string& what) -> std::expected<int, std::string> {
    if (conn.in_transaction()) (void)conn.exec("ROLLBACK");
    return std::unexpected(what);
  };
  if (auto r = conn.exec("BEGIN"); !r) return fail(r.error().message);
  if (auto r = conn.exec(kLockMigrations); !r) return fail(r.error().message);
  if (auto r = conn.exec(kSchemaVersionTable); !r) return fail(r.error().message);
  auto current = conn.query(kSelectSchemaVersion);
  if (!current) return fail(current.error().message);
  const int version = static_cast<int>(current->int64(0, 0));
  if (version > latest) {
    return fail("the database has schema version " + std::to_string(version) +
                ", newer than this centli understands (" + std::to_string(latest) +
                "); use a newer centli or another database");
  }
  if (m != nullptr && m->version > version) {
    if (auto r = conn.exec(m->sql); !r) {
      return fail("migration " + std::to_string(m->version) + " (" + m->name +
                  ") failed: " + r.error().message);
    }
    if (auto r = conn.query(kInsertSchemaVersion, pg::Params(m->version)); !r) {
      return fail(r.error().message);
    }
  }
  if (auto r = conn.exec("COMMIT"); !r) return fail(r.error().message);
  return m != nullptr && m->version > version ? m->version : version;
}

}  // namespace

std::expected<int, std::string> migrate(pg::Conn& conn, std::span<const Migration> all) {
  const int latest = all.empty() ? 0 : all.back().version;
  auto version = migrate_step(conn, nullptr, latest);  // refuses a newer schema before any DDL
  for (const Migration& m : all) {
    if (!version) return version;
    if (m.version > *version) version = migrate_step(conn, &m, latest);
  }
  return version;
}

// A read transaction on a pooled connection; the connection goes back to the pool.
class PgStore::Lease final : public Reader::Lease {
 public:
  Lease(PgStore& store, std::unique_ptr<pg::Conn> conn, bool began)
      : store_(store), conn_(std::move(conn)), began_(began), tx_(*conn_, false) {}
  ~Lease() override {
    if (began_) (void)conn_->exec("COMMIT");
    store_.give_back(std::move(conn_));
  }
  ReadTx& tx() override { return tx_; }

 private:
  PgStore& store_;
  std::unique_ptr<pg::Conn> conn_;
  bool began_;
  ReadTxImpl tx_;
};

std::expected<std::unique_ptr<Store>, std::string> PgStore::open(const StoreOptions& options) {
  auto where = pg::redacted(options.url);
  if (!where) return std::unexpected("--store is not a PostgreSQL URL: " + where.error());
  if (options.pool_max > limits::kStorePoolMax) {
    return std::unexpected("the store pool may hold at most " +
                           std::to_string(limits::kStorePoolMax) + " connections");
  }
  std::unique_ptr<PgStore> s(new PgStore());
  s->url_ = options.url;
  s->where_ = *where;
  s->pool_max_ = options.pool_max == 0 ? limits::kStorePoolDefault : options.pool_max;
  s->writer_ = pg::Conn::connect(s->url_);
  if (!s->writer_->ok()) {
    return std::unexpected("cannot connect to the store " + s->where_ + ": " + s->writer_->error());
  }
  auto version = migrate(*s->writer_, migrations());
  if (!version) return std::unexpected(s->where_ + ": " + version.error());
  s->schema_version_ = *version;
  s->start_writer();
  return s;
}

PgStore::~PgStore() { close(); }

void PgStore::close() {
  if (!stop_writer()) return;
  writer_.reset();
  std::lock_guard lock(pool_mu_);
  idle_.clear();
}

GroupCommitStore::BatchOutcome PgStore::run_batch(std::vector<WriteJob>& batch,
                                                  std::int64_t now_ms) {
  // After a lost connection (a restart, a failover, a cut), the next batch connects afresh.
  if (!writer_->ok()) writer_ = pg::Conn::connect(url_);
  if (!writer_->ok()) return {.error = writer_->error()};
  // BEGIN goes with the batch's first statement.
  writer_->defer(kBegin);
  {
    WriteTxImpl tx(*writer_, now_ms);
    for (WriteJob& job : batch) job.run(tx);
  }
  // The savepoints still deferred, so that the transaction's state is known.
  if (auto sent = writer_->flush(); !sent && !writer_->ok()) return {.error = sent.error().message};
  // A statement that failed outside any savepoint aborted the whole transaction: its COMMIT
  // would only roll back, so nothing of the batch is kept and every command hears so.
  if (writer_->transaction_failed()) {
    (void)writer_->exec("ROLLBACK");
    return {.error = "a command failed outside its savepoint; the batch was rolled back"};
  }
  if (auto committed = writer_->exec("COMMIT"); !committed) {
    if (writer_->in_transaction()) (void)writer_->exec("ROLLBACK");
    return {.error = committed.error().message,
            .details = "\"sqlstate\":\"" + committed.error().sqlstate + "\""};
  }
  return {.committed = true, .wrote = true};
}

std::string PgStore::idle_check() {
  if (!writer_->ok()) writer_ = pg::Conn::connect(url_);
  if (!writer_->ok()) return writer_->error();
  if (auto r = writer_->exec("SELECT 1"); !r) return r.error().message;
  return "";
}

Reader PgStore::reader() {
  auto conn = borrow();
  bool began = conn->exec(kBeginRead).has_value();
  if (!began && conn->made() && !conn->ok()) {
    // A pooled connection the server dropped while it was idle: one fresh try.
    conn = pg::Conn::connect(url_);
    began = conn->exec(kBeginRead).has_value();
  }
  return Reader(std::make_unique<Lease>(*this, std::move(conn), began));
}

std::unique_ptr<pg::Conn> PgStore::borrow() {
  std::unique_lock lock(pool_mu_);
  const bool available =
      pool_cv_.wait_for(lock, std::chrono::milliseconds(limits::kStorePoolWaitMs),
                        [this] { return !idle_.empty() || lent_ < pool_max_; });
  ++lent_;
  obs::metrics::store_pool_in_use(lent_);
  if (available && !idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return conn;
  }
  lock.unlock();
  if (available) return pg::Conn::connect(url_);
  // Every connection stayed lent past the wait: this read fails as unavailable (503) instead
  // of queueing without bound.
  return pg::Conn::unavailable("every connection of the store pool (" + std::to_string(pool_max_) +
                               ") is in use");
}

void PgStore::give_back(std::unique_ptr<pg::Conn> conn) {
  {
    std::lock_guard lock(pool_mu_);
    --lent_;
    obs::metrics::store_pool_in_use(lent_);
    if (conn->ok() && !conn->in_transaction() && is_open()) idle_.push_back(std::move(conn));
  }
  pool_cv_.notify_one();
}

}  // namespace centli::store::postgres_impl
