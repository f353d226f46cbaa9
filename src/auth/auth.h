// Principals, scopes and bearer tokens. Tokens are random and stored only as SHA-256 hashes.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "domain/error.h"

namespace centli::store {
class Store;
}

namespace centli::auth {

// One bit per kind of effect (least privilege).
enum Scope : std::uint32_t {
  kBankingRead = 1u << 0,
  kBankingTransfer = 1u << 1,
  kMarketplaceRead = 1u << 2,
  kMarketplacePurchase = 1u << 3,
  kCrmRead = 1u << 4,
  kCrmWrite = 1u << 5,
  kAdmin = 1u << 6,
};

// Every scope a person's own token gets when none is named: all but admin.
inline constexpr std::uint32_t kPersonScopesDefault = kBankingRead | kBankingTransfer |
                                                      kMarketplaceRead | kMarketplacePurchase |
                                                      kCrmRead | kCrmWrite;

std::optional<Scope> parse_scope(std::string_view name);
std::string_view scope_name(Scope scope);
// "banking:read banking:transfer" for a mask.
std::string scope_list(std::uint32_t mask);

struct Principal {
  enum class Kind { kUser, kService };
  Kind kind = Kind::kUser;
  std::string subject;    // user id or service name
  bool delegate = false;  // a service that acts for the person its caller names
  std::uint32_t scopes = 0;

  bool has(Scope s) const { return (scopes & s) == s; }
  // Stable name used to scope idempotency keys: "user:user-123", "service:bedrock".
  std::string key() const;
};

// The principal of the tools on a data directory (`centli call` and `centli mcp` with --data):
// a delegated service with every person scope, acting for the person named by --user. The same
// in-process and through a running server (the server's local credential, docs/cli.md), so an
// idempotency key given with --key belongs to one principal whichever way a call goes.
Principal local_tools_principal();

// Creates and verifies tokens against the credentials table. Thread-safe; verified tokens are
// cached in memory (tokens are never edited, only created).
class TokenStore {
 public:
  explicit TokenStore(store::Store& store) : store_(store) {}
  // Stores the hash and returns the token ("cnt_" + 43 base64url characters).
  std::expected<std::string, std::string> create(const Principal& principal);
  // Returns a new token for `principal` that lives only in this object's memory: it is never
  // stored, so it stops being valid when the process ends (a server's local credential).
  std::string create_in_memory(const Principal& principal);
  // The principal of a valid token, or nullopt; when the store could not be asked, the error to
  // answer (store::api_error: 503 when it is unavailable, never 401: the token may be valid).
  std::expected<std::optional<Principal>, Error> verify(std::string_view token);

 private:
  store::Store& store_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, Principal> cache_;      // by token hash
  std::unordered_map<std::string, Principal> in_memory_;  // by token hash; never evicted
};

}  // namespace centli::auth
