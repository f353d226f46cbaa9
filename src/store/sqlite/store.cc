#include "store/sqlite/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>

#include "obs/log.h"
#include "store/meta.h"
#include "store/migrations.h"
#include "store/sqlite/tx.h"
#include "util/clock.h"
#include "util/limits.h"

namespace centli::store::sqlite_impl {
namespace {

constexpr std::string_view kLockFileName = "centli.lock";

constexpr const char* kWriterPragmas =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"  // an acknowledged commit survives power loss
    "PRAGMA temp_store=MEMORY;"
    "PRAGMA cache_size=-16000;"
    "PRAGMA wal_autocheckpoint=0;"  // the checkpointer thread does it
    "PRAGMA mmap_size=268435456;";
constexpr const char* kReaderPragmas =
    "PRAGMA query_only=1;"
    "PRAGMA temp_store=MEMORY;"
    "PRAGMA cache_size=-4000;"
    // A commit empties every reader's page cache; mapped pages are re-read without a syscall.
    "PRAGMA mmap_size=268435456;";
constexpr const char* kSchemaVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);";
constexpr const char* kSelectSchemaVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
constexpr const char* kInsertSchemaVersion = "INSERT INTO schema_version (version) VALUES (?1)";
}  // namespace

namespace {

std::expected<void, std::string> migrate(sqlite::Db& db, int& version_out) {
  if (auto r = db.exec(kSchemaVersionTable); !r) return std::unexpected(r.error().message);
  auto st = db.prepare(kSelectSchemaVersion);
  if (!st) return std::unexpected(st.error().message);
  if (auto row = st->step(); !row || !*row) return std::unexpected("cannot read schema_version");
  int version = static_cast<int>(st->int64(0));
  auto all = migrations();
  const int latest = all.empty() ? 0 : all.back().version;
  if (version > latest) {
    return std::unexpected("the data directory has schema version " + std::to_string(version) +
                           ", newer than this centli understands (" + std::to_string(latest) +
                           "); use a newer centli or another --data directory");
  }
  for (const Migration& m : all) {
    if (m.version <= version) continue;
    if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return std::unexpected(r.error().message);
    auto applied = db.exec(m.sql);
    if (applied) {
      auto ins = db.prepare(kInsertSchemaVersion);
      if (ins) applied = ins->bind(1, m.version).exec();
    }
    if (!applied) {
      (void)db.exec("ROLLBACK");
      return std::unexpected("migration " + std::to_string(m.version) + " (" + m.name +
                             ") failed: " + applied.error().message);
    }
    if (auto r = db.exec("COMMIT"); !r) return std::unexpected(r.error().message);
    version = m.version;
  }
  version_out = version;
  return {};
}

}  // namespace

// A reader connection and the transaction over it; the connection goes back to the pool.
class SqliteStore::Lease final : public Reader::Lease {
 public:
  Lease(SqliteStore& store, std::unique_ptr<sqlite::Db> db)
      : store_(store), db_(std::move(db)), tx_(*db_) {}
  ~Lease() override { store_.give_back(std::move(db_)); }
  ReadTx& tx() override { return tx_; }

 private:
  SqliteStore& store_;
  std::unique_ptr<sqlite::Db> db_;
  ReadTxImpl tx_;
};

std::expected<std::unique_ptr<Store>, std::string> SqliteStore::open(const StoreOptions& options) {
  // Before SQLite's first use: every connection is used by one thread at a time (NOMUTEX), and
  // the global memory statistics would serialize every allocation behind one mutex.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  std::unique_ptr<SqliteStore> s(new SqliteStore());
  s->data_dir_ = options.data_dir.empty() ? "." : options.data_dir;
  if (options.create && ::mkdir(s->data_dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    return std::unexpected("cannot create data directory " + s->data_dir_ + ": " +
                           std::strerror(errno));
  }
  const std::string lock_path = s->data_dir_ + "/" + std::string(sqlite_impl::kLockFileName);
  s->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->lock_fd_ < 0) {
    return std::unexpected("cannot open " + lock_path + ": " + std::strerror(errno));
  }
  if (options.exclusive && ::flock(s->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return std::unexpected("data directory " + s->data_dir_ +
                           " is in use by another centli process");
  }
  s->db_path_ = s->data_dir_ + "/centli.db";
  auto db = sqlite::Db::open(s->db_path_, options.create, false);
  if (!db) return std::unexpected("cannot open " + s->db_path_ + ": " + db.error().message);
  s->writer_db_ = std::move(*db);
  const std::string size_limit =
      "PRAGMA journal_size_limit=" + std::to_string(limits::kWalFileBytesMax) + ";";
  auto r = s->writer_db_->exec(kWriterPragmas);
  if (r) r = s->writer_db_->exec(size_limit.c_str());
  if (!r) {
    return std::unexpected("cannot configure " + s->db_path_ + ": " + r.error().message);
  }
  if (auto r = migrate(*s->writer_db_, s->schema_version_); !r) return std::unexpected(r.error());
  // Called by SQLite after each commit that appended frames to the WAL, and only then.
  sqlite3_wal_hook(
      s->writer_db_->raw(),
      [](void* store, sqlite3*, const char*, int) {
        static_cast<SqliteStore*>(store)->commit_wrote_ = true;
        return SQLITE_OK;
      },
      s.get());
  s->start_writer();
  if (options.exclusive) {
    auto ckpt = sqlite::Db::open(s->db_path_, false, false);
    if (!ckpt) return std::unexpected("cannot open " + s->db_path_ + ": " + ckpt.error().message);
    s->checkpoint_db_ = std::move(*ckpt);
    // A connection learns the database is in WAL mode on its first read; until then a
    // checkpoint on it does nothing.
    if (auto r = s->checkpoint_db_->exec("SELECT count(*) FROM sqlite_master"); !r) {
      return std::unexpected("cannot read " + s->db_path_ + ": " + r.error().message);
    }
    s->checkpointer_ = std::thread([p = s.get()] { p->checkpoint_loop(); });
  }
  return s;
}

SqliteStore::~SqliteStore() {
  close();
  pool_.clear();
  writer_db_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void SqliteStore::checkpoint_loop() {
  std::unique_lock lock(checkpoint_mu_);
  while (!checkpoint_stop_) {
    checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(limits::kCheckpointIntervalMs));
    if (checkpoint_stop_) break;
    lock.unlock();
    int log_frames = 0, copied_frames = 0;
    // PASSIVE never blocks the writer or readers; it copies what no reader still needs.
    sqlite3_wal_checkpoint_v2(checkpoint_db_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                              &log_frames, &copied_frames);
    if (log_frames > limits::kWalFramesRestartMin) {
      // A WAL this long means readers kept PASSIVE from finishing; RESTART waits for them
      // briefly so the next commit starts the WAL over instead of growing it.
      sqlite3_wal_checkpoint_v2(checkpoint_db_->raw(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr,
                                nullptr);
    }
    lock.lock();
  }
}

GroupCommitStore::BatchOutcome SqliteStore::run_batch(std::vector<WriteJob>& batch,
                                                      std::int64_t now_ms) {
  sqlite::Db& db = *writer_db_;
  std::optional<sqlite::DbError> failure;
  commit_wrote_ = false;
  if (auto begun = db.exec("BEGIN IMMEDIATE"); !begun) {
    failure = begun.error();
  } else {
    WriteTxImpl tx(db, now_ms);
    for (WriteJob& job : batch) job.run(tx);
    if (auto committed = db.exec("COMMIT"); !committed) {
      failure = committed.error();
      (void)db.exec("ROLLBACK");
    }
  }
  if (!failure) return {.committed = true, .wrote = commit_wrote_};
  return {.error = failure->message, .details = "\"sqlite_code\":" + std::to_string(failure->code)};
}

Reader SqliteStore::reader() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto db = std::move(pool_.back());
      pool_.pop_back();
      return Reader(std::make_unique<Lease>(*this, std::move(db)));
    }
  }
  auto db = open_reader();
  // A reader that cannot be opened is a broken data directory: nothing can be served.
  if (!db) {
    std::fprintf(stderr, "centli: cannot open a reader: %s\n", db.error().c_str());
    std::abort();
  }
  return Reader(std::make_unique<Lease>(*this, std::move(*db)));
}

std::expected<std::unique_ptr<sqlite::Db>, std::string> SqliteStore::open_reader() {
  auto db = sqlite::Db::open(db_path_, false, false);
  if (!db) return std::unexpected(db.error().message);
  if (auto r = (*db)->exec(kReaderPragmas); !r) return std::unexpected(r.error().message);
  return std::move(*db);
}

void SqliteStore::give_back(std::unique_ptr<sqlite::Db> db) {
  std::lock_guard lock(pool_mu_);
  if (pool_.size() < limits::kReaderConnectionsMax) pool_.push_back(std::move(db));
}

void SqliteStore::close() {
  if (!stop_writer()) return;
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
  checkpoint_db_.reset();
  if (writer_db_) (void)writer_db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace centli::store::sqlite_impl

namespace centli::store {

bool lock_held(const std::string& data_dir) {
  const std::string path =
      (data_dir.empty() ? "." : data_dir) + "/" + std::string(sqlite_impl::kLockFileName);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases the probe's shared lock, if it got one
  return held;
}

}  // namespace centli::store
