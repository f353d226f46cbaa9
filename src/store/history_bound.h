// Where a page of history starts, as one position in the order of the history indexes
// (owner, timestamp_ms, seq): both backends read a page as one backward range of such an index,
// from this upper bound down to from_ms, so a page costs the same at any depth (docs/data.md,
// "History pages").
#pragma once

#include <cstdint>

#include "store/accounts.h"

namespace centli::store {

// A position (timestamp_ms, seq): entries strictly before it, in row-value order, are in range.
struct HistoryBound {
  std::int64_t timestamp_ms = INT64_MAX;
  std::int64_t seq = INT64_MAX;
};

// The tighter of the query's two upper limits: `timestamp_ms < to_ms` is the position
// (to_ms, INT64_MIN), since no seq is below INT64_MIN, and the cursor is (before_ms, before_seq).
// One row-value bound lets the planner seek on it instead of filtering the cursor row by row.
inline HistoryBound history_upper_bound(const HistoryQuery& q) {
  const bool to_is_tighter =
      q.to_ms < q.before_ms || (q.to_ms == q.before_ms && INT64_MIN < q.before_seq);
  if (to_is_tighter) return {q.to_ms, INT64_MIN};
  return {q.before_ms, q.before_seq};
}

}  // namespace centli::store
