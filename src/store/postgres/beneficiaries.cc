#include "store/postgres/beneficiaries.h"

#include "store/postgres/errors.h"
#include "util/assert.h"

namespace centli::store::postgres_impl {
namespace {

// The account number comes from the target account for masked display; a CLABE row has none.
#define CENTLI_BENEFICIARY_COLUMNS                                                          \
  "SELECT b.beneficiary_id, b.user_id, b.alias, b.alias_normalized, b.name, b.account_id, " \
  "b.clabe, b.bank_code, b.bank_name, b.created_ms, COALESCE(a.account_number, '') "        \
  "FROM beneficiaries b LEFT JOIN accounts a ON a.account_id = b.account_id "

// Taken again in one transaction it is held once more, harmlessly; released at its end (or with
// the savepoint it was taken in).
constexpr const char* kLockBook =
    "SELECT pg_advisory_xact_lock(hashtextextended('centli.beneficiaries:' || $1, 0))";
constexpr const char* kSelectBeneficiary =
    CENTLI_BENEFICIARY_COLUMNS "WHERE b.user_id = $1 AND b.beneficiary_id = $2";
constexpr const char* kSelectBeneficiaryByAlias =
    CENTLI_BENEFICIARY_COLUMNS "WHERE b.user_id = $1 AND b.alias_normalized = $2";
constexpr const char* kSelectBeneficiariesOfUser =
    CENTLI_BENEFICIARY_COLUMNS "WHERE b.user_id = $1 ORDER BY b.alias_normalized, b.beneficiary_id";
constexpr const char* kSelectBeneficiaryPage = CENTLI_BENEFICIARY_COLUMNS
    "WHERE b.user_id = $1 AND (b.alias_normalized, b.beneficiary_id) > ($2, $3) "
    "ORDER BY b.alias_normalized, b.beneficiary_id LIMIT $4";
constexpr const char* kCountBeneficiaries = "SELECT COUNT(*) FROM beneficiaries WHERE user_id = $1";
constexpr const char* kInsertBeneficiary =
    "INSERT INTO beneficiaries (user_id, beneficiary_id, alias, alias_normalized, name, "
    "account_id, clabe, bank_code, bank_name, created_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

#undef CENTLI_BENEFICIARY_COLUMNS

Beneficiary read_beneficiary(const pg::Rows& rows, int r) {
  return Beneficiary{.beneficiary_id = rows.text(r, 0),
                     .user_id = rows.text(r, 1),
                     .alias = rows.text(r, 2),
                     .alias_normalized = rows.text(r, 3),
                     .name = rows.text(r, 4),
                     .account_id = rows.optional_text(r, 5),
                     .clabe = rows.optional_text(r, 6),
                     .bank_code = rows.text(r, 7),
                     .bank_name = rows.text(r, 8),
                     .created_ms = rows.int64(r, 9),
                     .account_number = rows.text(r, 10)};
}

Result<std::optional<Beneficiary>> one(pg::Conn& conn, const char* sql, const pg::Params& params) {
  auto rows = run(conn, sql, params);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::nullopt;
  return read_beneficiary(*rows, 0);
}

Result<std::vector<Beneficiary>> book(pg::Conn& conn, const char* sql, const pg::Params& params) {
  auto rows = run(conn, sql, params);
  if (!rows) return std::unexpected(rows.error());
  return read_all<Beneficiary>(*rows, read_beneficiary);
}

}  // namespace

Result<std::optional<Beneficiary>> PgBeneficiaries::load(std::string_view user_id,
                                                         std::string_view beneficiary_id) {
  return one(conn_, kSelectBeneficiary, pg::Params(user_id, beneficiary_id));
}

Result<void> PgBeneficiaries::lock_book(std::string_view user_id) {
  if (!writing_) return {};
  if (auto r = run(conn_, kLockBook, pg::Params(user_id)); !r) return std::unexpected(r.error());
  return {};
}

Result<std::optional<Beneficiary>> PgBeneficiaries::find_by_alias(
    std::string_view user_id, std::string_view alias_normalized) {
  if (auto locked = lock_book(user_id); !locked) return std::unexpected(locked.error());
  return one(conn_, kSelectBeneficiaryByAlias, pg::Params(user_id, alias_normalized));
}

Result<std::vector<Beneficiary>> PgBeneficiaries::of_user(std::string_view user_id) {
  return book(conn_, kSelectBeneficiariesOfUser, pg::Params(user_id));
}

Result<std::vector<Beneficiary>> PgBeneficiaries::page(std::string_view user_id,
                                                       std::string_view after_alias_normalized,
                                                       std::string_view after_id,
                                                       std::int64_t limit) {
  return book(conn_, kSelectBeneficiaryPage,
              pg::Params(user_id, after_alias_normalized, after_id, limit));
}

Result<std::int64_t> PgBeneficiaries::count(std::string_view user_id) {
  if (auto locked = lock_book(user_id); !locked) return std::unexpected(locked.error());
  auto rows = run(conn_, kCountBeneficiaries, pg::Params(user_id));
  if (!rows) return std::unexpected(rows.error());
  return rows->int64(0, 0);
}

Result<void> PgBeneficiaries::insert(const Beneficiary& b) {
  CENTLI_ASSERT(b.account_id.has_value() != b.clabe.has_value());
  auto done = run(conn_, kInsertBeneficiary,
                  pg::Params(b.user_id, b.beneficiary_id, b.alias, b.alias_normalized, b.name,
                             b.account_id, b.clabe, b.bank_code, b.bank_name, b.created_ms));
  if (!done) return std::unexpected(done.error());
  return {};
}

}  // namespace centli::store::postgres_impl
