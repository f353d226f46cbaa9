// The PostgreSQL implementation of the event repositories (tables outbox, deliveries,
// dead_letters, inbox, replay_requests, and meta for the test consumer's counts), with the same
// results as store/sqlite/events.h for one process, and safe for many on one database: routing
// marks each event (outbox.routed) and claims skip what another process holds (events.cc).
#pragma once

#include "store/events.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

// When `writing`, unrouted() locks the events it returns and skips those locked elsewhere.
class PgOutbox final : public Outbox {
 public:
  PgOutbox(pg::Conn& conn, bool writing) : conn_(conn), writing_(writing) {}
  Result<void> append(const OutboxEvent& e) override;
  Result<std::vector<OutboxEvent>> after(std::int64_t after_seq, std::int64_t limit) override;
  Result<std::vector<OutboxEvent>> unrouted(std::int64_t limit) override;
  Result<void> mark_routed(std::span<const std::int64_t> seqs) override;
  Result<std::vector<OutboxEvent>> window(std::int64_t from_ms, std::int64_t to_ms,
                                          std::int64_t after_seq, std::int64_t limit) override;
  Result<std::vector<OutboxEvent>> list(const ArchiveFilter& filter, std::int64_t limit) override;
  Result<void> sweep(std::int64_t cut_ms) override;

 private:
  pg::Conn& conn_;
  bool writing_;
};

class PgDeliveries final : public Deliveries {
 public:
  PgDeliveries(pg::Conn& conn, bool) : conn_(conn) {}
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
  pg::Conn& conn_;
};

class PgDeadLetters final : public DeadLetters {
 public:
  PgDeadLetters(pg::Conn& conn, bool) : conn_(conn) {}
  Result<void> insert(const DeadLetterRecord& d) override;
  Result<std::vector<DeadLetter>> list(std::string_view dead_id, std::int64_t limit) override;
  Result<std::int64_t> redrive(std::string_view dead_id, std::int64_t now_ms) override;
  Result<std::int64_t> purge(std::string_view dead_id) override;

 private:
  pg::Conn& conn_;
};

class PgInbox final : public Inbox {
 public:
  PgInbox(pg::Conn& conn, bool) : conn_(conn) {}
  Result<bool> contains(std::string_view consumer, std::string_view event_id) override;
  Result<void> insert(std::string_view consumer, std::string_view event_id,
                      std::int64_t now_ms) override;
  Result<void> test_count_application(std::string_view event_id) override;

 private:
  pg::Conn& conn_;
};

}  // namespace centli::store::postgres_impl
