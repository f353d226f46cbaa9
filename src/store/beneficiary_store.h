// Reading and writing a person's beneficiaries (address book). Every query is scoped by the
// person's user_id, so another person's beneficiary reads exactly like a missing one.
// Table layout: docs/crm.md. Not thread-safe: use one connection per thread, as with Db.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/db.h"
#include "store/store.h"

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

// One beneficiary of `user_id`, or nullopt when it is missing or belongs to someone else.
std::expected<std::optional<Beneficiary>, sqlite::DbError> load_beneficiary(
    sqlite::Db& db, std::string_view user_id, std::string_view beneficiary_id);

// The beneficiary of `user_id` whose normalized alias is `alias_normalized`, if any.
std::expected<std::optional<Beneficiary>, sqlite::DbError> find_beneficiary_by_alias(
    sqlite::Db& db, std::string_view user_id, std::string_view alias_normalized);

// The whole address book of `user_id`, ordered by normalized alias then id. Bounded by
// limits::kBeneficiariesPerUserMax, which add_beneficiary enforces.
std::expected<std::vector<Beneficiary>, sqlite::DbError> list_beneficiaries(
    sqlite::Db& db, std::string_view user_id);

// One page in the same order, strictly after (after_alias_normalized, after_id); pass two
// empty strings for the first page. Returns at most `limit` rows.
std::expected<std::vector<Beneficiary>, sqlite::DbError> page_beneficiaries(
    sqlite::Db& db, std::string_view user_id, std::string_view after_alias_normalized,
    std::string_view after_id, std::int64_t limit);

std::expected<std::int64_t, sqlite::DbError> count_beneficiaries(sqlite::Db& db,
                                                                 std::string_view user_id);

// Inserts `b` (account_number is ignored). Requires: exactly one of account_id and clabe.
std::expected<void, sqlite::DbError> insert_beneficiary(WriteTx& tx, const Beneficiary& b);

}  // namespace centli::store
