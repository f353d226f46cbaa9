// Wall clock and time formatting. All stored times are Unix milliseconds in UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace centli::util {

std::int64_t now_ms();
// "2026-02-17T10:30:00.123Z"
std::string format_iso8601_ms(std::int64_t unix_ms);
// Accepts "2026-02-17", "2026-02-17T10:30:00Z", "2026-02-17T10:30:00.123Z" and an offset
// like "-06:00"; a date alone is midnight UTC. nullopt when malformed or when the date is not
// a day of the calendar (2026-02-30, 2025-02-29).
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);
// Calendar day "YYYY-MM-DD" of unix_ms shifted by offset_minutes (e.g. -360 for Mexico City).
std::string day_of(std::int64_t unix_ms, int offset_minutes);

}  // namespace centli::util
