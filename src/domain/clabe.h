// CLABE: the 18-digit standardized bank account number used by SPEI transfers in Mexico.
// Layout: 3 digits bank code, 3 digits branch (plaza), 11 digits account, 1 control digit.
// Pure functions on text; no I/O. All functions are thread-safe.
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace centli::clabe {

inline constexpr std::size_t kLength = 18;
inline constexpr std::size_t kBankCodeLength = 3;

struct ClabeInfo {
  std::string bank_code;  // "012"
  std::string bank_name;  // "BBVA MEXICO"
  std::string last4;      // last four digits, safe to show and log
};

// Checked in this order, and the first failure is the one reported, so one input always gets
// the same error. The control digit is checked before the bank code on purpose: a mistyped
// digit anywhere, bank code included, then reads as "check the number" rather than as an
// unknown bank.
enum class ClabeError {
  kWrongLength,      // not exactly 18 characters
  kNotDigits,        // a character other than 0-9
  kBadControlDigit,  // the 18th digit does not match the first 17
  kUnknownBank,      // well formed, but the bank code is not a known SPEI participant
};

// On success: the bank code, its short name and the last four digits. Spaces, dashes and
// other separators are not accepted; callers strip them if they want to.
std::expected<ClabeInfo, ClabeError> validate(std::string_view clabe);

// A sentence for a problem+json detail, e.g. "CLABE must have exactly 18 digits".
std::string_view clabe_error_message(ClabeError error);

// The control digit ('0'..'9') for the first 17 digits of a CLABE, or nullopt when `first17`
// is not exactly 17 ASCII digits. Weights 3, 7, 1 repeat over the 17 digits; each product is
// taken mod 10, the products are summed, and the digit is (10 - sum % 10) % 10.
std::optional<char> control_digit(std::string_view first17);

// For logs and screens: every character replaced by '*' except the last four, which stay only
// when the text is at least 8 characters long and they are digits. "002...1234" ->
// "**************1234"; short or odd input is masked entirely.
std::string mask(std::string_view clabe);

// The short name of a bank by its 3-digit CLABE code ("127" -> "AZTECA"), or nullopt.
std::optional<std::string_view> bank_name(std::string_view code3);

struct Bank {
  std::string_view code;  // 3 digits
  std::string_view name;  // short name, upper case, as in the SPEI catalogue
};

// The whole table, sorted by code; static storage, never changes at run time.
std::span<const Bank> banks();

}  // namespace centli::clabe
