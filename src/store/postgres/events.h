// STUB on branch pg-base only: replaced by the real PostgreSQL events repositories.
#pragma once
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "store/events.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgOutbox final : public Outbox {
 public:
  PgOutbox(pg::Conn&, bool) {}
  Result<void> append(const OutboxEvent& e) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<OutboxEvent>> after(std::int64_t after_seq, std::int64_t limit) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<OutboxEvent>> window(std::int64_t from_ms, std::int64_t to_ms,
                                          std::int64_t after_seq, std::int64_t limit) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<OutboxEvent>> list(const ArchiveFilter& filter, std::int64_t limit) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> sweep(std::int64_t cut_ms, std::int64_t seq_max) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
};

class PgDeliveries final : public Deliveries {
 public:
  PgDeliveries(pg::Conn&, bool) {}
  Result<std::int64_t> dispatch_cursor() override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> set_dispatch_cursor(std::int64_t seq) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> insert(const DeliveryDraft& d) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<DueDelivery>> due(std::string_view target, std::int64_t now_ms,
                                       std::int64_t limit) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> mark_delivered(std::int64_t delivery_id, std::int64_t attempts,
                              std::int64_t now_ms) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> mark_retry(std::int64_t delivery_id, std::int64_t attempts, std::int64_t next_ms,
                          std::int64_t now_ms, std::string_view error) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<bool> mark_dead(std::int64_t delivery_id, std::int64_t attempts, std::int64_t now_ms,
                         std::string_view error) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> sweep_delivered(std::int64_t cut_ms, std::int64_t seq_max) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::int64_t> add_replay(std::int64_t from_ms, std::int64_t to_ms, std::string_view rule,
                                  std::int64_t now_ms) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<ReplayRequest>> open_replays(std::int64_t limit) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> finish_replay(std::int64_t replay_id, std::int64_t now_ms) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
};

class PgDeadLetters final : public DeadLetters {
 public:
  PgDeadLetters(pg::Conn&, bool) {}
  Result<void> insert(const DeadLetterRecord& d) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<DeadLetter>> list(std::string_view dead_id, std::int64_t limit) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::int64_t> redrive(std::string_view dead_id, std::int64_t now_ms) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::int64_t> purge(std::string_view dead_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
};

class PgInbox final : public Inbox {
 public:
  PgInbox(pg::Conn&, bool) {}
  Result<bool> contains(std::string_view consumer, std::string_view event_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> insert(std::string_view consumer, std::string_view event_id,
                      std::int64_t now_ms) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> test_count_application(std::string_view event_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
};

}  // namespace centli::store::postgres_impl
