#include "store/postgres/accounts.h"

#include "store/history_bound.h"
#include "store/postgres/errors.h"
#include "store/postgres/history_sql.h"
#include "util/assert.h"
#include "util/ids.h"

namespace centli::store::postgres_impl {
namespace {

constexpr const char* kInsertAccount =
    "INSERT INTO accounts (user_id, account_id, account_number, type, status, currency, name, "
    "posted_minor, held_minor, credit_limit_minor, created_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10)";

#define CENTLI_ACCOUNT_COLUMNS                                                         \
  "SELECT account_id, user_id, account_number, type, status, currency, posted_minor, " \
  "held_minor, credit_limit_minor FROM accounts "

constexpr const char* kSelectAccount = CENTLI_ACCOUNT_COLUMNS "WHERE account_id = $1";
constexpr const char* kSelectAccountForUpdate =
    CENTLI_ACCOUNT_COLUMNS "WHERE account_id = $1 FOR UPDATE";
// ORDER BY under FOR UPDATE: PostgreSQL locks the rows as they leave the sort, in id order.
constexpr const char* kSelectPair =
    CENTLI_ACCOUNT_COLUMNS "WHERE account_id IN ($1, $2) ORDER BY account_id";
constexpr const char* kSelectPairForUpdate =
    CENTLI_ACCOUNT_COLUMNS "WHERE account_id IN ($1, $2) ORDER BY account_id FOR UPDATE";
constexpr const char* kSelectAccountsOfUser = CENTLI_ACCOUNT_COLUMNS
    "WHERE user_id = $1 AND type IN ('checking', 'savings', 'credit') ORDER BY account_id";
constexpr const char* kSelectAccountsOfUserForUpdate = CENTLI_ACCOUNT_COLUMNS
    "WHERE user_id = $1 AND type IN ('checking', 'savings', 'credit') ORDER BY account_id "
    "FOR UPDATE";

#undef CENTLI_ACCOUNT_COLUMNS

constexpr const char* kSelectDaily =
    "SELECT amount_minor FROM daily_outflow WHERE user_id = $1 AND day = $2";
// In a write, the day's row is made to exist and locked in one statement: the conflict branch
// locks the row another process may have just inserted (waiting for its commit) and returns
// its latest value, so two processes can never both decide from "no row" or from a stale one.
constexpr const char* kLockDaily =
    "INSERT INTO daily_outflow (user_id, day, amount_minor) VALUES ($1, $2, 0) "
    "ON CONFLICT (user_id, day) DO UPDATE SET amount_minor = daily_outflow.amount_minor "
    "RETURNING amount_minor";
// A posting in one statement (one round trip): both balances, the person's outflow when $19 is
// not empty, and both entries, the debit first so that it takes the lower seq. The
// sub-statements touch different rows, so the order PostgreSQL runs them in does not matter.
constexpr const char* kPost =
    "WITH source AS (UPDATE accounts SET posted_minor = $11 WHERE account_id = $8), "
    "target AS (UPDATE accounts SET posted_minor = $17 WHERE account_id = $14), "
    "outflow AS (INSERT INTO daily_outflow (user_id, day, amount_minor) "
    "SELECT $19, $20, $21 WHERE $19 <> '' "
    "ON CONFLICT (user_id, day) DO UPDATE SET amount_minor = excluded.amount_minor) "
    "INSERT INTO transactions (transaction_id, transfer_id, account_id, user_id, timestamp_ms, "
    "kind, direction, amount_minor, currency, balance_after_minor, counterparty, description, "
    "correlation_id) VALUES "
    "($7, $1, $8, $9, $2, $3, 'debit', $4, $10, $11, $12, $5, $6), "
    "($13, $1, $14, $15, $2, $3, 'credit', $4, $16, $17, $18, $5, $6)";
ledger::AccountState read_account(const pg::Rows& rows, int r) {
  ledger::AccountState a;
  a.account_id = rows.text(r, 0);
  a.user_id = rows.text(r, 1);
  a.account_number = rows.text(r, 2);
  a.type =
      ledger::parse_account_type(rows.text_view(r, 3)).value_or(ledger::AccountType::kClearing);
  a.active = rows.text_view(r, 4) == "active";
  a.currency = rows.text(r, 5);
  a.posted_minor = rows.int64(r, 6);
  a.held_minor = rows.int64(r, 7);
  a.credit_limit_minor = rows.int64(r, 8);
  return a;
}

HistoryEntry read_entry(const pg::Rows& rows, int r) {
  return HistoryEntry{.seq = rows.int64(r, 0),
                      .transaction_id = rows.text(r, 1),
                      .transfer_id = rows.text(r, 2),
                      .account_id = rows.text(r, 3),
                      .timestamp_ms = rows.int64(r, 4),
                      .kind = rows.text(r, 5),
                      .direction = rows.text(r, 6),
                      .amount_minor = rows.int64(r, 7),
                      .currency = rows.text(r, 8),
                      .balance_after_minor = rows.int64(r, 9),
                      .counterparty = rows.text(r, 10),
                      .description = rows.text(r, 11)};
}

}  // namespace

Result<void> PgAccounts::insert(const NewAccount& a) {
  auto r = run(conn_, kInsertAccount,
               pg::Params(a.user_id, a.account_id, a.account_number, a.type, a.status, a.currency,
                          a.name, a.posted_minor, a.credit_limit_minor, a.created_ms));
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<std::optional<ledger::AccountState>> PgAccounts::load(std::string_view account_id) {
  auto rows =
      run(conn_, writing_ ? kSelectAccountForUpdate : kSelectAccount, pg::Params(account_id));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::nullopt;
  return read_account(*rows, 0);
}

Result<AccountPair> PgAccounts::load_pair(std::string_view first, std::string_view second) {
  auto rows = run(conn_, writing_ ? kSelectPairForUpdate : kSelectPair, pg::Params(first, second));
  if (!rows) return std::unexpected(rows.error());
  AccountPair pair;
  for (int r = 0; r < rows->size(); ++r) {
    const std::string_view id = rows->text_view(r, 0);
    if (id == first) pair.first = read_account(*rows, r);
    if (id == second) pair.second = read_account(*rows, r);
  }
  return pair;
}

Result<std::vector<ledger::AccountState>> PgAccounts::of_user(std::string_view user_id) {
  auto rows = run(conn_, writing_ ? kSelectAccountsOfUserForUpdate : kSelectAccountsOfUser,
                  pg::Params(user_id));
  if (!rows) return std::unexpected(rows.error());
  return read_all<ledger::AccountState>(*rows, read_account);
}

Result<std::int64_t> PgAccounts::daily_outflow(std::string_view user_id, std::string_view day) {
  auto rows = run(conn_, writing_ ? kLockDaily : kSelectDaily, pg::Params(user_id, day));
  if (!rows) return std::unexpected(rows.error());
  return rows->empty() ? 0 : rows->int64(0, 0);
}

Result<void> PgAccounts::post(const Posting& p) {
  CENTLI_ASSERT(p.source != nullptr && p.target != nullptr && p.amount_minor > 0);
  // Double entry: what leaves the source is exactly what reaches the target.
  CENTLI_ASSERT(p.source->posted_minor - p.source_posted_after ==
                p.target_posted_after - p.target->posted_minor);
  const ledger::AccountState& src = *p.source;
  const ledger::AccountState& dst = *p.target;
  // Nobody reads its rows: it goes with the command's next statement (the key record) or its
  // savepoint's release, whose failure is then this posting's.
  conn_.defer(kPost, pg::Params(p.transfer_id, p.timestamp_ms, p.kind, p.amount_minor,
                                p.description, p.correlation_id, util::random_id("txn-"),
                                src.account_id, src.user_id, src.currency, p.source_posted_after,
                                p.source_counterparty, util::random_id("txn-"), dst.account_id,
                                dst.user_id, dst.currency, p.target_posted_after,
                                p.target_counterparty, p.daily_user_id, p.day, p.daily_used_after));
  return {};
}

Result<std::vector<HistoryEntry>> PgAccounts::history(const HistoryQuery& q) {
  const bool of_account = !q.account_id.empty();
  const HistoryBound bound = history_upper_bound(q);
  auto rows = run(conn_, of_account ? kSelectHistoryOfAccount : kSelectHistoryOfUser,
                  pg::Params(of_account ? q.account_id : q.user_id, q.from_ms, bound.timestamp_ms,
                             bound.seq, q.limit));
  if (!rows) return std::unexpected(rows.error());
  return read_all<HistoryEntry>(*rows, read_entry);
}

}  // namespace centli::store::postgres_impl
