// The PostgreSQL implementation of store::Credentials (table credentials).
#pragma once

#include "store/credentials.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgCredentials final : public Credentials {
 public:
  PgCredentials(pg::Conn& conn, bool) : conn_(conn) {}
  Result<void> insert(const Credential& c) override;
  Result<std::optional<Credential>> find(std::string_view token_hash) override;

 private:
  pg::Conn& conn_;
};

}  // namespace centli::store::postgres_impl
