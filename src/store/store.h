// The store as the rest of centli sees it: a writer that folds concurrent commands into one
// transaction (group commit, each command in its own savepoint) and a pool of read
// transactions. Store::open picks the backend: the embedded one (store/sqlite/store.h: one
// SQLite database in WAL mode with synchronous=FULL) or PostgreSQL (store/postgres/store.h: a
// database shared by any number of centli processes).
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "store/port.h"

namespace centli::store {

struct StoreOptions {
  // The embedded store's directory, used when url is empty.
  std::string data_dir;
  bool create = true;  // create the directory and database when absent
  // The serving process holds an exclusive lock on the directory. Short tools that only insert
  // rows through SQLite's own locking (token create) open it shared, beside a running server.
  bool exclusive = true;
  // A PostgreSQL database (postgresql://user:password@host:port/dbname, or libpq's key=value
  // form); empty for the embedded store.
  std::string url;
  // PostgreSQL: read connections this process may hold (0: limits::kStorePoolDefault).
  std::size_t pool_max = 0;
};

// A command for the writer. `run` executes inside its own savepoint of the batch transaction
// and must leave no partial effect when it fails: it rolls back its own savepoints. `finish` is
// called on the writer thread after the batch's COMMIT (committed=true) or after the batch was
// rolled back (committed=false, e.g. disk full); it must not block.
struct WriteJob {
  std::function<void(WriteTx&)> run;
  std::function<void(bool committed)> finish;
};

// True when another open file description holds the exclusive lock of data_dir (a serving
// process or an in-process tool); false when nobody does or the directory has no lock file.
// The probe takes a shared lock for an instant, so call it only after Store::open was refused.
bool lock_held(const std::string& data_dir);

// A read transaction borrowed from the store's pool; returned on destruction.
class Reader {
 public:
  // What a backend lends: a transaction over one of its connections, given back when deleted.
  class Lease {
   public:
    virtual ~Lease() = default;
    virtual ReadTx& tx() = 0;
  };
  explicit Reader(std::unique_ptr<Lease> lease)
      : lease_(std::move(lease)), start_(std::chrono::steady_clock::now()) {}
  Reader(Reader&&) = default;
  Reader& operator=(Reader&&) = delete;
  // Gives the lease back and counts how long the read was open (metrics).
  ~Reader();
  // The port: repositories over this reader's connection.
  ReadTx& tx() { return lease_->tx(); }

 private:
  std::unique_ptr<Lease> lease_;
  std::chrono::steady_clock::time_point start_;
};

// What --store takes, for a command's help; and why `url` is not such a store, or empty.
std::string shared_store_help();
std::string shared_store_url_problem(std::string_view url);

class Store {
 public:
  // Opens or creates the store in options.data_dir, takes an exclusive lock on it (a second
  // process on the same directory is refused), applies pending migrations, and starts the
  // writer. Fails with a message for people (newer schema, locked, unreadable).
  static std::expected<std::unique_ptr<Store>, std::string> open(const StoreOptions& options);
  virtual ~Store() = default;

  // Thread-safe. Queues a job for the writer; false when the queue is full or the store is
  // closing (the caller answers 503). The job's finish is always called when true is returned.
  virtual bool submit(WriteJob job) = 0;
  // Thread-safe. Runs `fn` as a single-command batch and waits for its commit. For tools and
  // tests; servers use submit(). Returns false when the batch did not commit.
  bool write_sync(const std::function<void(WriteTx&)>& fn);
  // Thread-safe. Borrows a read transaction (opens a connection when the pool is empty).
  virtual Reader reader() = 0;
  // Stops accepting jobs, drains the queue, stops the writer. Idempotent.
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  // Thread-safe. True from a batch that could not begin or commit (disk full, I/O error) until
  // one that writes commits again: the server is not ready (/readyz 503) meanwhile. Each change
  // of this state is logged once, with the store's message. While it is true the writer probes
  // with a one-row write every limits::kStoreProbeIntervalMs, so the state clears by itself
  // once the cause is gone.
  virtual bool commits_failing() const = 0;
  virtual int schema_version() const = 0;
  virtual const std::string& data_dir() const = 0;

  // Adds a function called on the writer thread after each committed batch (event dispatchers
  // wake on it); it must not block. Add before serving: the list is not locked.
  virtual void add_commit_listener(std::function<void()> listener) = 0;
};

}  // namespace centli::store
