// The SQLite implementation of store::Idempotency (table idempotency).
#pragma once

#include "store/idempotency.h"
#include "store/sqlite/db.h"

namespace centli::store::sqlite_impl {

class SqliteIdempotency final : public Idempotency {
 public:
  explicit SqliteIdempotency(sqlite::Db& db) : db_(db) {}
  Result<std::optional<IdempotencyRecord>> find(std::string_view principal, std::string_view key,
                                                std::int64_t now_ms) override;
  Result<void> put(const IdempotencyRecord& r) override;
  Result<void> update_answer(std::string_view principal, std::string_view key, int status,
                             std::string_view response) override;
  Result<std::int64_t> delete_expired(std::int64_t now_ms, std::int64_t limit) override;

 private:
  sqlite::Db& db_;
};

}  // namespace centli::store::sqlite_impl
