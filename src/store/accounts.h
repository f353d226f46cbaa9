// Accounts, their balances and their history: reading them, and posting money movements.
// Every posting writes both sides of a double entry, the new balances and the person's daily
// outflow in the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ledger.h"
#include "store/port.h"

namespace centli::store {

struct Posting {
  std::string_view transfer_id;
  std::string_view kind;  // "transfer", "purchase", "external_transfer", ...
  const ledger::AccountState* source = nullptr;
  const ledger::AccountState* target = nullptr;
  std::int64_t amount_minor = 0;
  std::int64_t source_posted_after = 0;
  std::int64_t target_posted_after = 0;
  std::string_view source_counterparty;  // what the source's statement line names
  std::string_view target_counterparty;  // what the target's statement line names
  std::string_view description;
  std::string_view correlation_id;
  // When set, the person's outflow for `day` becomes daily_used_after.
  std::string_view daily_user_id;
  std::string_view day;
  std::int64_t daily_used_after = 0;
  std::int64_t timestamp_ms = 0;  // the transaction's clock (WriteTx::now_ms)
};

// One line of an account's history (one side of a posting).
struct HistoryEntry {
  std::int64_t seq = 0;  // commit order; ties of timestamp_ms are ordered by it
  std::string transaction_id;
  std::string transfer_id;
  std::string account_id;
  std::int64_t timestamp_ms = 0;
  std::string kind;
  std::string direction;  // "debit" or "credit"
  std::int64_t amount_minor = 0;
  std::string currency;
  std::int64_t balance_after_minor = 0;
  std::string counterparty;
  std::string description;
};

// A page of history, newest first: entries of one account, or of every account of one person,
// with from_ms <= timestamp_ms < to_ms, strictly before the position (before_ms, before_seq).
struct HistoryQuery {
  std::string_view account_id;  // when set, this account's entries; else user_id's
  std::string_view user_id;
  std::int64_t from_ms = INT64_MIN;
  std::int64_t to_ms = INT64_MAX;
  std::int64_t before_ms = INT64_MAX;
  std::int64_t before_seq = INT64_MAX;
  std::int64_t limit = 0;
};

// A new account, as the demo bank opens them: nothing is held yet.
struct NewAccount {
  std::string_view user_id;
  std::string_view account_id;
  std::string_view account_number;
  std::string_view type;    // "checking", "savings", "credit", "clearing" or "settlement"
  std::string_view status;  // "active", "frozen" or "closed"
  std::string_view currency;
  std::string_view name;  // what the person calls it ("Ahorro")
  std::int64_t posted_minor = 0;
  std::int64_t credit_limit_minor = 0;  // credit accounts only
  std::int64_t created_ms = 0;
};

struct AccountPair {
  std::optional<ledger::AccountState> first;
  std::optional<ledger::AccountState> second;
};

class Accounts {
 public:
  // Opens the account with held_minor 0. A second account with the same account_id, an unknown
  // type or status, or a balance past its floor (docs/data.md) is a kConstraint error.
  virtual Result<void> insert(const NewAccount& a) = 0;
  virtual Result<std::optional<ledger::AccountState>> load(std::string_view account_id) = 0;
  // Two accounts at once, `first` and `second` in the order asked (either may be missing). In a
  // write on a shared store both rows are locked in the order of their ids, so two commands on
  // the same pair, asked either way round, never wait for each other in a cycle.
  virtual Result<AccountPair> load_pair(std::string_view first, std::string_view second) = 0;
  // The person's customer accounts (checking, savings, credit), by account_id.
  virtual Result<std::vector<ledger::AccountState>> of_user(std::string_view user_id) = 0;
  // What the person has sent to other people on `day` (YYYY-MM-DD in the bank's time zone).
  virtual Result<std::int64_t> daily_outflow(std::string_view user_id, std::string_view day) = 0;
  // Writes the debit and credit entries and the balances. Requires: the plan was checked by
  // ledger::check_transfer (or an equivalent rule) inside this same transaction. A failure may
  // come at the savepoint's release (WriteTx).
  virtual Result<void> post(const Posting& p) = 0;
  // At most q.limit entries.
  virtual Result<std::vector<HistoryEntry>> history(const HistoryQuery& q) = 0;

 protected:
  ~Accounts() = default;
};

}  // namespace centli::store
