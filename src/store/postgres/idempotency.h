// STUB on branch pg-base only: replaced by the real PostgreSQL idempotency repositories.
#pragma once
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "store/idempotency.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgIdempotency final : public Idempotency {
 public:
  PgIdempotency(pg::Conn&, bool) {}
  Result<std::optional<IdempotencyRecord>> find(std::string_view principal, std::string_view key,
                                                std::int64_t now_ms) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> put(const IdempotencyRecord& r) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> update_answer(std::string_view principal, std::string_view key, int status,
                             std::string_view response) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::int64_t> delete_expired(std::int64_t now_ms, std::int64_t limit) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
};

}  // namespace centli::store::postgres_impl
