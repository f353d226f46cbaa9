// The PostgreSQL implementation of store::Idempotency (table idempotency). In a write
// transaction find() locks the live record it returns (FOR UPDATE); put() replaces only a record
// that has expired by the new record's created_ms, and fails with kConstraint when a live one
// exists (another node committed the key meanwhile), so the caller's command rolls back.
#pragma once

#include "store/idempotency.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgIdempotency final : public Idempotency {
 public:
  PgIdempotency(pg::Conn& conn, bool writing) : conn_(conn), writing_(writing) {}
  Result<std::optional<IdempotencyRecord>> find(std::string_view principal, std::string_view key,
                                                std::int64_t now_ms) override;
  Result<void> put(const IdempotencyRecord& r) override;
  Result<void> update_answer(std::string_view principal, std::string_view key, int status,
                             std::string_view response) override;
  // Skips records another transaction holds, so a sweep never waits for a command.
  Result<std::int64_t> delete_expired(std::int64_t now_ms, std::int64_t limit) override;

 private:
  pg::Conn& conn_;
  bool writing_;
};

}  // namespace centli::store::postgres_impl
