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

TEST(McpVersions, InitializeAskingForTheStatelessVersionGetsTheLatestInitializeVersion) {
  EXPECT_EQ(mcp_negotiate_version("2026-07-28"), kMcpVersionLatest);
  EXPECT_TRUE(mcp_version_supported("2026-07-28"));
}

TEST(McpInspect, ReadsTheMetaVersionAndTheNameOfAStatelessRequest) {
  const auto info = mcp_inspect(
      R"({"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"get_balance",)"
      R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})");
  EXPECT_TRUE(info.valid && info.is_request && info.meta_version_given);
  EXPECT_EQ(info.meta_version, "2026-07-28");
  EXPECT_EQ(info.name, "get_balance");
  EXPECT_EQ(info.id_json, R"("a")");
  const auto legacy = mcp_inspect(R"({"jsonrpc":"2.0","id":1,"method":"ping"})");
  EXPECT_FALSE(legacy.meta_version_given);
  EXPECT_FALSE(legacy.name.has_value());
}

TEST(McpHeaderValue, TrimsSpacesAndDecodesOnlyValidBase64) {
  EXPECT_EQ(mcp_header_value("  get_balance\t"), "get_balance");
  EXPECT_EQ(mcp_header_value("=?base64?SGVsbG8=?="), "Hello");
  EXPECT_EQ(mcp_header_value("=?base64?SGVsbG8sIOS4lueVjA==?="), "Hello, \u4e16\u754c");
  EXPECT_EQ(mcp_header_value("SGVsbG8="), "SGVsbG8=");  // no sentinel: the text itself
  EXPECT_EQ(mcp_header_value("=?base64?SGVsbG8="), "=?base64?SGVsbG8=");
  for (const char* bad :
       {"=?base64?SGVsbG8?=", "=?base64?SGVs!!!bG8=?=", "=?base64?SGVsbG9=?=", "a\x01b"}) {
    EXPECT_FALSE(mcp_header_value(bad).has_value()) << bad;
  }
}

struct HeaderCase {
  const char* version;
  const char* method;
  const char* name;
  bool ok;
};

TEST(McpHeaderMismatch, HeadersMustMirrorTheBodyExactly) {
  const auto call =
      mcp_inspect(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"transfer",)"
                  R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})");
  const HeaderCase cases[] = {
      {"2026-07-28", "tools/call", "transfer", true},
      {" 2026-07-28 ", " tools/call ", "  transfer  ", true},
      {"2026-07-28", "tools/call", "=?base64?dHJhbnNmZXI=?=", true},
      {"", "tools/call", "transfer", false},
      {"2025-11-25", "tools/call", "transfer", false},
      {"2026-07-28", "", "transfer", false},
      {"2026-07-28", "TOOLS/CALL", "transfer", false},
      {"2026-07-28", "tools/list", "transfer", false},
      {"2026-07-28", "tools/call", "", false},
      {"2026-07-28", "tools/call", "get_balance", false},
      {"2026-07-28", "tools/call", "=?base64?dHJhbnNmZXI?=", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(mcp_header_mismatch(call, c.version, c.method, c.name).empty(), c.ok)
        << c.version << " | " << c.method << " | " << c.name;
  }
  const auto list =
      mcp_inspect(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{)"
                  R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})");
  EXPECT_EQ(mcp_header_mismatch(list, "2026-07-28", "tools/list", ""), "");
}

}  // namespace
}  // namespace centli::agents
