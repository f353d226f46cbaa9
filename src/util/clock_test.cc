#include "util/clock.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace centli::util {
namespace {

TEST(ClockFormat, WritesIso8601UtcWithMilliseconds) {
  EXPECT_EQ(format_iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(1'771'324'200'123), "2026-02-17T10:30:00.123Z");
  EXPECT_EQ(format_iso8601_ms(951'782'400'000), "2000-02-29T00:00:00.000Z");  // leap day
  EXPECT_EQ(format_iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
}

TEST(ClockParse, AcceptsDatesTimesFractionsAndOffsets) {
  struct Case {
    std::string_view text;
    std::optional<std::int64_t> unix_ms;
  };
  const Case cases[] = {
      {"2026-02-17", 1'771'286'400'000},
      {"2026-02-17T10:30:00Z", 1'771'324'200'000},
      {"2026-02-17T10:30:00.123Z", 1'771'324'200'123},
      {"2026-02-17T10:30:00.1Z", 1'771'324'200'100},
      {"2026-02-17T04:30:00-06:00", 1'771'324'200'000},
      {"2026-02-17T16:00:00+05:30", 1'771'324'200'000},
      {"2026-02-17T10:30:00", 1'771'324'200'000},
      {"1970-01-01", 0},
      {"2000-02-29", 951'782'400'000},
      {"", std::nullopt},
      {"2026-2-17", std::nullopt},
      {"2026-13-01", std::nullopt},
      {"2026-00-10", std::nullopt},
      {"2026-02-32", std::nullopt},
      // Days the calendar does not have (issue 9: 2026-02-30 and 2026-02-31 were accepted).
      {"2026-02-30", std::nullopt},
      {"2026-02-31", std::nullopt},
      {"2026-02-29", std::nullopt},
      {"2100-02-29", std::nullopt},
      {"2026-04-31", std::nullopt},
      {"2026-02-30T10:30:00Z", std::nullopt},
      {"2024-02-29", 1'709'164'800'000},
      {"2026-04-30", 1'777'507'200'000},
      {"2026-12-31T23:59:59.999Z", 1'798'761'599'999},
      {"2026-02-17T25:00:00Z", std::nullopt},
      {"2026-02-17T10:61:00Z", std::nullopt},
      {"2026-02-17T10:30Z", std::nullopt},
      {"2026-02-17T10:30:00.Z", std::nullopt},
      {"2026-02-17T10:30:00Zjunk", std::nullopt},
      {"2026-02-17X", std::nullopt},
      {"2026-02-17T10:30:00-0600", std::nullopt},
      {"yesterday", std::nullopt},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(parse_iso8601_ms(c.text), c.unix_ms) << "\"" << c.text << "\"";
  }
}

TEST(ClockParse, RoundTripsWhatItFormats) {
  for (std::int64_t ms :
       {std::int64_t{0}, std::int64_t{1'771'324'200'123}, std::int64_t{4'102'444'799'999}}) {
    EXPECT_EQ(parse_iso8601_ms(format_iso8601_ms(ms)), ms);
  }
}

TEST(ClockDay, CountsCalendarDaysInTheGivenOffset) {
  // 2026-02-17T05:59:59.999Z is still the 16th in Mexico City (UTC-6).
  EXPECT_EQ(day_of(1'771'307'999'999, -360), "2026-02-16");
  EXPECT_EQ(day_of(1'771'308'000'000, -360), "2026-02-17");
  EXPECT_EQ(day_of(1'771'308'000'000, 0), "2026-02-17");
  EXPECT_EQ(day_of(-1, 0), "1969-12-31");
}

TEST(ClockNow, IsAfterTheYear2020AndDoesNotGoBackwardsBetweenTwoReads) {
  const std::int64_t a = now_ms();
  const std::int64_t b = now_ms();
  EXPECT_GT(a, 1'577'836'800'000);
  EXPECT_GE(b, a);
}

}  // namespace
}  // namespace centli::util
