// The history reads of store::Accounts on SQLite, in a header of their own so that the plan
// test (history_plan_test.cc) explains exactly the statements the store runs.
#pragma once

namespace centli::store::sqlite_impl {

// ?1 the account (or person), ?2 from_ms, ?3 and ?4 the page's upper bound
// (store::history_upper_bound), ?5 the limit. The row value (timestamp_ms, seq) < (?3, ?4) after
// the equality on the first column is the start of a backward range of transactions_by_account
// (transactions_by_user): the page is a seek, whatever its depth.
#define CENTLI_HISTORY_COLUMNS                                                           \
  "SELECT seq, transaction_id, transfer_id, account_id, timestamp_ms, kind, direction, " \
  "amount_minor, currency, balance_after_minor, counterparty, description FROM transactions "
inline constexpr const char* kSelectHistoryOfAccount = CENTLI_HISTORY_COLUMNS
    "WHERE account_id = ?1 AND timestamp_ms >= ?2 AND (timestamp_ms, seq) < (?3, ?4) "
    "ORDER BY timestamp_ms DESC, seq DESC LIMIT ?5";
inline constexpr const char* kSelectHistoryOfUser = CENTLI_HISTORY_COLUMNS
    "WHERE user_id = ?1 AND timestamp_ms >= ?2 AND (timestamp_ms, seq) < (?3, ?4) "
    "ORDER BY timestamp_ms DESC, seq DESC LIMIT ?5";
#undef CENTLI_HISTORY_COLUMNS

}  // namespace centli::store::sqlite_impl
