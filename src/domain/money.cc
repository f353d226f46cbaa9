#include "domain/money.h"

#include <limits>

#include "util/limits.h"

namespace centli::money {

std::expected<std::int64_t, std::string> parse_minor(std::string_view text) {
  if (text.empty()) return std::unexpected("amount is empty");
  if (text.size() > limits::kAmountTextMax) return std::unexpected("amount is too long");
  std::size_t i = 0;
  std::int64_t units = 0;
  std::size_t int_digits = 0;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    const int d = text[i] - '0';
    if (units > (kMax - d) / 10) return std::unexpected("amount is too large");
    units = units * 10 + d;
    ++int_digits;
    ++i;
  }
  if (int_digits == 0) {
    return std::unexpected("amount must be a decimal number like \"500\" or \"500.25\"");
  }
  std::int64_t cents = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    std::size_t frac_digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (frac_digits == 2) return std::unexpected("amount has more than two decimals");
      cents = cents * 10 + (text[i] - '0');
      ++frac_digits;
      ++i;
    }
    if (frac_digits == 0) return std::unexpected("amount has a decimal point but no decimals");
    if (frac_digits == 1) cents *= 10;
  }
  if (i != text.size()) {
    return std::unexpected("amount must be a decimal number like \"500\" or \"500.25\"");
  }
  if (units > (kMax - cents) / 100) return std::unexpected("amount is too large");
  return units * 100 + cents;
}

std::string format_minor(std::int64_t amount_minor) {
  const bool negative = amount_minor < 0;
  // Work in unsigned so that INT64_MIN formats without overflow.
  std::uint64_t v = negative ? (~static_cast<std::uint64_t>(amount_minor) + 1)
                             : static_cast<std::uint64_t>(amount_minor);
  std::string units = std::to_string(v / 100);
  const unsigned cents = static_cast<unsigned>(v % 100);
  std::string out;
  out.reserve(units.size() + 4);
  if (negative) out.push_back('-');
  out += units;
  out.push_back('.');
  out.push_back(static_cast<char>('0' + cents / 10));
  out.push_back(static_cast<char>('0' + cents % 10));
  return out;
}

std::string format_number(std::int64_t amount_minor) {
  std::string out = format_minor(amount_minor);
  // Zeros at the end of the two decimals carry no value: "500.50" -> "500.5", "500.00" -> "500".
  if (out.back() == '0') {
    out.pop_back();
    if (out.back() == '0') out.resize(out.size() - 2);
  }
  return out;
}

std::string format_display(std::int64_t amount_minor) {
  std::string plain = format_minor(amount_minor);
  const bool negative = plain[0] == '-';
  std::string digits = plain.substr(negative ? 1 : 0, plain.size() - (negative ? 1 : 0) - 3);
  std::string grouped;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[i]);
  }
  return (negative ? "-$" : "$") + grouped + plain.substr(plain.size() - 3);
}

std::optional<std::int64_t> add(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<std::int64_t> sub(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<std::int64_t> mul(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<std::int64_t> mul_div_round_half_up(std::int64_t a, std::int64_t numerator,
                                                  std::int64_t denominator) {
  __int128 p = static_cast<__int128>(a) * numerator;
  const bool negative = p < 0;
  if (negative) p = -p;
  __int128 q = (p + denominator / 2) / denominator;
  if (negative) q = -q;
  if (q > std::numeric_limits<std::int64_t>::max() ||
      q < std::numeric_limits<std::int64_t>::min()) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(q);
}

}  // namespace centli::money
