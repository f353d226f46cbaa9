#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "actions/groups.h"
#include "util/ids.h"

namespace centli::actions {
namespace {

TEST(HistoryCursor, RoundTripsTimestampAndSequence) {
  const std::pair<std::int64_t, std::int64_t> cases[] = {
      {0, 1},
      {1'771'324'200'123, 42},
      {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max()},
  };
  for (const auto& [ts, seq] : cases) {
    const std::string cursor = encode_history_cursor(ts, seq);
    EXPECT_TRUE(cursor.starts_with("h1.")) << cursor;
    const auto back = decode_history_cursor(cursor);
    ASSERT_TRUE(back.has_value()) << cursor;
    EXPECT_EQ(back->first, ts);
    EXPECT_EQ(back->second, seq);
  }
}

TEST(HistoryCursor, IsOpaqueAndUrlSafe) {
  const std::string cursor = encode_history_cursor(1'771'324'200'123, 42);
  EXPECT_EQ(cursor.find("1771324200123"), std::string::npos);
  for (char c : cursor) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')
        << cursor;
  }
}

TEST(HistoryCursor, RefusesTamperedOrMalformedCursors) {
  const std::string good = encode_history_cursor(1'771'324'200'123, 42);
  auto wrap = [](std::string raw) { return "h1." + util::base64url_encode(raw); };
  const std::string cases[] = {
      "",
      "h1.",
      "h2." + good.substr(3),           // unknown version
      good.substr(3),                   // no prefix
      "h1." + good.substr(3) + "!",     // not base64url
      "h1." + good.substr(3) + "=",     // padding is not part of the format
      "h1.A",                           // truncated: leftover bits
      wrap("1771324200123"),            // no separator
      wrap("1771324200123:"),           // no sequence
      wrap(":42"),                      // no timestamp
      wrap("1771324200123:42x"),        // trailing text
      wrap("1771324200123x:42"),        // text in the timestamp
      wrap("1771324200123:0"),          // sequences start at 1
      wrap("1771324200123:-5"),         // negative sequence
      wrap("-1771324200123:42"),        // negative timestamp
      wrap("+1771324200123:42"),        // explicit sign
      wrap("1771324200123:42:7"),       // extra field
      wrap(" 1771324200123:42"),        // space
      wrap("99999999999999999999:42"),  // timestamp overflows int64
      wrap("1771324200123:99999999999999999999"),
  };
  for (const std::string& c : cases) {
    EXPECT_EQ(decode_history_cursor(c), std::nullopt) << "\"" << c << "\"";
  }
}

}  // namespace
}  // namespace centli::actions
