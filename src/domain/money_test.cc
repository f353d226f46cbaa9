#include "domain/money.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace centli::money {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

TEST(MoneyParse, AcceptsAndRefusesTheDocumentedTable) {
  struct Case {
    std::string_view text;
    std::optional<std::int64_t> minor;  // nullopt: refused
  };
  const Case cases[] = {
      {"500", 50000},
      {"500.5", 50050},
      {"500.25", 50025},
      {"0", 0},
      {"0.01", 1},
      {"007.10", 710},
      {"92233720368547758.07", kMax},
      {"92233720368547758.08", std::nullopt},
      {"92233720368547759", std::nullopt},
      {"99999999999999999999", std::nullopt},
      {".5", std::nullopt},
      {"5.", std::nullopt},
      {"500.255", std::nullopt},
      {"-1", std::nullopt},
      {"+1", std::nullopt},
      {"1e3", std::nullopt},
      {"1E3", std::nullopt},
      {" 1", std::nullopt},
      {"1 ", std::nullopt},
      {"1,000", std::nullopt},
      {"1.000,50", std::nullopt},
      {"", std::nullopt},
      {".", std::nullopt},
      {"abc", std::nullopt},
      {"0x10", std::nullopt},
      {"1..5", std::nullopt},
      {"NaN", std::nullopt},
      {"Infinity", std::nullopt},
      {"$500", std::nullopt},  // read_amount takes "$"; parse_minor reads exact decimals only
      {"0000000000000000000000000000000000001", 100},  // long but exact
  };
  for (const Case& c : cases) {
    const auto got = parse_minor(c.text);
    if (c.minor) {
      ASSERT_TRUE(got.has_value()) << "\"" << c.text << "\": " << got.error();
      EXPECT_EQ(*got, *c.minor) << "\"" << c.text << "\"";
    } else {
      EXPECT_FALSE(got.has_value()) << "\"" << c.text << "\" parsed as " << got.value_or(0);
    }
  }
}

TEST(MoneyParse, RefusalsCarryAMessageForPeople) {
  const auto got = parse_minor("1e3");
  ASSERT_FALSE(got.has_value());
  EXPECT_FALSE(got.error().empty());
  EXPECT_NE(parse_minor("1.234").error().find("two decimals"), std::string::npos);
}

// The one grammar every door uses for amounts written as text (issue 9 item 2: "10,50" was read
// as 1050.00 and "1,5,0,0" as 1500.00 by the agent doors).
struct ReadCase {
  std::string_view text;
  std::optional<std::int64_t> minor;  // nullopt: refused
  std::string detail = "";            // when refused: the exact sentence
};

std::string ambiguous_two(std::string_view text, std::string_view low, std::string_view high) {
  return "amount \"" + std::string(text) + "\" is ambiguous: it could mean " + std::string(low) +
         " or " + std::string(high) +
         "; confirm which and send digits with a dot for decimals and no commas";
}

std::string ambiguous_one(std::string_view text, std::string_view reading) {
  return "amount \"" + std::string(text) +
         "\" is ambiguous: send digits with a dot for decimals and no commas (" +
         std::string(reading) + ", if that is what was meant)";
}

const std::string kShape = "amount must be a decimal number like \"500\" or \"500.25\"";
const std::string kSpaces = "amount must be written without spaces, like 500.00";

const ReadCase kReadCases[] = {
    {"500", 50000},
    {"500.5", 50050},
    {"500.00", 50000},
    {"0.01", 1},
    {"0", 0},
    {"$500", 50000},
    {"$1,500.00", 150000},
    {"1,500.00", 150000},
    {"1,500.5", 150050},
    {"12,345.67", 1234567},
    {"1,000,000.00", 100000000},
    {"$92,233,720,368,547,758.07", kMax},
    {"92233720368547758.07", kMax},
    {"92233720368547758.08", std::nullopt, "amount is too large"},
    {"$92,233,720,368,547,758.08", std::nullopt, "amount is too large"},
    {"10,50", std::nullopt, ambiguous_two("10,50", "10.50", "1050.00")},
    {"1,000", std::nullopt, ambiguous_two("1,000", "1.00", "1000.00")},
    {"1.000,50", std::nullopt, ambiguous_one("1.000,50", "1000.50")},
    {"1,5,0,0", std::nullopt, ambiguous_one("1,5,0,0", "1500.00")},
    {"1.500", std::nullopt, ambiguous_two("1.500", "1.50", "1500.00")},
    {"$1,000", std::nullopt, ambiguous_two("$1,000", "1.00", "1000.00")},
    // Groups without a decimal point, or groups not of three: refused, never guessed.
    {"1,000,000", std::nullopt, ambiguous_one("1,000,000", "1000000.00")},
    {"1.000.000", std::nullopt, ambiguous_one("1.000.000", "1000000.00")},
    {"1,50.00", std::nullopt, ambiguous_two("1,50.00", "1.50", "150.00")},
    {"1,5000.00", std::nullopt, ambiguous_two("1,5000.00", "1.50", "15000.00")},
    {"1234,567.00", std::nullopt, ambiguous_one("1234,567.00", "1234567.00")},
    {"0,500.00", std::nullopt, ambiguous_two("0,500.00", "0.50", "500.00")},
    {"1,500.000", std::nullopt, ambiguous_two("1,500.000", "1.50", "1500.00")},
    {"500.255", std::nullopt, ambiguous_one("500.255", "500255.00")},
    {"500.2500", std::nullopt, "amount has more than two decimals"},
    {"-5", std::nullopt, "amount must be written without a sign, like 500.00"},
    {"+5", std::nullopt, "amount must be written without a sign, like 500.00"},
    {"", std::nullopt, "amount is empty"},
    {" 500", std::nullopt, kSpaces},
    {"500 ", std::nullopt, kSpaces},
    {"\t12.30", std::nullopt, kSpaces},
    {"$", std::nullopt, kShape},
    {".5", std::nullopt, kShape},
    {"5.", std::nullopt, kShape},
    {"1,,500.00", std::nullopt, kShape},
    {",500", std::nullopt, kShape},
    {"1e3", std::nullopt, kShape},
    {"1 500", std::nullopt, kSpaces},
    {"$ 500", std::nullopt, kSpaces},
    {"500 MXN", std::nullopt, kSpaces},
    {"quinientos", std::nullopt, kShape},
    {"0x10", std::nullopt, kShape},
    {"1\xC2\xA0"
     "500",
     std::nullopt, kShape},  // a no-break space between groups
    {"000000000000000000000000000000001", std::nullopt, "amount is too long"},  // 33 characters
};

TEST(MoneyRead, AcceptsAndRefusesTheDocumentedTable) {
  for (const ReadCase& c : kReadCases) {
    const auto got = read_amount(c.text);
    if (c.minor) {
      ASSERT_TRUE(got.has_value()) << "\"" << c.text << "\": " << got.error();
      EXPECT_EQ(*got, *c.minor) << "\"" << c.text << "\"";
      continue;
    }
    ASSERT_FALSE(got.has_value()) << "\"" << c.text << "\" read as " << *got;
    EXPECT_EQ(got.error(), c.detail) << "\"" << c.text << "\"";
  }
}

TEST(MoneyFormat, WritesTwoDecimalsForEveryValue) {
  struct Case {
    std::int64_t minor;
    std::string_view text;
  };
  const Case cases[] = {
      {0, "0.00"},
      {1, "0.01"},
      {10, "0.10"},
      {50000, "500.00"},
      {50025, "500.25"},
      {-5, "-0.05"},
      {-100, "-1.00"},
      {-123456, "-1234.56"},
      {kMax, "92233720368547758.07"},
      {kMin, "-92233720368547758.08"},
  };
  for (const Case& c : cases) EXPECT_EQ(format_minor(c.minor), c.text) << c.minor;
}

TEST(MoneyFormat, RoundTripsThroughParse) {
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{1}, std::int64_t{99}, std::int64_t{100},
                         std::int64_t{123456789}, kMax}) {
    const auto back = parse_minor(format_minor(v));
    ASSERT_TRUE(back.has_value()) << v;
    EXPECT_EQ(*back, v);
  }
}

// Events carry `amount` as a JSON number (issue 9, item 5): the shortest decimal that equals the
// amount exactly, never a string and never a rounded binary float.
TEST(MoneyFormatNumber, WritesTheShortestExactDecimal) {
  struct Case {
    std::int64_t minor;
    std::string_view text;
  };
  const Case cases[] = {
      {0, "0"},
      {1, "0.01"},
      {10, "0.1"},
      {50000, "500"},
      {50050, "500.5"},
      {50001, "500.01"},
      {500000, "5000"},
      {-5, "-0.05"},
      {-100, "-1"},
      {-120, "-1.2"},
      {kMax, "92233720368547758.07"},
      {kMin, "-92233720368547758.08"},
  };
  for (const Case& c : cases) EXPECT_EQ(format_number(c.minor), c.text) << c.minor;
}

TEST(MoneyFormatNumber, RoundTripsThroughParse) {
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{7}, std::int64_t{90}, std::int64_t{100},
                         std::int64_t{50050}, kMax}) {
    const auto back = parse_minor(format_number(v));
    ASSERT_TRUE(back.has_value()) << v;
    EXPECT_EQ(*back, v);
  }
}

TEST(MoneyFormatDisplay, GroupsThousandsWithCommas) {
  struct Case {
    std::int64_t minor;
    std::string_view text;
  };
  const Case cases[] = {
      {0, "$0.00"},
      {5, "$0.05"},
      {99999, "$999.99"},
      {100000, "$1,000.00"},
      {123456, "$1,234.56"},
      {5000000, "$50,000.00"},
      {12345678900, "$123,456,789.00"},
      {100000000000, "$1,000,000,000.00"},
      {-123456, "-$1,234.56"},
      {-5, "-$0.05"},
      {kMax, "$92,233,720,368,547,758.07"},
      {kMin, "-$92,233,720,368,547,758.08"},
  };
  for (const Case& c : cases) EXPECT_EQ(format_display(c.minor), c.text) << c.minor;
}

TEST(MoneyChecked, ReportsOverflowInsteadOfWrapping) {
  EXPECT_EQ(add(kMax, 1), std::nullopt);
  EXPECT_EQ(add(kMin, -1), std::nullopt);
  EXPECT_EQ(add(2, 3), 5);
  EXPECT_EQ(sub(kMin, 1), std::nullopt);
  EXPECT_EQ(sub(0, kMin), std::nullopt);
  EXPECT_EQ(sub(5, 7), -2);
  EXPECT_EQ(mul(kMax, 2), std::nullopt);
  EXPECT_EQ(mul(-3, 4), -12);
}

TEST(MoneyMulDiv, RoundsHalvesAwayFromZero) {
  EXPECT_EQ(mul_div_round_half_up(1000, 150, 10000), 15);  // 1.5% of 10.00
  EXPECT_EQ(mul_div_round_half_up(1, 1, 2), 1);            // 0.5 -> 1
  EXPECT_EQ(mul_div_round_half_up(-1, 1, 2), -1);          // -0.5 -> -1
  EXPECT_EQ(mul_div_round_half_up(1, 1, 3), 0);            // 0.33 -> 0
  EXPECT_EQ(mul_div_round_half_up(kMax, 2, 1), std::nullopt);
  EXPECT_EQ(mul_div_round_half_up(kMax, 3, 3), kMax);  // no overflow in the middle
}

}  // namespace
}  // namespace centli::money
