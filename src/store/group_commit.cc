#include "store/group_commit.h"

#include <algorithm>

#include "obs/log.h"
#include "obs/metrics.h"
#include "store/meta.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/limits.h"

namespace centli::store {
namespace {

// The writer's probe while commits fail: the smallest write that has to reach the database.
WriteJob probe_job() {
  return WriteJob{
      [](WriteTx& tx) { (void)tx.meta().put("store.probe_ms", std::to_string(tx.now_ms())); },
      [](bool) {}};
}

}  // namespace

void GroupCommitStore::start_writer() {
  writer_ = std::thread([this] { writer_loop(); });
}

bool GroupCommitStore::stop_writer() {
  {
    std::lock_guard lock(mu_);
    if (closing_ && !writer_.joinable()) return false;
    closing_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  return true;
}

bool GroupCommitStore::submit(WriteJob job) {
  {
    std::lock_guard lock(mu_);
    if (closing_ || queue_.size() >= limits::kWriteQueueMax) return false;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

bool GroupCommitStore::is_open() const {
  std::lock_guard lock(mu_);
  return !closing_;
}

void GroupCommitStore::add_commit_listener(std::function<void()> listener) {
  commit_listeners_.push_back(std::move(listener));
}

void GroupCommitStore::writer_loop() {
  std::vector<WriteJob> batch;
  batch.reserve(limits::kWriteBatchMax);
  for (;;) {
    {
      std::unique_lock lock(mu_);
      const auto woken = [this] { return closing_ || !queue_.empty(); };
      bool idle = false;
      if (commits_failing_.load()) {
        cv_.wait_until(lock, next_probe_, woken);
      } else {
        idle = !cv_.wait_for(lock, std::chrono::milliseconds(limits::kStoreProbeIntervalMs), woken);
      }
      if (idle) {
        // Quiet for a while: a store that went away meanwhile must not look ready.
        lock.unlock();
        if (std::string why = idle_check(); !why.empty()) note_batch({.error = why});
        continue;
      }
      while (!queue_.empty() && batch.size() < limits::kWriteBatchMax) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (batch.empty() && closing_) return;  // closing and drained
      obs::metrics::store_queue_depth(queue_.size());
    }
    // While commits fail, a probe that must reach the database rides along (or runs alone) once
    // per interval: batches of commands may write nothing (a sweep with nothing due), and a
    // quiet server would otherwise never find out that commits work again.
    if (commits_failing_.load() && std::chrono::steady_clock::now() >= next_probe_) {
      batch.push_back(probe_job());
      next_probe_ = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(limits::kStoreProbeIntervalMs);
    }
    if (batch.empty()) continue;
    const std::int64_t now = std::max(util::now_ms(), last_batch_ms_);
    last_batch_ms_ = now;
    const auto started = std::chrono::steady_clock::now();
    const BatchOutcome outcome = run_batch(batch, now);
    obs::metrics::store_batch(
        batch.size(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
        outcome.committed);
    // Before the jobs answer, so a caller told 503 finds the server not ready.
    note_batch(outcome);
    for (WriteJob& job : batch) job.finish(outcome.committed);
    if (outcome.committed)
      for (auto& listener : commit_listeners_) listener();
    batch.clear();
  }
}

void GroupCommitStore::note_batch(const BatchOutcome& outcome) {
  if (!outcome.committed) {
    ++failed_batches_;
    if (commits_failing_.exchange(true)) return;
    next_probe_ =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(limits::kStoreProbeIntervalMs);
    rapidjson::StringBuffer b;
    json::Writer w(b);
    w.StartObject();
    json::kv(w, "error", outcome.error);
    json::kv(w, "store", where());
    w.EndObject();
    std::string details(json::view(b));
    if (!outcome.details.empty()) details.insert(details.size() - 1, "," + outcome.details);
    obs::log(obs::Level::kError, "store commits failing; not ready until one succeeds",
             {"", "", "", "", details});
    return;
  }
  if (!outcome.wrote || !commits_failing_.load()) return;
  commits_failing_.store(false);
  const std::string details = "{\"failed_batches\":" + std::to_string(failed_batches_) + "}";
  failed_batches_ = 0;
  obs::log(obs::Level::kWarn, "store commits succeed again; ready", {"", "", "", "", details});
}

}  // namespace centli::store
