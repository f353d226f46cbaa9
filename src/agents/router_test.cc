#include "agents/router.h"

#include <gtest/gtest.h>

namespace centli::agents {
namespace {

std::string header(const http::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

// A client that retries on a status alone loops on a stored refusal (409 out_of_stock,
// alias_ambiguous); Retry-After names the refusals that may succeed when sent again.
TEST(RouterRender, SendsRetryAfterOnlyWithRefusalsWorthRetrying) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    const http::Response r =
        Router::render(actions::Dispatcher::problem({code, "x", "", ""}, "cor-1"), "cor-1");
    const bool retryable =
        code == ErrorCode::kIdempotencyKeyInUse || code == ErrorCode::kUnavailable;
    EXPECT_EQ(header(r, "Retry-After"), retryable ? "1" : "") << error_code_name(code);
    EXPECT_EQ(error_retry_after_s(code) > 0, retryable) << error_code_name(code);
    EXPECT_EQ(r.content_type, "application/problem+json");
  }
}

}  // namespace
}  // namespace centli::agents
