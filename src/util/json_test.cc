#include "util/json.h"

#include <gtest/gtest.h>

#include <string>

#include "util/limits.h"

namespace centli::json {
namespace {

struct ParseCase {
  std::string text;
  const char* stored;        // to_string of what was stored, or nullptr when refused
  const char* field = "";    // when refused: the member named
  const char* message = "";  // when refused: the sentence, if given
};

// Issue 9: numbers were kept as text, so {"from_account": 1} read as the string "1", and
// duplicate keys were accepted with the first one winning.
const ParseCase kParseCases[] = {
    {R"({"a":"x","b":1,"c":true,"d":null,"e":[1,"2"]})",
     R"({"a":"x","b":1,"c":true,"d":null,"e":[1,"2"]})"},
    {R"({"n":5.0})", R"({"n":5})"},
    {R"({"n":5e2})", R"({"n":500})"},
    {R"({"n":-0})", R"({"n":0})"},
    {R"({"n":0.25})", R"({"n":0.25})"},
    {R"({"n":18446744073709551615})", R"({"n":18446744073709551615})"},
    {R"({"n":12345678901234.5})", R"({"n":12345678901234.5})"},
    {R"({"n":1e21})", R"({"n":1e21})"},
    {R"({"amount":1234567890123456.78})", nullptr, "amount",
     "amount has more than 15 significant digits, more than a JSON number carries exactly; send "
     "it as a string"},
    {R"({"n":123456789012345678901})", nullptr, "n"},
    {R"({"n":1e400})", nullptr, ""},  // RapidJSON refuses it while reading
    {R"({"n":1e-400})", nullptr, "n", "n is out of range for a JSON number"},
    {R"([0.10000000000000000001])", nullptr, ""},
    {R"({"a":1,"a":2})", nullptr, "a", "the key \"a\" is given more than once in one object"},
    {R"({"a":1,"b":{"c":1,"d":2,"c":3}})", nullptr, "c"},
    {R"({"x":[{"k":1},{"k":2}]})", R"({"x":[{"k":1},{"k":2}]})"},
    {R"({"x":[{"k":1,"k":1}]})", nullptr, "k"},
    {R"({"o":{"k":1},"p":[1.5,{"q":1},99999999999999999999.5]})", nullptr, "p"},
    {R"({"a":1} x)", nullptr, ""},
    {R"({"a":)", nullptr, ""},
    {"\"\xff\"", nullptr, ""},
};

TEST(JsonParse, StoresExactNumbersAndRefusesWhatTheTableRefuses) {
  for (const auto& c : kParseCases) {
    rapidjson::Document d;
    auto parsed = parse(c.text, d);
    if (c.stored != nullptr) {
      ASSERT_TRUE(parsed.has_value()) << c.text << ": " << parsed.error().message;
      EXPECT_EQ(to_string(d), c.stored) << c.text;
      continue;
    }
    ASSERT_FALSE(parsed.has_value()) << c.text << " stored " << to_string(d);
    EXPECT_EQ(parsed.error().field, c.field) << c.text;
    EXPECT_FALSE(parsed.error().message.empty()) << c.text;
    if (*c.message != '\0') {
      EXPECT_EQ(parsed.error().message, c.message) << c.text;
    }
  }
}

TEST(JsonParse, KeepsJsonTypesSoAStringFieldCanRefuseANumber) {
  rapidjson::Document d;
  ASSERT_TRUE(parse(R"({"from_account":1,"to_account":"1","limit":2.0,"x":2.5})", d));
  EXPECT_TRUE(d["from_account"].IsInt64());
  EXPECT_FALSE(d["from_account"].IsString());
  EXPECT_TRUE(d["to_account"].IsString());
  EXPECT_TRUE(d["limit"].IsInt64());
  EXPECT_EQ(d["limit"].GetInt64(), 2);
  EXPECT_TRUE(d["x"].IsDouble());
}

TEST(JsonParse, BoundsNestingAndLeavesTheDocumentAsItWasWhenRefused) {
  const std::size_t max = limits::kJsonDepthMax;
  rapidjson::Document d;
  ASSERT_TRUE(parse(std::string(max, '[') + std::string(max, ']'), d));
  d.SetObject();
  d.AddMember("kept", true, d.GetAllocator());
  auto deep = parse(std::string(max + 1, '[') + std::string(max + 1, ']'), d);
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().message, "the JSON nests deeper than " + std::to_string(max) + " levels");
  EXPECT_EQ(to_string(d), R"({"kept":true})");
  ASSERT_FALSE(parse(R"({"a":1,"a":1})", d).has_value());
  EXPECT_EQ(to_string(d), R"({"kept":true})");
}

TEST(JsonNumberText, WritesTheExactDecimalWithoutAnExponent) {
  struct Case {
    const char* json;
    const char* text;
  };
  const Case cases[] = {
      {"5", "5"},
      {"-7", "-7"},
      {"0.25", "0.25"},
      {"500.50", "500.5"},
      {"1e-7", "0.0000001"},
      {"1e20", "100000000000000000000"},
      {"0.001", "0.001"},
      {"18446744073709551615", "18446744073709551615"},
  };
  for (const auto& c : cases) {
    rapidjson::Document d;
    ASSERT_TRUE(parse(c.json, d)) << c.json;
    EXPECT_EQ(number_text(d), c.text) << c.json;
  }
}

}  // namespace
}  // namespace centli::json
