// Reading and writing a person's beneficiaries (address book). Every query is scoped by the
// person's user_id, so another person's beneficiary reads exactly like a missing one.
// Table layout: docs/crm.md.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/port.h"

namespace centli::store {

struct Beneficiary {
  std::string beneficiary_id;
  std::string user_id;
  std::string alias;             // as the person wrote it: "Mamá"
  std::string alias_normalized;  // alias::normalize(alias): "mama"; unique per person
  std::string name;
  std::optional<std::string> account_id;  // a centli customer's account, or
  std::optional<std::string> clabe;       // an account at another bank (18 digits)
  std::string bank_code;                  // CLABE destinations only
  std::string bank_name;                  // CLABE destinations only
  std::int64_t created_ms = 0;
  // Filled on reads for account destinations: the target account's number (for masking).
  std::string account_number;
};

class Beneficiaries {
 public:
  // One beneficiary of `user_id`, or nullopt when it is missing or belongs to someone else.
  virtual Result<std::optional<Beneficiary>> load(std::string_view user_id,
                                                  std::string_view beneficiary_id) = 0;
  // The beneficiary of `user_id` whose normalized alias is `alias_normalized`, if any.
  virtual Result<std::optional<Beneficiary>> find_by_alias(std::string_view user_id,
                                                           std::string_view alias_normalized) = 0;
  // The whole address book of `user_id`, ordered by normalized alias then id. Bounded by
  // limits::kBeneficiariesPerUserMax, which add_beneficiary enforces.
  virtual Result<std::vector<Beneficiary>> of_user(std::string_view user_id) = 0;
  // One page in the same order, strictly after (after_alias_normalized, after_id); pass two
  // empty strings for the first page. Returns at most `limit` rows.
  virtual Result<std::vector<Beneficiary>> page(std::string_view user_id,
                                                std::string_view after_alias_normalized,
                                                std::string_view after_id, std::int64_t limit) = 0;
  // In a write transaction, find_by_alias and count are a decision on the person's whole book:
  // until the transaction ends, no other process's write reads or adds to that book.
  virtual Result<std::int64_t> count(std::string_view user_id) = 0;
  // Inserts `b` (account_number is ignored). Requires: exactly one of account_id and clabe.
  virtual Result<void> insert(const Beneficiary& b) = 0;

 protected:
  ~Beneficiaries() = default;
};

}  // namespace centli::store
