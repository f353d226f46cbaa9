#include "actions/registry.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "util/json.h"

namespace centli::actions {
namespace {

Action typed_action() {
  Action a;
  a.name = "typed";
  a.fields = {Field{"s", FieldType::kString, false, "text", 40},
              Field{"i", FieldType::kInteger, false, "count", 0, 1, 100},
              Field{"b", FieldType::kBoolean, false, "flag"},
              Field{"m", FieldType::kMoney, false, "amount"},
              Field{"d", FieldType::kDate, false, "day"}};
  return a;
}

struct TypeCase {
  const char* json;
  const char* field;   // the field refused, or nullptr when accepted
  const char* detail;  // the exact detail when refused, or the canonical input when accepted
};

// Issue 9: each field takes its own JSON type ({"from_account": 1} was read as "1"), money
// follows money::read_amount, dates are calendar days, and free text has no hidden controls.
const TypeCase kTypeCases[] = {
    {R"({"s":"acc-456"})", nullptr, R"({"s":"acc-456"})"},
    {R"({"s":1})", "s", "s must be a string"},
    {R"({"s":true})", "s", "s must be a string"},
    {R"({"s":{"v":"x"}})", "s", "s must be a string"},
    {R"({"s":["x"]})", "s", "s must be a string"},
    {R"({"i":7})", nullptr, R"({"i":7})"},
    {R"({"i":7.0})", nullptr, R"({"i":7})"},
    {R"({"i":"7"})", "i", "i must be a whole number like 20"},
    {R"({"i":7.5})", "i", "i must be a whole number like 20"},
    {R"({"i":true})", "i", "i must be a whole number like 20"},
    {R"({"i":101})", "i", "i must be between 1 and 100"},
    {R"({"i":18446744073709551615})", "i", "i must be between 1 and 100"},
    {R"({"b":false})", nullptr, R"({"b":false})"},
    {R"({"b":"true"})", "b", "b must be true or false"},
    {R"({"b":1})", "b", "b must be true or false"},
    {R"({"m":10.5})", nullptr, R"({"m":1050})"},
    {R"({"m":7})", nullptr, R"({"m":700})"},
    {R"({"m":"$1,000.50"})", nullptr, R"({"m":100050})"},
    {R"({"m":"10,50"})", "m",
     "amount \"10,50\" is ambiguous: it could mean 10.50 or 1050.00; confirm which and send "
     "digits with a dot for decimals and no commas"},
    {R"({"m":0.001})", "m", "amount has more than two decimals"},
    {R"({"m":-1})", "m", "m must be greater than zero"},
    {R"({"m":-0.5})", "m", "m must be greater than zero"},
    {R"({"m":0})", "m", "m must be greater than zero"},
    {R"({"m":"0.00"})", "m", "m must be greater than zero"},
    {R"({"m":1e30})", "m", "amount is too large"},
    {R"({"m":true})", "m", "m must be a decimal amount like 500.00 or \"500.00\""},
    {R"({"m":["5"]})", "m", "m must be a decimal amount like 500.00 or \"500.00\""},
    {R"({"d":"2024-02-29"})", nullptr, R"({"d":1709164800000})"},
    {R"({"d":"2026-02-30"})", "d",
     "d must be a calendar date like 2026-02-17 or 2026-02-17T10:30:00Z"},
    {R"({"d":20260217})", "d", "d must be a calendar date like 2026-02-17 or 2026-02-17T10:30:00Z"},
    {R"({"s":"Renta de marzo, mamá ñ 😀"})", nullptr, R"({"s":"Renta de marzo, mamá ñ 😀"})"},
    {R"({"s":"pago \u202e005$"})", "s",
     "s contains the control character U+202E, which could hide or reorder what others read; "
     "send plain text"},
    {R"({"s":"\u202a"})", "s", nullptr},
    {R"({"s":"\u202b"})", "s", nullptr},
    {R"({"s":"\u202c"})", "s", nullptr},
    {R"({"s":"\u202d"})", "s", nullptr},
    {R"({"s":"\u2066"})", "s", nullptr},
    {R"({"s":"\u2067"})", "s", nullptr},
    {R"({"s":"\u2068"})", "s", nullptr},
    {R"({"s":"a\u2069"})", "s", nullptr},
    {R"({"s":"\u200e"})", "s", nullptr},
    {R"({"s":"\u200f"})", "s", nullptr},
    {R"({"s":"\u061c"})", "s", nullptr},
    {R"({"s":"\u2028"})", "s", nullptr},
    {R"({"s":"\u0085"})", "s",
     "s contains the control character U+0085, which could hide or "
     "reorder what others read; send plain text"},
    {R"({"s":"a\nb"})", "s", nullptr},
    {R"({"s":"\u007f"})", "s", nullptr},
};

TEST(RegistryValidate, TakesEachFieldInItsOwnJsonTypeAsTheTableSays) {
  const Action action = typed_action();
  for (const auto& c : kTypeCases) {
    rapidjson::Document d;
    ASSERT_TRUE(json::parse(c.json, d)) << c.json;
    auto input = validate(action, d);
    if (c.field == nullptr) {
      ASSERT_TRUE(input.has_value()) << c.json << ": " << input.error().message;
      EXPECT_EQ(input->canonical(), c.detail) << c.json;
      continue;
    }
    ASSERT_FALSE(input.has_value()) << c.json << " accepted as " << input->canonical();
    EXPECT_EQ(input.error().code, ErrorCode::kInvalidRequest) << c.json;
    EXPECT_EQ(input.error().field, c.field) << c.json;
    if (c.detail != nullptr) {
      EXPECT_EQ(input.error().message, c.detail) << c.json;
    }
  }
}

TEST(RegistryCoerceText, MakesQueryIntegersJsonIntegersAndLeavesTheRestText) {
  const Action action = typed_action();
  rapidjson::Document d;
  auto i = coerce_text(action.fields[1], "20", d.GetAllocator());
  ASSERT_TRUE(i.has_value());
  EXPECT_TRUE(i->IsInt64());
  EXPECT_EQ(i->GetInt64(), 20);
  for (const char* bad : {"2.5", "20x", "", " 20", "1e3"}) {
    auto r = coerce_text(action.fields[1], bad, d.GetAllocator());
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().field, "i");
  }
  auto m = coerce_text(action.fields[3], "10,50", d.GetAllocator());
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(json::to_string(*m), R"("10,50")");
}

}  // namespace
}  // namespace centli::actions
