// The PostgreSQL implementation of store::Beneficiaries (table beneficiaries). Beneficiaries are
// never changed after their insert, so no row needs a lock; but adding one decides on the
// person's whole book (no alias taken yet, fewer than the limit), which no row lock covers. So
// in a write, find_by_alias and count first take a transaction lock on the person's book (an
// advisory lock on a hash of the user id): two nodes adding to one book take turns, and the
// second sees what the first committed.
#pragma once

#include "store/beneficiaries.h"
#include "store/postgres/conn.h"

namespace centli::store::postgres_impl {

class PgBeneficiaries final : public Beneficiaries {
 public:
  PgBeneficiaries(pg::Conn& conn, bool writing) : conn_(conn), writing_(writing) {}
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
  // Writing: waits for, then holds until commit, the lock on user_id's book.
  Result<void> lock_book(std::string_view user_id);

  pg::Conn& conn_;
  bool writing_;
};

}  // namespace centli::store::postgres_impl
