// STUB on branch pg-base only: replaced by the real PostgreSQL beneficiaries repositories.
#pragma once
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "store/beneficiaries.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgBeneficiaries final : public Beneficiaries {
 public:
  PgBeneficiaries(pg::Conn&, bool) {}
  Result<std::optional<Beneficiary>> load(std::string_view user_id,
                                          std::string_view beneficiary_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::optional<Beneficiary>> find_by_alias(std::string_view user_id,
                                                   std::string_view alias_normalized) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<Beneficiary>> of_user(std::string_view user_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::vector<Beneficiary>> page(std::string_view user_id,
                                        std::string_view after_alias_normalized,
                                        std::string_view after_id, std::int64_t limit) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<std::int64_t> count(std::string_view user_id) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
  Result<void> insert(const Beneficiary& b) override {
    return std::unexpected(Error{Error::Kind::kFailed, "not yet"});
  }
};

}  // namespace centli::store::postgres_impl
