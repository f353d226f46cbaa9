#include "store/sqlite/beneficiaries.h"

#include "store/sqlite/errors.h"
#include "util/assert.h"

namespace centli::store::sqlite_impl {
namespace {

// The account number comes from the target account for masked display; a CLABE row has none.
#define CENTLI_BENEFICIARY_COLUMNS                                                          \
  "SELECT b.beneficiary_id, b.user_id, b.alias, b.alias_normalized, b.name, b.account_id, " \
  "b.clabe, b.bank_code, b.bank_name, b.created_ms, COALESCE(a.account_number, '') "        \
  "FROM beneficiaries b LEFT JOIN accounts a ON a.account_id = b.account_id "

constexpr const char* kSelectBeneficiary =
    CENTLI_BENEFICIARY_COLUMNS "WHERE b.user_id = ?1 AND b.beneficiary_id = ?2";
constexpr const char* kSelectBeneficiaryByAlias =
    CENTLI_BENEFICIARY_COLUMNS "WHERE b.user_id = ?1 AND b.alias_normalized = ?2";
constexpr const char* kSelectBeneficiariesOfUser =
    CENTLI_BENEFICIARY_COLUMNS "WHERE b.user_id = ?1 ORDER BY b.alias_normalized, b.beneficiary_id";
constexpr const char* kSelectBeneficiaryPage = CENTLI_BENEFICIARY_COLUMNS
    "WHERE b.user_id = ?1 AND (b.alias_normalized, b.beneficiary_id) > (?2, ?3) "
    "ORDER BY b.alias_normalized, b.beneficiary_id LIMIT ?4";
constexpr const char* kCountBeneficiaries = "SELECT COUNT(*) FROM beneficiaries WHERE user_id = ?1";
constexpr const char* kInsertBeneficiary =
    "INSERT INTO beneficiaries (user_id, beneficiary_id, alias, alias_normalized, name, "
    "account_id, clabe, bank_code, bank_name, created_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

#undef CENTLI_BENEFICIARY_COLUMNS

Beneficiary read_beneficiary(const sqlite::Stmt& st) {
  Beneficiary b;
  b.beneficiary_id = st.text(0);
  b.user_id = st.text(1);
  b.alias = st.text(2);
  b.alias_normalized = st.text(3);
  b.name = st.text(4);
  if (!st.is_null(5)) b.account_id = st.text(5);
  if (!st.is_null(6)) b.clabe = st.text(6);
  b.bank_code = st.text(7);
  b.bank_name = st.text(8);
  b.created_ms = st.int64(9);
  b.account_number = st.text(10);
  return b;
}

Result<std::vector<Beneficiary>> read_book(sqlite::Stmt& st) {
  return read_all<Beneficiary>(st, read_beneficiary);
}

Result<std::optional<Beneficiary>> read_one(sqlite::Stmt& st) {
  auto row = st.step();
  if (!row) return std::unexpected(to_error(row.error()));
  if (!*row) return std::optional<Beneficiary>();
  return std::optional<Beneficiary>(read_beneficiary(st));
}

}  // namespace

Result<std::optional<Beneficiary>> SqliteBeneficiaries::load(std::string_view user_id,
                                                             std::string_view beneficiary_id) {
  auto st = db_.prepare(kSelectBeneficiary);
  if (!st) return std::unexpected(to_error(st.error()));
  st->bind(1, user_id).bind(2, beneficiary_id);
  return read_one(*st);
}

Result<std::optional<Beneficiary>> SqliteBeneficiaries::find_by_alias(
    std::string_view user_id, std::string_view alias_normalized) {
  auto st = db_.prepare(kSelectBeneficiaryByAlias);
  if (!st) return std::unexpected(to_error(st.error()));
  st->bind(1, user_id).bind(2, alias_normalized);
  return read_one(*st);
}

Result<std::vector<Beneficiary>> SqliteBeneficiaries::of_user(std::string_view user_id) {
  auto st = db_.prepare(kSelectBeneficiariesOfUser);
  if (!st) return std::unexpected(to_error(st.error()));
  st->bind(1, user_id);
  return read_book(*st);
}

Result<std::vector<Beneficiary>> SqliteBeneficiaries::page(std::string_view user_id,
                                                           std::string_view after_alias_normalized,
                                                           std::string_view after_id,
                                                           std::int64_t limit) {
  auto st = db_.prepare(kSelectBeneficiaryPage);
  if (!st) return std::unexpected(to_error(st.error()));
  st->bind(1, user_id).bind(2, after_alias_normalized).bind(3, after_id).bind(4, limit);
  return read_book(*st);
}

Result<std::int64_t> SqliteBeneficiaries::count(std::string_view user_id) {
  auto st = db_.prepare(kCountBeneficiaries);
  if (!st) return std::unexpected(to_error(st.error()));
  st->bind(1, user_id);
  auto row = st->step();
  if (!row) return std::unexpected(to_error(row.error()));
  return *row ? st->int64(0) : 0;
}

Result<void> SqliteBeneficiaries::insert(const Beneficiary& b) {
  CENTLI_ASSERT(b.account_id.has_value() != b.clabe.has_value());
  auto st = db_.prepare(kInsertBeneficiary);
  if (!st) return std::unexpected(to_error(st.error()));
  auto done = st->bind(1, b.user_id)
                  .bind(2, b.beneficiary_id)
                  .bind(3, b.alias)
                  .bind(4, b.alias_normalized)
                  .bind(5, b.name)
                  .bind(6, b.account_id)
                  .bind(7, b.clabe)
                  .bind(8, b.bank_code)
                  .bind(9, b.bank_name)
                  .bind(10, b.created_ms)
                  .exec();
  if (!done) return std::unexpected(to_error(done.error()));
  return {};
}

}  // namespace centli::store::sqlite_impl
