// The SQLite implementation of the event repositories (tables outbox, deliveries, dead_letters,
// inbox, replay_requests, and meta for the dispatcher's cursor and the test consumer's counts).
// One process writes, so what is routed is a cursor (the last seq routed, seq being commit
// order) and a claim needs no lock.
#pragma once

#include "store/events.h"
#include "store/sqlite/db.h"

namespace centli::store::sqlite_impl {

class SqliteOutbox final : public Outbox {
 public:
  explicit SqliteOutbox(sqlite::Db& db) : db_(db) {}
  Result<void> append(const OutboxEvent& e) override;
  Result<std::vector<OutboxEvent>> after(std::int64_t after_seq, std::int64_t limit) override;
  Result<std::vector<OutboxEvent>> unrouted(std::int64_t limit) override;
  Result<void> mark_routed(std::span<const std::int64_t> seqs) override;
  Result<std::vector<OutboxEvent>> window(std::int64_t from_ms, std::int64_t to_ms,
                                          std::int64_t after_seq, std::int64_t limit) override;
  Result<std::vector<OutboxEvent>> list(const ArchiveFilter& filter, std::int64_t limit) override;
  Result<void> sweep(std::int64_t cut_ms) override;

 private:
  sqlite::Db& db_;
};

class SqliteDeliveries final : public Deliveries {
 public:
  explicit SqliteDeliveries(sqlite::Db& db) : db_(db) {}
  Result<void> insert(const DeliveryDraft& d) override;
  Result<std::vector<DueDelivery>> due(std::string_view target, std::int64_t now_ms,
                                       std::int64_t limit) override;
  Result<std::vector<DueDelivery>> claim(std::string_view target, std::int64_t now_ms,
                                         std::int64_t lease_until_ms, std::int64_t limit) override;
  Result<void> release(std::int64_t delivery_id, std::int64_t lease_until_ms,
                       std::int64_t now_ms) override;
  Result<void> mark_delivered(std::int64_t delivery_id, std::int64_t attempts,
                              std::int64_t now_ms) override;
  Result<void> mark_retry(std::int64_t delivery_id, std::int64_t attempts, std::int64_t next_ms,
                          std::int64_t now_ms, std::string_view error) override;
  Result<bool> mark_dead(std::int64_t delivery_id, std::int64_t attempts, std::int64_t now_ms,
                         std::string_view error) override;
  Result<void> sweep_delivered(std::int64_t cut_ms) override;
  Result<std::int64_t> add_replay(std::int64_t from_ms, std::int64_t to_ms, std::string_view rule,
                                  std::int64_t now_ms) override;
  Result<std::vector<ReplayRequest>> open_replays(std::int64_t limit) override;
  Result<void> finish_replay(std::int64_t replay_id, std::int64_t now_ms) override;

 private:
  sqlite::Db& db_;
};

class SqliteDeadLetters final : public DeadLetters {
 public:
  explicit SqliteDeadLetters(sqlite::Db& db) : db_(db) {}
  Result<void> insert(const DeadLetterRecord& d) override;
  Result<std::vector<DeadLetter>> list(std::string_view dead_id, std::int64_t limit) override;
  Result<std::int64_t> redrive(std::string_view dead_id, std::int64_t now_ms) override;
  Result<std::int64_t> purge(std::string_view dead_id) override;

 private:
  sqlite::Db& db_;
};

class SqliteInbox final : public Inbox {
 public:
  explicit SqliteInbox(sqlite::Db& db) : db_(db) {}
  Result<bool> contains(std::string_view consumer, std::string_view event_id) override;
  Result<void> insert(std::string_view consumer, std::string_view event_id,
                      std::int64_t now_ms) override;
  Result<void> test_count_application(std::string_view event_id) override;

 private:
  sqlite::Db& db_;
};

}  // namespace centli::store::sqlite_impl
