#include "util/clock.h"

#include <chrono>
#include <cstdio>

namespace centli::util {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::sys_days;
using std::chrono::sys_time;
using std::chrono::year_month_day;

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::string format_day(const year_month_day& ymd) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// "T10:30:00", then optional ".fff" (digits past milliseconds ignored), then "Z", an offset
// "+05:30" / "-06:00", or nothing (UTC): the time of day minus the offset, in milliseconds.
std::optional<milliseconds> parse_time(std::string_view s) {
  int h, mi, se, ms = 0;
  if (s.empty() || (s[0] != 'T' && s[0] != ' ') || s.size() < 9 || !read_int(s, 1, 2, h) ||
      s[3] != ':' || !read_int(s, 4, 2, mi) || s[6] != ':' || !read_int(s, 7, 2, se)) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || se > 60) return std::nullopt;
  std::size_t i = 9;
  if (i < s.size() && s[i] == '.') {
    std::size_t digits = 0;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
      if (digits < 3) ms = ms * 10 + (s[i] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t k = digits; k < 3; ++k) ms *= 10;
  }
  int offset_min = 0;
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!read_int(s, i + 1, 2, oh) || s.size() < i + 6 || s[i + 3] != ':' ||
        !read_int(s, i + 4, 2, om)) {
      return std::nullopt;
    }
    offset_min = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
    i += 6;
  }
  if (i != s.size()) return std::nullopt;
  using namespace std::chrono;
  return hours{h} + minutes{mi - offset_min} + seconds{se} + milliseconds{ms};
}

}  // namespace

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_iso8601_ms(std::int64_t unix_ms) {
  const sys_time<milliseconds> t{milliseconds{unix_ms}};
  const sys_days day = std::chrono::floor<days>(t);
  const std::chrono::hh_mm_ss<milliseconds> time{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%03dZ", format_day(year_month_day{day}).c_str(),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return buf;
}

std::optional<std::int64_t> parse_iso8601_ms(std::string_view s) {
  int y, mo, d;
  if (!read_int(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !read_int(s, 5, 2, mo) ||
      s[7] != '-' || !read_int(s, 8, 2, d)) {
    return std::nullopt;
  }
  // The standard calendar, not hand-written day arithmetic: 2026-02-30 is no day at all.
  const year_month_day date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                            std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok()) return std::nullopt;
  milliseconds time{0};
  if (s.size() > 10) {
    auto t = parse_time(s.substr(10));
    if (!t) return std::nullopt;
    time = *t;
  }
  return (sys_days{date} + time).time_since_epoch().count();
}

std::string day_of(std::int64_t unix_ms, int offset_minutes) {
  const sys_time<milliseconds> local{milliseconds{unix_ms} + std::chrono::minutes{offset_minutes}};
  return format_day(year_month_day{std::chrono::floor<days>(local)});
}

}  // namespace centli::util
