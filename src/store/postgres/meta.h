// The PostgreSQL implementation of store::Meta (table meta).
#pragma once

#include "store/meta.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgMeta final : public Meta {
 public:
  PgMeta(pg::Conn& conn, bool) : conn_(conn) {}
  Result<std::optional<std::string>> get(std::string_view key) override;
  Result<void> put(std::string_view key, std::string_view value) override;

 private:
  pg::Conn& conn_;
};

}  // namespace centli::store::postgres_impl
