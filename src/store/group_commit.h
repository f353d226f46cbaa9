// The writer every backend shares: a bounded queue of write jobs that one thread folds into
// batches, one transaction each (group commit), and the readiness that follows from whether
// batches commit. A backend says how a batch runs and commits (run_batch).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace centli::store {

class GroupCommitStore : public Store {
 public:
  bool submit(WriteJob job) override;
  bool is_open() const override;
  bool commits_failing() const override { return commits_failing_.load(); }
  void add_commit_listener(std::function<void()> listener) override;

 protected:
  // What a batch came to. `wrote`: the commit reached the database's log (a commit that wrote
  // nothing says nothing about the disk or the server, so it does not clear a failing state).
  struct BatchOutcome {
    bool committed = false;
    bool wrote = false;
    std::string error;    // the driver's words, when not committed
    std::string details;  // a JSON object's members for the log line ("\"code\":5"), or empty
  };

  GroupCommitStore() = default;
  // Starts the writer thread. Call once, at the end of the backend's open.
  void start_writer();
  // Stops accepting jobs, drains the queue and joins the writer; true the first time only.
  bool stop_writer();
  // Writer thread: runs every job of `batch` in one transaction whose clock is now_ms, and
  // commits it (or rolls it back).
  virtual BatchOutcome run_batch(std::vector<WriteJob>& batch, std::int64_t now_ms) = 0;
  // Where this store is, for log lines: a data directory or a URL without its password.
  virtual std::string where() const = 0;
  // Writer thread, after limits::kStoreProbeIntervalMs without a batch while commits succeed:
  // why the store could not commit now, if the backend can tell without writing (a database
  // server that went away); empty when it could. The embedded store has nothing to ask.
  virtual std::string idle_check() { return ""; }

 private:
  void writer_loop();
  void note_batch(const BatchOutcome& outcome);

  std::int64_t last_batch_ms_ = 0;
  std::atomic<bool> commits_failing_{false};  // written by the writer thread only
  // Writer thread only: failed batches since the last commit, the next probe while failing.
  std::int64_t failed_batches_ = 0;
  std::chrono::steady_clock::time_point next_probe_{};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteJob> queue_;
  bool closing_ = false;
  std::thread writer_;
  std::vector<std::function<void()>> commit_listeners_;
};

}  // namespace centli::store
