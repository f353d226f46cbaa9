// Money is an integer count of minor units (centavos) with an ISO 4217 currency.
// No floating point touches money; overflow is an error, never a wrap.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace centli::money {

// The one grammar for amounts written as text, used by every door (JSON strings in REST
// bodies, AgentCore and MCP arguments, Bedrock parameters, `centli call key=value`, command-line
// limits). Reads what a person or an agent writes into minor units, and never guesses:
//   accepted: an optional "$"; plain digits with an optional decimal point
//     and one or two decimals ("500", "500.5", "$500.00"); thousands grouped with commas in
//     groups of exactly three only when a decimal point follows ("1,500.00", "$12,345.6").
//   refused as ambiguous, naming what it could mean: any other comma ("10,50" could be 10.50 or
//     1050.00; "1,000"; "1,5,0,0"; "1.000,50") and a dot followed by exactly three digits
//     ("1.500" could be 1.50 or 1500.00), since a comma or dot separates decimals in some
//     places and thousands in others.
//   refused as malformed: spaces, signs, exponents, other characters, separators not between
//     digits (".5", "5."), more than two decimals, text over limits::kAmountTextMax, and values
//     that do not fit int64 centavos.
// Zero reads as 0; callers that need a positive amount check it themselves. On failure returns
// a sentence for a problem+json detail that tells the caller how to write the amount.
std::expected<std::int64_t, std::string> read_amount(std::string_view text);

// Parses an exact decimal in major units with at most two decimals: "500", "500.5", "500.25",
// as a JSON number's decimal text reads. Refuses empty text, signs, exponents, separators,
// more than two decimals, spaces, and values that do not fit int64 centavos. Zero parses.
// On failure returns a message suitable for a problem+json detail.
std::expected<std::int64_t, std::string> parse_minor(std::string_view text);

// Formats minor units as a decimal string with two decimals: 50000 -> "500.00", -5 -> "-0.05".
std::string format_minor(std::int64_t amount_minor);

// Formats minor units as the shortest decimal in major units that equals the amount exactly,
// built from the integer (no floating point), so it is a JSON number for machines: 50000 ->
// "500", 50050 -> "500.5", 50001 -> "500.01", -5 -> "-0.05".
std::string format_number(std::int64_t amount_minor);

// Formats for people and voices: 123456 -> "$1,234.56".
std::string format_display(std::int64_t amount_minor);

// Checked arithmetic: nullopt on overflow.
std::optional<std::int64_t> add(std::int64_t a, std::int64_t b);
std::optional<std::int64_t> sub(std::int64_t a, std::int64_t b);
std::optional<std::int64_t> mul(std::int64_t a, std::int64_t b);

// a * numerator / denominator rounded half up (away from zero for halves), for percentages in
// basis points and the like. Requires: denominator > 0. nullopt on overflow.
std::optional<std::int64_t> mul_div_round_half_up(std::int64_t a, std::int64_t numerator,
                                                  std::int64_t denominator);

}  // namespace centli::money
