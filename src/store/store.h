// The embedded store: one SQLite database in WAL mode with synchronous=FULL, one writer thread
// that folds concurrent commands into one transaction (group commit), and a pool of readers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/port.h"
#include "store/sqlite/db.h"
#include "store/sqlite/tx.h"

namespace centli::store {

struct StoreOptions {
  std::string data_dir;
  bool create = true;  // create the directory and database when absent
  // The serving process holds an exclusive lock on the directory. Short tools that only insert
  // rows through SQLite's own locking (token create) open it shared, beside a running server.
  bool exclusive = true;
};

// A command for the writer. `run` executes inside its own savepoint of the batch transaction
// and must leave no partial effect when it fails: it rolls back its own savepoints. `finish` is
// called on the writer thread after the batch's COMMIT (committed=true) or after the batch was
// rolled back (committed=false, e.g. disk full); it must not block.
struct WriteJob {
  std::function<void(WriteTx&)> run;
  std::function<void(bool committed)> finish;
};

class Store;

// True when another open file description holds the exclusive lock of data_dir (a serving
// process or an in-process tool); false when nobody does or the directory has no lock file.
// The probe takes a shared lock for an instant, so call it only after Store::open was refused.
bool lock_held(const std::string& data_dir);

// A reader connection borrowed from the pool; returned on destruction.
class Reader {
 public:
  Reader(Store& store, std::unique_ptr<sqlite::Db> db)
      : store_(&store), db_(std::move(db)), tx_(*db_) {}
  Reader(Reader&&) = default;
  ~Reader();
  // The port: repositories over this reader's connection.
  ReadTx& tx() { return tx_; }
  // Transitional (issue 11, step 1): the connection itself, for callers not yet on the port.
  sqlite::Db& db() { return *db_; }

 private:
  Store* store_;
  std::unique_ptr<sqlite::Db> db_;
  sqlite_impl::ReadTxImpl tx_;
};

class Store {
 public:
  // Opens or creates the store in options.data_dir, takes an exclusive lock on it (a second
  // process on the same directory is refused), applies pending migrations, and starts the
  // writer. Fails with a message for people (newer schema, locked, unreadable).
  static std::expected<std::unique_ptr<Store>, std::string> open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Thread-safe. Queues a job for the writer; false when the queue is full or the store is
  // closing (the caller answers 503). The job's finish is always called when true is returned.
  bool submit(WriteJob job);
  // Thread-safe. Runs `fn` as a single-command batch and waits for its commit. For tools and
  // tests; servers use submit(). Returns false when the batch did not commit.
  bool write_sync(const std::function<void(WriteTx&)>& fn);
  // Thread-safe. Borrows a reader connection (creates one when the pool is empty).
  Reader reader();
  // Stops accepting jobs, drains the queue, stops the writer. Idempotent.
  void close();
  bool is_open() const;
  // Thread-safe. True from a batch that could not begin or commit (disk full, I/O error) until
  // one that writes commits again: the server is not ready (/readyz 503) meanwhile. Each change
  // of this state is logged once, the failure with SQLite's message. While it is true the
  // writer adds a one-row probe (meta `store.probe_ms`) to a batch, or runs it alone, every
  // limits::kStoreProbeIntervalMs, so the state clears by itself once the cause is gone.
  bool commits_failing() const { return commits_failing_.load(); }
  int schema_version() const { return schema_version_; }
  const std::string& data_dir() const { return data_dir_; }

  // Adds a function called on the writer thread after each committed batch (event dispatchers
  // wake on it); it must not block. Add before serving: the list is not locked.
  void add_commit_listener(std::function<void()> listener);

 private:
  friend class Reader;
  Store() = default;
  void writer_loop();
  // Copies committed WAL frames into the database on its own connection, so the writer thread
  // never pays for a checkpoint inside a commit.
  void checkpoint_loop();
  void run_batch(std::vector<WriteJob>& batch);
  // Writer thread only: updates commits_failing_ after a batch (`wrote`: its commit appended to
  // the WAL) and logs a change of state.
  void note_batch(const std::optional<sqlite::DbError>& failure, bool wrote);
  void give_back(std::unique_ptr<sqlite::Db> db);
  std::expected<std::unique_ptr<sqlite::Db>, std::string> open_reader();

  std::string data_dir_;
  std::string db_path_;
  int lock_fd_ = -1;
  int schema_version_ = 0;
  std::unique_ptr<sqlite::Db> writer_db_;
  std::int64_t last_batch_ms_ = 0;
  std::atomic<bool> commits_failing_{false};  // written by the writer thread only
  // Writer thread only: failed batches since the last commit, the next probe while failing,
  // and whether the current batch's commit wrote to the WAL (set by SQLite's WAL hook).
  std::int64_t failed_batches_ = 0;
  std::chrono::steady_clock::time_point next_probe_{};
  bool commit_wrote_ = false;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteJob> queue_;
  bool closing_ = false;
  std::thread writer_;
  std::unique_ptr<sqlite::Db> checkpoint_db_;
  std::thread checkpointer_;
  std::condition_variable checkpoint_cv_;  // with mu_; woken by close()
  std::vector<std::function<void()>> commit_listeners_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<sqlite::Db>> pool_;
};

}  // namespace centli::store
