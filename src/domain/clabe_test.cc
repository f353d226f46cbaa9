#include "domain/clabe.h"

#include <gtest/gtest.h>

#include <string>

namespace centli::clabe {
namespace {

// Appends the computed control digit to 17 digits.
std::string with_control(std::string_view first17) {
  const std::optional<char> digit = control_digit(first17);
  EXPECT_TRUE(digit.has_value()) << first17;
  return std::string(first17) + digit.value_or('?');
}

TEST(ClabeControlDigit, MatchesHandComputedExample) {
  // 0 0 2 1 8 0 0 0 0 1 2 3 4 5 6 7 8 with weights 3 7 1 ..., each product mod 10:
  // 0 0 2 3 6 0 0 0 0 3 4 3 2 5 6 1 6 -> sum 41 -> (10 - 1) % 10 = 9.
  EXPECT_EQ(control_digit("00218000012345678"), '9');
}

TEST(ClabeControlDigit, MatchesBanxicoPublishedExample) {
  // The worked example of Banxico's CLABE description: 032 180 00011835971 9.
  EXPECT_EQ(control_digit("03218000011835971"), '9');
}

TEST(ClabeControlDigit, IsZeroWhenSumIsAMultipleOfTen) {
  EXPECT_EQ(control_digit("00000000000000000"), '0');
}

TEST(ClabeControlDigit, RefusesInputThatIsNotSeventeenDigits) {
  EXPECT_EQ(control_digit("0021800001234567"), std::nullopt);
  EXPECT_EQ(control_digit("002180000123456789"), std::nullopt);
  EXPECT_EQ(control_digit("0021800001234567x"), std::nullopt);
  EXPECT_EQ(control_digit(""), std::nullopt);
}

TEST(ClabeValidate, AcceptsValidClabesOfKnownBanks) {
  struct Case {
    std::string_view first17;
    std::string_view bank_code;
    std::string_view bank_name;
  };
  const Case cases[] = {
      {"00218000012345678", "002", "BANAMEX"},   {"01218000098765432", "012", "BBVA MEXICO"},
      {"01418000055555555", "014", "SANTANDER"}, {"02118000000000001", "021", "HSBC"},
      {"07218000011112222", "072", "BANORTE"},   {"12718000033334444", "127", "AZTECA"},
      {"13718000077778888", "137", "BANCOPPEL"}, {"63818000099990000", "638", "NU MEXICO"},
      {"64618000012121212", "646", "STP"},
  };
  for (const Case& c : cases) {
    const std::string clabe = with_control(c.first17);
    const auto info = validate(clabe);
    ASSERT_TRUE(info.has_value()) << clabe;
    EXPECT_EQ(info->bank_code, c.bank_code);
    EXPECT_EQ(info->bank_name, c.bank_name);
    EXPECT_EQ(info->last4, clabe.substr(14));
  }
}

TEST(ClabeValidate, CatchesEverySingleDigitCorruption) {
  const std::string valid = with_control("01218000098765432");
  ASSERT_TRUE(validate(valid).has_value());
  int corruptions = 0;
  for (std::size_t i = 0; i < valid.size(); ++i) {
    for (char d = '0'; d <= '9'; ++d) {
      if (d == valid[i]) continue;
      std::string corrupt = valid;
      corrupt[i] = d;
      const auto result = validate(corrupt);
      ASSERT_FALSE(result.has_value()) << corrupt;
      EXPECT_EQ(result.error(), ClabeError::kBadControlDigit) << corrupt;
      ++corruptions;
    }
  }
  EXPECT_EQ(corruptions, 18 * 9);
}

TEST(ClabeValidate, ReportsErrorsInDocumentedPrecedence) {
  struct Case {
    std::string clabe;
    ClabeError error;
  };
  const Case cases[] = {
      {"", ClabeError::kWrongLength},
      {"00218000012345678", ClabeError::kWrongLength},    // 17 digits
      {"0021800001234567890", ClabeError::kWrongLength},  // 19 digits
      {"00218000O123456789", ClabeError::kNotDigits},     // letter O for zero
      {"002 80000123456789", ClabeError::kNotDigits},
      {"00218000012345678a", ClabeError::kNotDigits},
      {"-02180000123456789", ClabeError::kNotDigits},
      {"002180000123456780", ClabeError::kBadControlDigit},
      // 032 (IXE) merged into another bank: a correct control digit does not make it valid.
      {"032180000118359719", ClabeError::kUnknownBank},
      {with_control("99918000012345678"), ClabeError::kUnknownBank},
      {with_control("00018000012345678"), ClabeError::kUnknownBank},
      // Wrong length wins over letters.
      {"abc", ClabeError::kWrongLength},
  };
  for (const Case& c : cases) {
    const auto result = validate(c.clabe);
    ASSERT_FALSE(result.has_value()) << c.clabe;
    EXPECT_EQ(result.error(), c.error) << c.clabe;
  }
}

TEST(ClabeValidate, EveryErrorHasAMessage) {
  for (const ClabeError e : {ClabeError::kWrongLength, ClabeError::kNotDigits,
                             ClabeError::kBadControlDigit, ClabeError::kUnknownBank}) {
    EXPECT_FALSE(clabe_error_message(e).empty());
  }
  EXPECT_EQ(clabe_error_message(ClabeError::kWrongLength), "CLABE must have exactly 18 digits");
}

TEST(ClabeMask, ShowsOnlyTheLastFourDigits) {
  EXPECT_EQ(mask("002180000123456789"), "**************6789");
  EXPECT_EQ(mask("12345678"), "****5678");
  EXPECT_EQ(mask("1234567"), "*******");
  EXPECT_EQ(mask("1234"), "****");
  EXPECT_EQ(mask(""), "");
  EXPECT_EQ(mask("abcdefghij"), "**********");
}

TEST(ClabeBankName, FindsKnownCodesAndRefusesOthers) {
  EXPECT_EQ(bank_name("002"), "BANAMEX");
  EXPECT_EQ(bank_name("012"), "BBVA MEXICO");
  EXPECT_EQ(bank_name("014"), "SANTANDER");
  EXPECT_EQ(bank_name("021"), "HSBC");
  EXPECT_EQ(bank_name("072"), "BANORTE");
  EXPECT_EQ(bank_name("127"), "AZTECA");
  EXPECT_EQ(bank_name("137"), "BANCOPPEL");
  EXPECT_EQ(bank_name("638"), "NU MEXICO");
  EXPECT_EQ(bank_name("646"), "STP");
  EXPECT_EQ(bank_name("902"), "INDEVAL");
  EXPECT_EQ(bank_name("000"), std::nullopt);
  EXPECT_EQ(bank_name("999"), std::nullopt);
  EXPECT_EQ(bank_name("12"), std::nullopt);
  EXPECT_EQ(bank_name("0021"), std::nullopt);
  EXPECT_EQ(bank_name(""), std::nullopt);
}

TEST(ClabeBanks, TableIsSortedWithThreeDigitCodesAndNames) {
  const auto table = banks();
  ASSERT_GT(table.size(), 100u);
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(table[i].code.size(), kBankCodeLength);
    EXPECT_FALSE(table[i].name.empty());
    if (i > 0) {
      EXPECT_LT(table[i - 1].code, table[i].code);
    }
    EXPECT_EQ(bank_name(table[i].code), table[i].name);
  }
}

}  // namespace
}  // namespace centli::clabe
