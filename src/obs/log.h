// One JSON object per line on stdout: timestamp, level, correlation_id, action, event_type,
// user_id, message, details. Thread-safe. Callers never pass account numbers, CLABEs, balances
// or tokens in clear: mask them with the helpers below.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace centli::obs {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct LogFields {
  std::string_view correlation_id;
  std::string_view action;
  std::string_view event_type;
  std::string_view user_id;
  // Raw JSON object text for `details`, already masked; empty for none.
  std::string_view details_json;
};

void set_level(Level level);
bool enabled(Level level);
// Where lines go: stdout (default) or stderr (the MCP stdio server keeps stdout for protocol).
void log_to_stderr(bool yes);
void log(Level level, std::string_view message, const LogFields& fields = {});

// "***" for balances and amounts.
inline constexpr std::string_view kMasked = "***";
// Last four characters behind asterisks: "****0456"; shorter input is fully masked.
std::string mask_tail(std::string_view id);
// A JSON object's text with what a log line never shows masked, at any depth: amounts and
// balances (members `amount`, `*_minor`, `*balance*`, `posted`, `held`, `available`,
// `credit_limit`) become "***", `account_number` and `clabe` their last four characters
// (mask_tail). Levels below limits::kLogJsonDepthMax are masked whole. Text that is not a JSON
// object gives "{}". Thread-safe.
std::string mask_json(std::string_view object_json);

}  // namespace centli::obs
