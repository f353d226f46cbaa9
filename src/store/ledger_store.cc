#include "store/ledger_store.h"

#include "util/assert.h"
#include "util/ids.h"

namespace centli::store {
namespace {

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

std::expected<void, sqlite::DbError> insert_entry(WriteTx& tx, const Posting& p,
                                                  const ledger::AccountState& account,
                                                  std::string_view direction,
                                                  std::int64_t balance_after,
                                                  std::string_view counterparty) {
  auto st = tx.db().prepare(kInsertEntry);
  if (!st) return std::unexpected(st.error());
  return st->bind(1, util::random_id("txn-"))
      .bind(2, p.transfer_id)
      .bind(3, account.account_id)
      .bind(4, account.user_id)
      .bind(5, tx.now_ms())
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

std::expected<void, sqlite::DbError> set_posted(WriteTx& tx, std::string_view account_id,
                                                std::int64_t posted) {
  auto st = tx.db().prepare(kUpdatePosted);
  if (!st) return std::unexpected(st.error());
  return st->bind(1, account_id).bind(2, posted).exec();
}

}  // namespace

std::expected<std::optional<ledger::AccountState>, sqlite::DbError> load_account(
    sqlite::Db& db, std::string_view account_id) {
  auto st = db.prepare(kSelectAccount);
  if (!st) return std::unexpected(st.error());
  st->bind(1, account_id);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<ledger::AccountState>();
  return std::optional<ledger::AccountState>(read_account(*st));
}

std::expected<std::vector<ledger::AccountState>, sqlite::DbError> list_accounts(
    sqlite::Db& db, std::string_view user_id) {
  auto st = db.prepare(kSelectAccountsOfUser);
  if (!st) return std::unexpected(st.error());
  st->bind(1, user_id);
  std::vector<ledger::AccountState> out;
  for (;;) {
    auto row = st->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read_account(*st));
  }
  return out;
}

std::expected<std::int64_t, sqlite::DbError> daily_outflow(sqlite::Db& db, std::string_view user_id,
                                                           std::string_view day) {
  auto st = db.prepare(kSelectDaily);
  if (!st) return std::unexpected(st.error());
  st->bind(1, user_id).bind(2, day);
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  return *row ? st->int64(0) : 0;
}

std::expected<void, sqlite::DbError> post(WriteTx& tx, const Posting& p) {
  CENTLI_ASSERT(p.source != nullptr && p.target != nullptr && p.amount_minor > 0);
  // Double entry: what leaves the source is exactly what reaches the target.
  CENTLI_ASSERT(p.source->posted_minor - p.source_posted_after ==
                p.target_posted_after - p.target->posted_minor);
  if (auto r = set_posted(tx, p.source->account_id, p.source_posted_after); !r) return r;
  if (auto r = set_posted(tx, p.target->account_id, p.target_posted_after); !r) return r;
  if (auto r =
          insert_entry(tx, p, *p.source, "debit", p.source_posted_after, p.source_counterparty);
      !r) {
    return r;
  }
  if (auto r =
          insert_entry(tx, p, *p.target, "credit", p.target_posted_after, p.target_counterparty);
      !r) {
    return r;
  }
  if (!p.daily_user_id.empty()) {
    auto st = tx.db().prepare(kUpsertDaily);
    if (!st) return std::unexpected(st.error());
    if (auto r = st->bind(1, p.daily_user_id).bind(2, p.day).bind(3, p.daily_used_after).exec(); !r)
      return r;
  }
  return {};
}

}  // namespace centli::store
