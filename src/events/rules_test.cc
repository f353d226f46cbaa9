#include <gtest/gtest.h>

#include "events/bus.h"

namespace centli::events {
namespace {

TEST(BackoffDelay, StaysWithinZeroAndTheDoublingCeiling) {
  struct Case {
    int attempt;
    std::int64_t ceiling_ms;
  };
  const Case cases[] = {{2, 100}, {3, 200}, {4, 400}, {5, 800}, {6, 1000}, {185, 1000}};
  for (const auto& c : cases) {
    for (double unit : {0.0, 0.25, 0.5, 0.999999}) {
      const auto d = backoff_delay_ms(c.attempt, 100, 1000, unit);
      EXPECT_GE(d, 0) << c.attempt;
      EXPECT_LE(d, c.ceiling_ms) << c.attempt << " " << unit;
    }
    EXPECT_EQ(backoff_delay_ms(c.attempt, 100, 1000, 0.0), 0);
    EXPECT_GE(backoff_delay_ms(c.attempt, 100, 1000, 0.999999), c.ceiling_ms - 1);
  }
}

TEST(BackoffDelay, NeverExceedsTheCapEvenForHugeAttempts) {
  EXPECT_LE(backoff_delay_ms(1'000'000, 1000, 300'000, 0.999), 300'000);
  EXPECT_EQ(backoff_delay_ms(3, 0, 300'000, 0.7), 0);
  EXPECT_EQ(backoff_delay_ms(3, 100, 1000, 5.0), 200);  // out-of-range unit is clamped
}

TEST(ParseRules, AcceptsAFullRule) {
  auto r = parse_rules(R"({"rules":[{"name":"hooks","pattern":{"source":["core-banking"]},
    "targets":[{"type":"webhook","url":"http://127.0.0.1:9/x","secret":"k","timeout_ms":100},
    {"type":"log"},{"type":"internal","consumer":"saga"}],
    "retry":{"max_attempts":3,"max_age_s":60}}]})");
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].targets.size(), 3u);
  EXPECT_EQ((*r)[0].targets[0].timeout_ms, 100);
  EXPECT_EQ((*r)[0].retry.max_attempts, 3);
  EXPECT_EQ((*r)[0].retry.max_age_s, 60);
}

TEST(ParseRules, RefusesWithThePathOfTheOffendingPart) {
  struct Case {
    const char* text;
    const char* path;
  };
  const Case cases[] = {
      {"[]", ": "},
      {"{\"rules\":1}", "rules: "},
      {"{\"rules\":[1]}", "rules[0]: "},
      {R"({"rules":[{"pattern":{"a":[1]},"targets":[{"type":"log"}]}]})", "rules[0].name: "},
      {R"({"rules":[{"name":"x","targets":[{"type":"log"}]}]})", "rules[0].pattern: "},
      {R"({"rules":[{"name":"x","pattern":{"data":{"n":[{"numeric":[">"]}]}},
          "targets":[{"type":"log"}]}]})",
       "rules[0].pattern.data.n[0].numeric"},
      {R"({"rules":[{"name":"x","pattern":{"a":[1]},"targets":[]}]})", "rules[0].targets: "},
      {R"({"rules":[{"name":"x","pattern":{"a":[1]},"targets":[{"type":"fax"}]}]})",
       "rules[0].targets[0].type: "},
      {R"({"rules":[{"name":"x","pattern":{"a":[1]},"targets":[{"type":"webhook",
          "url":"ftp://h/","secret":"k"}]}]})",
       "rules[0].targets[0].url: "},
      {R"({"rules":[{"name":"x","pattern":{"a":[1]},"targets":[{"type":"webhook",
          "url":"http://h/"}]}]})",
       "rules[0].targets[0].secret: "},
      {R"({"rules":[{"name":"x","pattern":{"a":[1]},"targets":[{"type":"internal"}]}]})",
       "rules[0].targets[0].consumer: "},
      {R"({"rules":[{"name":"x","pattern":{"a":[1]},"targets":[{"type":"log"}],
          "retry":{"max_attempts":0}}]})",
       "rules[0].retry.max_attempts: "},
      {R"({"rules":[{"name":"x","pattern":{"a":[1]},"targets":[{"type":"log"}],
          "retry":{"max_age_s":90000}}]})",
       "rules[0].retry.max_age_s: "},
      {R"({"rules":[{"name":"x","pattern":{"a":[1]},"targets":[{"type":"log"}],"x":1}]})",
       "rules[0].x: "},
      {R"({"rules":[{"name":"x","pattern":{"a":[1]},"targets":[{"type":"log"}]},
          {"name":"x","pattern":{"a":[1]},"targets":[{"type":"log"}]}]})",
       "rules[1].name: "},
  };
  for (const auto& c : cases) {
    auto r = parse_rules(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().rfind(c.path, 0), 0u) << r.error() << " wanted " << c.path;
  }
}

}  // namespace
}  // namespace centli::events
