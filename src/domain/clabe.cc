#include "domain/clabe.h"

#include <array>

namespace centli::clabe {
namespace {

constexpr std::array<int, 3> kWeights = {3, 7, 1};
constexpr std::size_t kShownDigits = 4;
// Below this length, showing four characters would reveal most of the value.
constexpr std::size_t kMaskedLengthMin = 8;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view text) {
  for (const char c : text) {
    if (!is_digit(c)) return false;
  }
  return true;
}

}  // namespace

std::optional<char> control_digit(std::string_view first17) {
  if (first17.size() != kLength - 1 || !all_digits(first17)) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < first17.size(); ++i) {
    sum += ((first17[i] - '0') * kWeights[i % kWeights.size()]) % 10;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::expected<ClabeInfo, ClabeError> validate(std::string_view clabe) {
  if (clabe.size() != kLength) return std::unexpected(ClabeError::kWrongLength);
  if (!all_digits(clabe)) return std::unexpected(ClabeError::kNotDigits);
  if (control_digit(clabe.substr(0, kLength - 1)) != clabe.back()) {
    return std::unexpected(ClabeError::kBadControlDigit);
  }
  const std::string_view code = clabe.substr(0, kBankCodeLength);
  const std::optional<std::string_view> name = bank_name(code);
  if (!name) return std::unexpected(ClabeError::kUnknownBank);
  return ClabeInfo{std::string(code), std::string(*name),
                   std::string(clabe.substr(kLength - kShownDigits))};
}

std::string_view clabe_error_message(ClabeError error) {
  switch (error) {
    case ClabeError::kWrongLength:
      return "CLABE must have exactly 18 digits";
    case ClabeError::kNotDigits:
      return "CLABE may contain only the digits 0-9";
    case ClabeError::kBadControlDigit:
      return "CLABE control digit does not match; check the number for a mistyped digit";
    case ClabeError::kUnknownBank:
      return "CLABE bank code is not a known SPEI participant";
  }
  return "CLABE is not valid";
}

std::string mask(std::string_view clabe) {
  std::string out(clabe.size(), '*');
  if (clabe.size() < kMaskedLengthMin) return out;
  const std::string_view tail = clabe.substr(clabe.size() - kShownDigits);
  if (!all_digits(tail)) return out;
  out.replace(out.size() - kShownDigits, kShownDigits, tail);
  return out;
}

}  // namespace centli::clabe
