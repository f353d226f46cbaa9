#include "agents/tools.h"

#include <gtest/gtest.h>

#include "agents/doors.h"
#include "agents/mcp.h"
#include "util/json.h"

namespace centli::agents {
namespace {

struct CoerceCase {
  const char* type;
  const char* text;
  const char* json;  // expected JSON, or nullptr when refused
};

// Integers become JSON integers; money stays text for money::read_amount (the one amount
// grammar: "10,50" is refused there, never read as 1050.00 as the agent doors once did).
const CoerceCase kCoerceCases[] = {
    {"string", " keep  spaces ", R"(" keep  spaces ")"},
    {"integer", "5", "5"},
    {"integer", " 7 ", "7"},
    {"integer", "+3", "3"},
    {"integer", "-2", "-2"},
    {"integer", "20.00", "20"},
    {"integer", "2.5", nullptr},
    {"integer", "1e3", nullptr},
    {"integer", "1,000", nullptr},
    {"integer", "$5", nullptr},
    {"integer", "+-3", nullptr},
    {"integer", "", nullptr},
    {"integer", "cinco", nullptr},
    {"money", "10,50", R"("10,50")"},
    {"money", "$1,500.00", R"("$1,500.00")"},
    {"number", "0.5", "0.5"},
    {"number", " 20 ", "20"},
    {"number", "1,500.50", nullptr},
    {"number", "$20", nullptr},
    {"number", ".5", nullptr},
    {"number", "20.", nullptr},
    {"number", "1.2.3", nullptr},
    {"number", "abc", nullptr},
    {"boolean", "TRUE", "true"},
    {"boolean", "yes", "true"},
    {"boolean", "0", "false"},
    {"boolean", "False", "false"},
    {"boolean", "maybe", nullptr},
    {"array", R"(["a", 2])", R"(["a","2"])"},
    {"array", "[a, 'b', \"c\"]", R"(["a","b","c"])"},
    {"array", "[]", "[]"},
    {"array", "a, b", nullptr},
};

TEST(CoerceValue, ConvertsTextByDeclaredTypeAsTheTableSays) {
  for (const auto& c : kCoerceCases) {
    rapidjson::Document d;
    auto v = coerce_value("field", c.type, c.text, d.GetAllocator());
    if (c.json == nullptr) {
      ASSERT_FALSE(v.has_value()) << c.type << " " << c.text;
      EXPECT_EQ(v.error().field, "field");
      continue;
    }
    ASSERT_TRUE(v.has_value()) << c.type << " " << c.text << ": " << v.error().message;
    EXPECT_EQ(json::to_string(*v), c.json) << c.type << " " << c.text;
  }
}

TEST(DerivedKey, DiffersWhenAnyPartDiffersAndNeverByConcatenation) {
  EXPECT_EQ(derived_key("k-", {"a", "b"}), derived_key("k-", {"a", "b"}));
  EXPECT_NE(derived_key("k-", {"ab", "c"}), derived_key("k-", {"a", "bc"}));
  EXPECT_NE(derived_key("k-", {"a", "b"}), derived_key("k-", {"a", "c"}));
  EXPECT_TRUE(derived_key("mcp-", {"x"}).starts_with("mcp-"));
}

TEST(StripTarget, DropsEverythingThroughTheFirstSeparator) {
  EXPECT_EQ(strip_target("centli___get_balance"), "get_balance");
  EXPECT_EQ(strip_target("a___b___c"), "b___c");
  EXPECT_EQ(strip_target("get_balance"), "get_balance");
}

TEST(OriginAllowed, AcceptsOnlyLoopbackOriginsOrNone) {
  for (const char* ok : {"", "http://localhost", "http://localhost:3000", "https://127.0.0.1:8443",
                         "http://[::1]:8080"}) {
    EXPECT_TRUE(origin_allowed(ok)) << ok;
  }
  for (const char* bad : {"null", "https://evil.example", "http://localhost.evil.example",
                          "http://127.0.0.1.nip.io", "http://localhost:", "http://[::1]x"}) {
    EXPECT_FALSE(origin_allowed(bad)) << bad;
  }
}

TEST(McpVersions, NegotiatesTheRequestedSupportedVersionElseTheLatest) {
  EXPECT_EQ(mcp_negotiate_version("2025-03-26"), "2025-03-26");
  EXPECT_EQ(mcp_negotiate_version("2025-06-18"), "2025-06-18");
  EXPECT_EQ(mcp_negotiate_version("2024-11-05"), kMcpVersionLatest);
  EXPECT_FALSE(mcp_version_supported("2024-11-05"));
}

}  // namespace
}  // namespace centli::agents
