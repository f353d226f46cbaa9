// A failure of the store as the answer a caller gets: a store that is away or refused for
// contention (kUnavailable: a lost connection, a deadlock between processes, a full disk) is
// 503 `unavailable`, worth retrying with the same key; anything else is 500 `internal`. The
// store's own words go to the log only, never to the client.
#pragma once

#include "domain/error.h"
#include "store/port.h"

namespace centli::store {

inline centli::Error api_error(const Error& e) {
  if (e.kind == Error::Kind::kUnavailable) {
    return centli::Error{ErrorCode::kUnavailable, "the store is unavailable; retry", "", ""};
  }
  return centli::Error{ErrorCode::kInternal, "store failure: " + e.message, "", ""};
}

}  // namespace centli::store
