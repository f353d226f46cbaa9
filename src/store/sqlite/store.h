// The SQLite implementation of store::Store (store/store.h).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/group_commit.h"
#include "store/sqlite/db.h"

namespace centli::store::sqlite_impl {

// The embedded store: one SQLite database in WAL mode with synchronous=FULL, one writer thread
// that folds concurrent commands into one transaction (group commit), a pool of reader
// connections, and a checkpointer thread.
class SqliteStore final : public GroupCommitStore {
 public:
  static std::expected<std::unique_ptr<Store>, std::string> open(const StoreOptions& options);
  ~SqliteStore() override;

  Reader reader() override;
  void close() override;
  int schema_version() const override { return schema_version_; }
  const std::string& data_dir() const override { return data_dir_; }

 private:
  class Lease;
  SqliteStore() = default;
  BatchOutcome run_batch(std::vector<WriteJob>& batch, std::int64_t now_ms) override;
  std::string where() const override { return data_dir_; }
  // Copies committed WAL frames into the database on its own connection, so the writer thread
  // never pays for a checkpoint inside a commit.
  void checkpoint_loop();
  void give_back(std::unique_ptr<sqlite::Db> db);
  std::expected<std::unique_ptr<sqlite::Db>, std::string> open_reader();

  std::string data_dir_;
  std::string db_path_;
  int lock_fd_ = -1;
  int schema_version_ = 0;
  std::unique_ptr<sqlite::Db> writer_db_;
  // Writer thread only: whether the current batch's commit wrote to the WAL (set by SQLite's
  // WAL hook).
  bool commit_wrote_ = false;

  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;  // woken by close()
  bool checkpoint_stop_ = false;
  std::unique_ptr<sqlite::Db> checkpoint_db_;
  std::thread checkpointer_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<sqlite::Db>> pool_;
};

}  // namespace centli::store::sqlite_impl
