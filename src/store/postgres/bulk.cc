#include "store/postgres/bulk.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/postgres/errors.h"

namespace centli::store::postgres_impl {
namespace {

// WITH ORDINALITY ... ORDER BY keeps the rows in array order, so the identity seq of history
// rows follows the order they were given in.
constexpr const char* kInsertHistory =
    "INSERT INTO transactions (transaction_id, transfer_id, account_id, user_id, timestamp_ms, "
    "kind, direction, amount_minor, currency, balance_after_minor, counterparty, description) "
    "SELECT r.transaction_id, r.transfer_id, r.account_id, r.user_id, r.timestamp_ms, r.kind, "
    "r.direction, r.amount_minor, r.currency, r.balance_after_minor, r.counterparty, "
    "r.description FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], "
    "$6::text[], $7::text[], $8::bigint[], $9::text[], $10::bigint[], $11::text[], $12::text[]) "
    "WITH ORDINALITY AS r(transaction_id, transfer_id, account_id, user_id, timestamp_ms, kind, "
    "direction, amount_minor, currency, balance_after_minor, counterparty, description, n) "
    "ORDER BY r.n";
constexpr const char* kInsertAccounts =
    "INSERT INTO accounts (user_id, account_id, account_number, type, status, currency, name, "
    "posted_minor, held_minor, credit_limit_minor, created_ms) "
    "SELECT r.user_id, r.account_id, r.account_number, r.type, r.status, r.currency, r.name, "
    "r.posted_minor, 0, r.credit_limit_minor, r.created_ms FROM unnest($1::text[], $2::text[], "
    "$3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], "
    "$10::bigint[]) AS r(user_id, account_id, account_number, type, status, currency, name, "
    "posted_minor, credit_limit_minor, created_ms)";
constexpr const char* kInsertBeneficiaries =
    "INSERT INTO beneficiaries (user_id, beneficiary_id, alias, alias_normalized, name, "
    "account_id, clabe, bank_code, bank_name, created_ms) "
    "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], "
    "$6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[])";

// One column as a PostgreSQL array literal ({"a","b",NULL} or {1,2}), built row by row.
class ArrayLiteral {
 public:
  void add(std::string_view text) {
    open();
    out_ += '"';
    for (char c : text) {
      if (c == '"' || c == '\\') out_ += '\\';
      out_ += c;
    }
    out_ += '"';
  }
  void add(const std::optional<std::string>& text) {
    if (text) return add(std::string_view(*text));
    open();
    out_ += "NULL";
  }
  void add(std::int64_t n) {
    open();
    out_ += std::to_string(n);
  }
  std::string done() && {
    if (out_.empty()) out_ = "{";
    out_ += '}';
    return std::move(out_);
  }

 private:
  void open() { out_ += out_.empty() ? '{' : ','; }
  std::string out_;
};

// Runs `sql` once per slice of at most PgBulk::kRowsPerStatementMax rows. `columns` is the number
// of array parameters; `fill(row, arrays)` adds one row's value to each of them.
template <class Row, class Fill>
Result<void> insert_sliced(pg::Conn& conn, const char* sql, std::span<const Row> rows,
                           std::size_t columns, Fill fill) {
  for (std::size_t start = 0; start < rows.size(); start += PgBulk::kRowsPerStatementMax) {
    const std::size_t end = std::min(rows.size(), start + PgBulk::kRowsPerStatementMax);
    std::vector<ArrayLiteral> arrays(columns);
    for (std::size_t i = start; i < end; ++i) fill(rows[i], arrays);
    pg::Params params;
    for (ArrayLiteral& a : arrays) params.add(std::move(a).done());
    if (auto r = run(conn, sql, params); !r) return std::unexpected(r.error());
  }
  return {};
}

}  // namespace

Result<void> PgBulk::insert_accounts(std::span<const NewAccount> accounts) {
  return insert_sliced(conn_, kInsertAccounts, accounts, 10,
                       [](const NewAccount& a, std::vector<ArrayLiteral>& c) {
                         c[0].add(a.user_id);
                         c[1].add(a.account_id);
                         c[2].add(a.account_number);
                         c[3].add(a.type);
                         c[4].add(a.status);
                         c[5].add(a.currency);
                         c[6].add(a.name);
                         c[7].add(a.posted_minor);
                         c[8].add(a.credit_limit_minor);
                         c[9].add(a.created_ms);
                       });
}

Result<void> PgBulk::insert_beneficiaries(std::span<const Beneficiary> beneficiaries) {
  return insert_sliced(conn_, kInsertBeneficiaries, beneficiaries, 10,
                       [](const Beneficiary& b, std::vector<ArrayLiteral>& c) {
                         c[0].add(std::string_view(b.user_id));
                         c[1].add(std::string_view(b.beneficiary_id));
                         c[2].add(std::string_view(b.alias));
                         c[3].add(std::string_view(b.alias_normalized));
                         c[4].add(std::string_view(b.name));
                         c[5].add(b.account_id);
                         c[6].add(b.clabe);
                         c[7].add(std::string_view(b.bank_code));
                         c[8].add(std::string_view(b.bank_name));
                         c[9].add(b.created_ms);
                       });
}

Result<void> PgBulk::append_history(std::span<const HistoryRow> rows) {
  return insert_sliced(conn_, kInsertHistory, rows, 12,
                       [](const HistoryRow& h, std::vector<ArrayLiteral>& c) {
                         c[0].add(std::string_view(h.transaction_id));
                         c[1].add(std::string_view(h.transfer_id));
                         c[2].add(std::string_view(h.account_id));
                         c[3].add(std::string_view(h.user_id));
                         c[4].add(h.timestamp_ms);
                         c[5].add(std::string_view(h.kind));
                         c[6].add(std::string_view(h.direction));
                         c[7].add(h.amount_minor);
                         c[8].add(std::string_view(h.currency));
                         c[9].add(h.balance_after_minor);
                         c[10].add(std::string_view(h.counterparty));
                         c[11].add(std::string_view(h.description));
                       });
}

}  // namespace centli::store::postgres_impl
