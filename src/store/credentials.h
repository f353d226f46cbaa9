// Bearer-token credentials: the SHA-256 of each token and what it may do. The tokens
// themselves are never stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/port.h"

namespace centli::store {

struct Credential {
  std::string token_hash;  // SHA-256 of the token, hex
  bool service = false;    // a service principal (else a person)
  std::string subject;     // user id or service name
  bool delegate = false;   // may act for the person its trusted caller names
  std::string scopes;      // scope names separated by one space
  std::int64_t created_ms = 0;
};

class Credentials {
 public:
  virtual Result<void> insert(const Credential& c) = 0;
  // The credential of a token hash, unless missing or revoked.
  virtual Result<std::optional<Credential>> find(std::string_view token_hash) = 0;

 protected:
  ~Credentials() = default;
};

}  // namespace centli::store
