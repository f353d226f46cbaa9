// The SQLite implementation of store::Store (store/store.h).
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

#include "store/sqlite/db.h"
#include "store/store.h"

namespace centli::store::sqlite_impl {

// The embedded store: one SQLite database in WAL mode with synchronous=FULL, one writer thread
// that folds concurrent commands into one transaction (group commit), a pool of reader
// connections, and a checkpointer thread.
class SqliteStore final : public Store {
 public:
  static std::expected<std::unique_ptr<Store>, std::string> open(const StoreOptions& options);
  ~SqliteStore() override;

  bool submit(WriteJob job) override;
  Reader reader() override;
  void close() override;
  bool is_open() const override;
  bool commits_failing() const override { return commits_failing_.load(); }
  int schema_version() const override { return schema_version_; }
  const std::string& data_dir() const override { return data_dir_; }
  void add_commit_listener(std::function<void()> listener) override;

 private:
  class Lease;
  SqliteStore() = default;
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

}  // namespace centli::store::sqlite_impl
