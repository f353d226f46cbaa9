// Idempotency records: per principal and key, the action, the fingerprint of its request and
// the answer given, kept until expires_ms. An in-flight key has no record (the dispatcher holds
// it in memory); a record is written in the same savepoint as its command's effect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/port.h"

namespace centli::store {

struct IdempotencyRecord {
  std::string principal;
  std::string key;
  std::string action;
  std::string fingerprint;
  int status = 0;
  std::string response;
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;
};

class Idempotency {
 public:
  // The record of (principal, key) that has not expired at now_ms.
  virtual Result<std::optional<IdempotencyRecord>> find(std::string_view principal,
                                                        std::string_view key,
                                                        std::int64_t now_ms) = 0;
  // Inserts the record, replacing an expired one of the same principal and key.
  virtual Result<void> put(const IdempotencyRecord& r) = 0;
  // Replaces the stored answer of an existing record (a deferred command's final answer).
  virtual Result<void> update_answer(std::string_view principal, std::string_view key, int status,
                                     std::string_view response) = 0;
  // Deletes up to `limit` records expired at now_ms; returns how many.
  virtual Result<std::int64_t> delete_expired(std::int64_t now_ms, std::int64_t limit) = 0;

 protected:
  ~Idempotency() = default;
};

}  // namespace centli::store
