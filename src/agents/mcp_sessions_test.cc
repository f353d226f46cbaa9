#include "agents/mcp_sessions.h"

#include <gtest/gtest.h>

#include <vector>

#include "util/limits.h"

namespace centli::agents {
namespace {

using limits::kMcpSessionsMax;
using limits::kMcpSessionsPerCallerMax;
using limits::kMcpSessionsPerPrincipalMax;

struct Fixture {
  std::int64_t now_ms = 1'000'000;
  McpSessions sessions{[this] { return now_ms; }};

  std::string open(const std::string& principal, const std::string& user) {
    return sessions.open({principal, user, "2025-11-25"});
  }
  bool usable(const std::string& id, const std::string& principal, const std::string& user) {
    return sessions.use(id, principal, user).has_value();
  }
};

TEST(McpSessions, OneCallerOpeningMoreThanTheTotalNeverDropsAnotherCallersSession) {
  Fixture f;
  const std::string other = f.open("user:user-456", "user-456");
  for (std::size_t i = 0; i <= kMcpSessionsMax; ++i) f.open("user:user-123", "user-123");
  EXPECT_TRUE(f.usable(other, "user:user-456", "user-456"));
  EXPECT_EQ(f.sessions.size(), 1 + kMcpSessionsPerCallerMax);
}

TEST(McpSessions, ACallerAtItsLimitDropsItsOwnLeastRecentlyUsedSession) {
  Fixture f;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < kMcpSessionsPerCallerMax; ++i)
    ids.push_back(f.open("user:user-123", "user-123"));
  ASSERT_TRUE(f.usable(ids[0], "user:user-123", "user-123"));  // now ids[1] is the oldest
  const std::string newest = f.open("user:user-123", "user-123");
  EXPECT_FALSE(f.usable(ids[1], "user:user-123", "user-123"));
  EXPECT_TRUE(f.usable(ids[0], "user:user-123", "user-123"));
  EXPECT_TRUE(f.usable(newest, "user:user-123", "user-123"));
  EXPECT_EQ(f.sessions.size(), kMcpSessionsPerCallerMax);
}

TEST(McpSessions, ADelegatedServiceAtItsLimitDropsItsOwnSessionsNotAPersonsOwn) {
  Fixture f;
  const std::string person = f.open("user:user-123", "user-123");
  const std::string first = f.open("service:agent", "user-0");
  for (std::size_t i = 1; i < kMcpSessionsPerPrincipalMax; ++i)
    f.open("service:agent", "user-" + std::to_string(i));
  f.open("service:agent", "user-new");
  EXPECT_FALSE(f.usable(first, "service:agent", "user-0"));
  EXPECT_TRUE(f.usable(person, "user:user-123", "user-123"));
  EXPECT_EQ(f.sessions.size(), 1 + kMcpSessionsPerPrincipalMax);
}

TEST(McpSessions, WhenAllAreOpenTheLargestHolderLosesItsOldestSession) {
  Fixture f;
  const std::size_t principals = kMcpSessionsMax / kMcpSessionsPerPrincipalMax;
  std::vector<std::string> firsts;  // each principal's oldest session
  for (std::size_t p = 0; p < principals; ++p) {
    const std::string principal = "service:s" + std::to_string(p);
    // The last principal holds one session less, so it is not among the largest holders.
    const std::size_t count = kMcpSessionsPerPrincipalMax - (p + 1 == principals ? 1 : 0);
    firsts.push_back(f.open(principal, "user-0"));
    for (std::size_t i = 1; i < count; ++i) f.open(principal, "user-" + std::to_string(i));
  }
  f.open("user:user-123", "user-123");  // fills the total
  ASSERT_EQ(f.sessions.size(), kMcpSessionsMax);
  f.open("user:user-456", "user-456");
  EXPECT_EQ(f.sessions.size(), kMcpSessionsMax);
  EXPECT_FALSE(f.usable(firsts[0], "service:s0", "user-0"));  // the oldest of a largest holder
  for (std::size_t p = 1; p < principals; ++p)
    EXPECT_TRUE(f.usable(firsts[p], "service:s" + std::to_string(p), "user-0")) << p;
}

TEST(McpSessions, OnlyTheOpenerMayUseOrCloseASession) {
  Fixture f;
  const std::string id = f.open("service:agent", "user-123");
  EXPECT_FALSE(f.usable(id, "service:agent", "user-456"));
  EXPECT_FALSE(f.usable(id, "service:other", "user-123"));
  EXPECT_FALSE(f.sessions.close(id, "service:agent", "user-456"));
  EXPECT_TRUE(f.sessions.close(id, "service:agent", "user-123"));
  EXPECT_FALSE(f.usable(id, "service:agent", "user-123"));
  EXPECT_EQ(f.sessions.size(), 0u);
}

TEST(McpSessions, AnIdleSessionExpiresAndFreesItsCallersRoom) {
  Fixture f;
  const std::string id = f.open("user:user-123", "user-123");
  f.now_ms += limits::kMcpSessionIdleMs;
  EXPECT_TRUE(f.usable(id, "user:user-123", "user-123"));  // used exactly at the bound
  f.now_ms += limits::kMcpSessionIdleMs + 1;
  EXPECT_FALSE(f.usable(id, "user:user-123", "user-123"));
  EXPECT_EQ(f.sessions.size(), 0u);
  for (std::size_t i = 0; i < kMcpSessionsPerCallerMax; ++i) f.open("user:user-123", "user-123");
  EXPECT_EQ(f.sessions.size(), kMcpSessionsPerCallerMax);
}

}  // namespace
}  // namespace centli::agents
