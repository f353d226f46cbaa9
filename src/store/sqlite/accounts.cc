#include "store/sqlite/accounts.h"

#include "store/history_bound.h"
#include "store/sqlite/errors.h"
#include "store/sqlite/history_sql.h"
#include "util/assert.h"
#include "util/ids.h"

namespace centli::store::sqlite_impl {
namespace {

constexpr const char* kInsertAccount =
    "INSERT INTO accounts (user_id, account_id, account_number, type, status, currency, name, "
    "posted_minor, held_minor, credit_limit_minor, created_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10)";
constexpr const char* kSelectAccount =
    "SELECT account_id, user_id, account_number, type, status, currency, posted_minor, "
    "held_minor, credit_limit_minor FROM accounts WHERE account_id = ?1";
constexpr const char* kSelectAccountsOfUser =
    "SELECT account_id, user_id, account_number, type, status, currency, posted_minor, "
    "held_minor, credit_limit_minor FROM accounts "
    "WHERE user_id = ?1 AND type IN ('checking', 'savings', 'credit') ORDER BY account_id";
constexpr const char* kSelectDaily =
    "SELECT amount_minor FROM daily_outflow WHERE user_id = ?1 AND day = ?2";
constexpr const char* kUpsertDaily =
    "INSERT INTO daily_outflow (user_id, day, amount_minor) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (user_id, day) DO UPDATE SET amount_minor = excluded.amount_minor";
constexpr const char* kUpdatePosted = "UPDATE accounts SET posted_minor = ?2 WHERE account_id = ?1";
constexpr const char* kInsertEntry =
    "INSERT INTO transactions (transaction_id, transfer_id, account_id, user_id, timestamp_ms, "
    "kind, direction, amount_minor, currency, balance_after_minor, counterparty, description, "
    "correlation_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
ledger::AccountState read_account(const sqlite::Stmt& st) {
  ledger::AccountState a;
  a.account_id = st.text(0);
  a.user_id = st.text(1);
  a.account_number = st.text(2);
  a.type = ledger::parse_account_type(st.text_view(3)).value_or(ledger::AccountType::kClearing);
  a.active = st.text_view(4) == "active";
  a.currency = st.text(5);
  a.posted_minor = st.int64(6);
  a.held_minor = st.int64(7);
  a.credit_limit_minor = st.int64(8);
  return a;
}

std::expected<void, sqlite::DbError> insert_entry(sqlite::Db& db, const Posting& p,
                                                  const ledger::AccountState& account,
                                                  std::string_view direction,
                                                  std::int64_t balance_after,
                                                  std::string_view counterparty) {
  auto st = db.prepare(kInsertEntry);
  if (!st) return std::unexpected(st.error());
  return st->bind(1, util::random_id("txn-"))
      .bind(2, p.transfer_id)
      .bind(3, account.account_id)
      .bind(4, account.user_id)
      .bind(5, p.timestamp_ms)
      .bind(6, p.kind)
      .bind(7, direction)
      .bind(8, p.amount_minor)
      .bind(9, account.currency)
      .bind(10, balance_after)
      .bind(11, counterparty)
      .bind(12, p.description)
      .bind(13, p.correlation_id)
      .exec();
}

std::expected<void, sqlite::DbError> set_posted(sqlite::Db& db, std::string_view account_id,
                                                std::int64_t posted) {
  auto st = db.prepare(kUpdatePosted);
  if (!st) return std::unexpected(st.error());
  return st->bind(1, account_id).bind(2, posted).exec();
}

}  // namespace

Result<void> SqliteAccounts::insert(const NewAccount& a) {
  auto st = db_.prepare(kInsertAccount);
  if (!st) return failed(st.error());
  auto r = st->bind(1, a.user_id)
               .bind(2, a.account_id)
               .bind(3, a.account_number)
               .bind(4, a.type)
               .bind(5, a.status)
               .bind(6, a.currency)
               .bind(7, a.name)
               .bind(8, a.posted_minor)
               .bind(9, a.credit_limit_minor)
               .bind(10, a.created_ms)
               .exec();
  if (!r) return failed(r.error());
  return {};
}

Result<std::optional<ledger::AccountState>> SqliteAccounts::load(std::string_view account_id) {
  auto st = db_.prepare(kSelectAccount);
  if (!st) return failed<std::optional<ledger::AccountState>>(st.error());
  st->bind(1, account_id);
  auto row = st->step();
  if (!row) return failed<std::optional<ledger::AccountState>>(row.error());
  if (!*row) return std::nullopt;
  return read_account(*st);
}

Result<AccountPair> SqliteAccounts::load_pair(std::string_view first, std::string_view second) {
  // One writer: no lock order to keep, and each load is a lookup in the same file.
  auto a = load(first);
  if (!a) return std::unexpected(a.error());
  auto b = load(second);
  if (!b) return std::unexpected(b.error());
  return AccountPair{std::move(*a), std::move(*b)};
}

Result<std::vector<ledger::AccountState>> SqliteAccounts::of_user(std::string_view user_id) {
  using R = std::vector<ledger::AccountState>;
  auto st = db_.prepare(kSelectAccountsOfUser);
  if (!st) return failed<R>(st.error());
  st->bind(1, user_id);
  return read_all<R::value_type>(*st, read_account);
}

Result<std::int64_t> SqliteAccounts::daily_outflow(std::string_view user_id, std::string_view day) {
  auto st = db_.prepare(kSelectDaily);
  if (!st) return failed<std::int64_t>(st.error());
  st->bind(1, user_id).bind(2, day);
  auto row = st->step();
  if (!row) return failed<std::int64_t>(row.error());
  return *row ? st->int64(0) : 0;
}

Result<void> SqliteAccounts::post(const Posting& p) {
  CENTLI_ASSERT(p.source != nullptr && p.target != nullptr && p.amount_minor > 0);
  // Double entry: what leaves the source is exactly what reaches the target.
  CENTLI_ASSERT(p.source->posted_minor - p.source_posted_after ==
                p.target_posted_after - p.target->posted_minor);
  if (auto r = set_posted(db_, p.source->account_id, p.source_posted_after); !r)
    return failed(r.error());
  if (auto r = set_posted(db_, p.target->account_id, p.target_posted_after); !r)
    return failed(r.error());
  if (auto r =
          insert_entry(db_, p, *p.source, "debit", p.source_posted_after, p.source_counterparty);
      !r) {
    return failed(r.error());
  }
  if (auto r =
          insert_entry(db_, p, *p.target, "credit", p.target_posted_after, p.target_counterparty);
      !r) {
    return failed(r.error());
  }
  if (!p.daily_user_id.empty()) {
    auto st = db_.prepare(kUpsertDaily);
    if (!st) return failed(st.error());
    if (auto r = st->bind(1, p.daily_user_id).bind(2, p.day).bind(3, p.daily_used_after).exec(); !r)
      return failed(r.error());
  }
  return {};
}

Result<std::vector<HistoryEntry>> SqliteAccounts::history(const HistoryQuery& q) {
  using R = std::vector<HistoryEntry>;
  const bool of_account = !q.account_id.empty();
  auto st = db_.prepare(of_account ? kSelectHistoryOfAccount : kSelectHistoryOfUser);
  if (!st) return failed<R>(st.error());
  const HistoryBound bound = history_upper_bound(q);
  st->bind(1, of_account ? q.account_id : q.user_id)
      .bind(2, q.from_ms)
      .bind(3, bound.timestamp_ms)
      .bind(4, bound.seq)
      .bind(5, q.limit);
  return read_all<R::value_type>(*st, [](const sqlite::Stmt& s) {
    return HistoryEntry{.seq = s.int64(0),
                        .transaction_id = s.text(1),
                        .transfer_id = s.text(2),
                        .account_id = s.text(3),
                        .timestamp_ms = s.int64(4),
                        .kind = s.text(5),
                        .direction = s.text(6),
                        .amount_minor = s.int64(7),
                        .currency = s.text(8),
                        .balance_after_minor = s.int64(9),
                        .counterparty = s.text(10),
                        .description = s.text(11)};
  });
}

}  // namespace centli::store::sqlite_impl
