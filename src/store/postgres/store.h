// The PostgreSQL implementation of store::Store (store/store.h): a database that any number of
// centli processes share. Each process folds its concurrent commands into one transaction on
// its writer connection (group commit, a savepoint per command) and lends read transactions
// from a bounded pool of connections. Concurrency control between processes is the database's:
// rows a command decides on are read with FOR UPDATE inside its write transaction.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "store/group_commit.h"
#include "store/migrations.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgStore final : public GroupCommitStore {
 public:
  // options.url names the database. Fails with a message for people: not a URL, unreachable,
  // refused credentials, a schema newer than this centli.
  static std::expected<std::unique_ptr<Store>, std::string> open(const StoreOptions& options);
  ~PgStore() override;

  Reader reader() override;
  void close() override;
  int schema_version() const override { return schema_version_; }
  const std::string& data_dir() const override { return where_; }

 private:
  class Lease;
  PgStore() = default;
  BatchOutcome run_batch(std::vector<WriteJob>& batch, std::int64_t now_ms) override;
  std::string where() const override { return where_; }
  std::string idle_check() override;
  // A connection for a reader: an idle one, a new one while fewer than pool_max are out, or
  // (after waiting limits::kStorePoolWaitMs for one to come back) a broken one whose
  // statements fail as unavailable.
  std::unique_ptr<pg::Conn> borrow();
  void give_back(std::unique_ptr<pg::Conn> conn);

  std::string url_;
  std::string where_;  // url_ without its password
  int schema_version_ = 0;
  std::unique_ptr<pg::Conn> writer_;  // writer thread only

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<pg::Conn>> idle_;
  std::size_t lent_ = 0;
  std::size_t pool_max_ = 0;
};

// Applies the pending migrations of `all` on `conn` under an advisory lock, so that nodes
// starting together migrate once; returns the schema version. Refuses a newer schema.
std::expected<int, std::string> migrate(pg::Conn& conn, std::span<const Migration> all);

}  // namespace centli::store::postgres_impl
