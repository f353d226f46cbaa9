#include "domain/money.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "util/limits.h"

namespace centli::money {

namespace {

constexpr std::string_view kShape = "amount must be a decimal number like \"500\" or \"500.25\"";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Digits, commas and dots, with every comma and dot between two digits.
bool separated_digits(std::string_view s) {
  if (s.empty() || !is_digit(s.front()) || !is_digit(s.back())) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (is_digit(s[i])) continue;
    if (s[i] != ',' && s[i] != '.') return false;
    if (!is_digit(s[i + 1])) return false;  // the last character is a digit: i + 1 is valid
  }
  return true;
}

// No comma, at most one dot, and not exactly three digits after it (a possible thousands dot).
bool plain(std::string_view s) {
  if (s.find(',') != std::string_view::npos) return false;
  const auto dot = s.find('.');
  if (dot == std::string_view::npos) return true;
  return s.find('.', dot + 1) == std::string_view::npos && s.size() - dot - 1 != 3;
}

// "1,500.00": a first group of one to three digits (not starting with 0), then groups of exactly
// three after commas, then a decimal point and one or two decimals.
bool grouped(std::string_view s) {
  const auto dot = s.find('.');
  if (dot == std::string_view::npos || s.find('.', dot + 1) != std::string_view::npos ||
      s.size() - dot - 1 > 2) {
    return false;
  }
  const std::string_view units = s.substr(0, dot);
  const auto first = units.find(',');
  if (first == std::string_view::npos || first > 3 || units.front() == '0') return false;
  if ((units.size() - first) % 4 != 0) return false;
  for (std::size_t i = first; i < units.size(); i += 4) {
    if (units[i] != ',' || units.substr(i + 1, 3).find(',') != std::string_view::npos) return false;
  }
  return true;
}

// The value of a decimal in centavos when it is a whole number of centavos ("1.000" is 100).
std::optional<std::int64_t> exact_minor(std::string s) {
  const auto dot = s.find('.');
  if (dot != std::string::npos) {
    while (s.size() - dot - 1 > 2 && s.back() == '0') s.pop_back();
  }
  auto v = parse_minor(s);
  return v ? std::optional(*v) : std::nullopt;
}

// What separated digits could mean: commas as thousands separators and a dot for decimals
// (Mexico), or dots as thousands separators and a comma for decimals (much of Latin America and
// Europe). Distinct values, smallest first.
std::vector<std::int64_t> readings(std::string_view s) {
  std::string comma_thousands, dot_thousands;
  for (char c : s) {
    if (c != ',') comma_thousands.push_back(c);
    if (c != '.') dot_thousands.push_back(c == ',' ? '.' : c);
  }
  std::vector<std::int64_t> out;
  for (const std::string& r : {comma_thousands, dot_thousands}) {
    if (std::count(r.begin(), r.end(), '.') > 1) continue;
    if (auto v = exact_minor(r); v && std::find(out.begin(), out.end(), *v) == out.end())
      out.push_back(*v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ambiguous(std::string_view text, const std::vector<std::int64_t>& values) {
  const std::string head = "amount \"" + std::string(text) + "\" is ambiguous: ";
  if (values.size() >= 2) {
    return head + "it could mean " + format_minor(values[0]) + " or " + format_minor(values[1]) +
           "; confirm which and send digits with a dot for decimals and no commas";
  }
  return head + "send digits with a dot for decimals and no commas (" + format_minor(values[0]) +
         ", if that is what was meant)";
}

}  // namespace

std::expected<std::int64_t, std::string> read_amount(std::string_view text) {
  if (text.size() > limits::kAmountTextMax) return std::unexpected("amount is too long");
  std::string_view s = text;
  if (s.empty()) return std::unexpected("amount is empty");
  if (s.find_first_of(" \t") != std::string_view::npos)
    return std::unexpected("amount must be written without spaces, like 500.00");
  if (s.front() == '-' || s.front() == '+')
    return std::unexpected("amount must be written without a sign, like 500.00");
  if (s.front() == '$') s.remove_prefix(1);
  if (!separated_digits(s)) return std::unexpected(std::string(kShape));
  if (plain(s)) return parse_minor(s);
  if (grouped(s)) {
    std::string digits(s);
    std::erase(digits, ',');
    return parse_minor(digits);
  }
  const auto values = readings(s);
  if (values.empty()) return std::unexpected(std::string(kShape));
  return std::unexpected(ambiguous(text, values));
}

std::expected<std::int64_t, std::string> parse_minor(std::string_view text) {
  if (text.empty()) return std::unexpected("amount is empty");
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
    return std::unexpected(std::string(kShape));
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
  if (i != text.size()) return std::unexpected(std::string(kShape));
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
