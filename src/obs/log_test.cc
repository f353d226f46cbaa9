#include "obs/log.h"

#include <gtest/gtest.h>

#include <string>

namespace centli::obs {
namespace {

// The `log` event target writes envelopes through mask_json (issue 9, item 5): amounts once
// appeared in clear there.
TEST(MaskJson, HidesAmountsBalancesAndNumbersAtAnyDepth) {
  const std::string envelope =
      R"({"event_id":"evt-1","data":{"from_account":"acc-456","amount":500.5,)"
      R"("amount_minor":50050,"currency":"MXN","balance_after":"49499.50",)"
      R"("account":{"account_number":"0123456780456","posted":"1.00","held":"0.00",)"
      R"("available":"1.00","credit_limit":"9.00"},)"
      R"("external_destination":{"clabe":"002180000123456789","last4":"6789"},)"
      R"("items":[{"total_minor":7}],"quantity":2}})";
  EXPECT_EQ(mask_json(envelope),
            R"({"event_id":"evt-1","data":{"from_account":"acc-456","amount":"***",)"
            R"("amount_minor":"***","currency":"MXN","balance_after":"***",)"
            R"("account":{"account_number":"****0456","posted":"***","held":"***",)"
            R"("available":"***","credit_limit":"***"},)"
            R"("external_destination":{"clabe":"****6789","last4":"6789"},)"
            R"("items":[{"total_minor":"***"}],"quantity":2}})");
}

TEST(MaskJson, MasksLevelsPastTheDepthBoundWhole) {
  std::string deep = "1";
  for (int i = 0; i < 40; ++i) deep = R"({"a":)" + deep + "}";
  const std::string masked = mask_json(deep);
  EXPECT_NE(masked.find(R"("a":"***")"), std::string::npos) << masked;
  EXPECT_EQ(masked.find('1'), std::string::npos) << masked;
}

TEST(MaskJson, TextThatIsNotAnObjectGivesAnEmptyObject) {
  EXPECT_EQ(mask_json("not json"), "{}");
  EXPECT_EQ(mask_json("[1,2]"), "{}");
  EXPECT_EQ(mask_json(""), "{}");
}

}  // namespace
}  // namespace centli::obs
