// How every backend keeps the dispatcher's cursor in its meta table (docs/events.md): the key
// events.dispatch_seq, the last seq dispatched as decimal text. For the event repositories only.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/port.h"

namespace centli::store {

inline constexpr const char* kDispatchCursorKey = "events.dispatch_seq";

// The cursor kept as `text`; kFailed when `text` is not a whole decimal number.
inline Result<std::int64_t> dispatch_cursor_from_text(std::string_view text) {
  std::int64_t seq = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::unexpected(Error{Error::Kind::kFailed,
                                 std::string("meta ") + kDispatchCursorKey + " is not a number"});
  }
  return seq;
}

}  // namespace centli::store
