// The SQLite implementation of store::Beneficiaries (table beneficiaries).
#pragma once

#include "store/beneficiaries.h"
#include "store/sqlite/db.h"

namespace centli::store::sqlite_impl {

class SqliteBeneficiaries final : public Beneficiaries {
 public:
  explicit SqliteBeneficiaries(sqlite::Db& db) : db_(db) {}
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
  sqlite::Db& db_;
};

}  // namespace centli::store::sqlite_impl
