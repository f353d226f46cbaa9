// Bulk writes for the tools that build a large bank (`centli demo generate`,
// store/generate.h): many rows per statement, in the caller's write transaction, with the
// schema's constraints as the only checks. Servers never use it: a posting made for a person
// goes through Accounts::post after ledger::check_transfer.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "store/accounts.h"
#include "store/beneficiaries.h"
#include "store/port.h"

namespace centli::store {

// One line of an account's history (one side of a posting), written as given: the store assigns
// only its seq, so rows appended in timestamp order keep history order equal to seq order.
struct HistoryRow {
  std::string transaction_id;
  std::string transfer_id;
  std::string account_id;
  std::string user_id;
  std::int64_t timestamp_ms = 0;
  std::string kind;
  std::string direction;  // "debit" or "credit"
  std::int64_t amount_minor = 0;
  std::string currency;
  std::int64_t balance_after_minor = 0;
  std::string counterparty;
  std::string description;
};

// Not thread-safe (it is the write transaction's). Each call either writes all its rows or
// fails with the first error (a duplicate id or a broken CHECK is kConstraint); after a failure
// the command's savepoint must be rolled back. Rows are borrowed for the call only.
class Bulk {
 public:
  // As Accounts::insert for each account, in order.
  virtual Result<void> insert_accounts(std::span<const NewAccount> accounts) = 0;
  // As Beneficiaries::insert for each one, in order (account_number is ignored).
  virtual Result<void> insert_beneficiaries(std::span<const Beneficiary> beneficiaries) = 0;
  // Appends history rows in the given order. Balances are not touched: the caller writes
  // accounts whose posted_minor agrees with their last row.
  virtual Result<void> append_history(std::span<const HistoryRow> rows) = 0;

 protected:
  ~Bulk() = default;
};

}  // namespace centli::store
