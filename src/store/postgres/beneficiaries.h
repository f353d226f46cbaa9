// The PostgreSQL implementation of store::Beneficiaries (table beneficiaries). Beneficiaries are
// never changed after their insert, and the alias is unique per person by an index, so no read
// here needs a lock.
#pragma once

#include "store/beneficiaries.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgBeneficiaries final : public Beneficiaries {
 public:
  PgBeneficiaries(pg::Conn& conn, bool) : conn_(conn) {}
  Result<std::optional<Beneficiary>> load(std::string_view user_id,
                                          std::string_view beneficiary_id) override;
  Result<std::optional<Beneficiary>> find_by_alias(std::string_view user_id,
                                                   std::string_view alias_normalized) override;
  Result<std::vector<Beneficiary>> of_user(std::string_view user_id) override;
  Result<std::vector<Beneficiary>> page(std::string_view user_id,
                                        std::string_view after_alias_normalized,
                                        std::string_view after_id, std::int64_t limit) override;
  Result<std::int64_t> count(std::string_view user_id) override;
  Result<void> insert(const Beneficiary& b) override;

 private:
  pg::Conn& conn_;
};

}  // namespace centli::store::postgres_impl
