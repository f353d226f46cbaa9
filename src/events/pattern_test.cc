#include "events/pattern.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "util/limits.h"

namespace centli::events {
namespace {

// The envelope of DESIGN.md's "Events" section.
constexpr const char* kTransfer = R"({
  "version": "1.0", "event_id": "evt-1", "event_type": "TRANSFER_COMPLETED",
  "correlation_id": "corr-1", "timestamp": "2026-02-17T10:30:00.123Z",
  "source": "core-banking", "user_id": "user-123",
  "data": {"from_account": "acc-456", "to_account": "acc-789", "amount": 5000,
           "amount_minor": 500000, "currency": "MXN"}})";

// EventBridge documentation: an Auto Scaling event with an empty string and a null.
constexpr const char* kAutoScaling = R"({
  "version": "0", "id": "3e3c153a-8339-4e30-8c35-687ebef853fe",
  "detail-type": "EC2 Instance Launch Successful", "source": "aws.autoscaling",
  "account": "123456789012", "time": "2015-11-11T21:31:47Z", "region": "us-east-1",
  "resources": [], "detail": {"eventVersion": "", "responseElements": null}})";

// EventBridge documentation: an EC2 state change, with numbers and an IP in the detail.
constexpr const char* kEc2 = R"({
  "version": "0", "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
  "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
  "account": "012345679012", "time": "2017-10-02T16:24:49Z", "region": "us-east-1",
  "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
  "detail": {"c-count": 5, "d-count": 3, "x-limit": 301.8, "source-ip": "10.0.0.33",
             "instance-id": "i-000000aaaaaa00000", "state": "running"}})";

// EventBridge documentation: an array of objects in the event.
constexpr const char* kEmployees = R"({"employees": [
  {"firstName": "John", "lastName": "Doe"}, {"firstName": "Anna", "lastName": "Smith"},
  {"firstName": "Peter", "lastName": "Jones"}]})";

// A CloudWatch-style event for the $or examples of the EventBridge documentation.
constexpr const char* kMetric = R"({"source": "aws.cloudwatch", "metricName": "DiskUsage",
  "metricType": "MetricType", "namespace": "AWS/EC2", "scope": "Host",
  "detail": {"source": "other", "detail-type": "CloudWatch Alarm State Change"}})";

struct MatchCase {
  const char* name;
  const char* pattern;
  const char* event;
  bool expected;
};

const MatchCase kMatchCases[] = {
    // Exact values, AND across fields, nesting.
    {"exact string", R"({"event_type": ["TRANSFER_COMPLETED"]})", kTransfer, true},
    {"exact string is case-sensitive", R"({"event_type": ["transfer_completed"]})", kTransfer,
     false},
    {"any value of the list", R"({"event_type": ["PURCHASE_INITIATED", "TRANSFER_COMPLETED"]})",
     kTransfer, true},
    {"nested field", R"({"source": ["core-banking"], "data": {"currency": ["MXN"]}})", kTransfer,
     true},
    {"every field must match", R"({"source": ["core-banking"], "data": {"currency": ["USD"]}})",
     kTransfer, false},
    {"missing field", R"({"data": {"reference": ["x"]}})", kTransfer, false},
    {"nesting must follow the event", R"({"currency": ["MXN"]})", kTransfer, false},
    {"nested pattern against a string value", R"({"source": {"name": ["core-banking"]}})",
     kTransfer, false},
    {"docs: EC2 termination", R"({"source": ["aws.ec2"], "detail": {"state": ["running"]}})", kEc2,
     true},
    // Numbers, booleans, null, empty strings, type mismatches.
    {"number", R"({"data": {"amount": [5000]}})", kTransfer, true},
    {"number equals its decimal form", R"({"data": {"amount": [5000.0]}})", kTransfer, true},
    {"number equals its exponent form", R"({"data": {"amount_minor": [5e5]}})", kTransfer, true},
    {"string \"5000\" is not the number 5000", R"({"data": {"amount": ["5000"]}})", kTransfer,
     false},
    {"number 123 is not the string \"123\"", R"({"id": [123]})", R"({"id": "123"})", false},
    {"boolean", R"({"flag": [true]})", R"({"flag": true})", true},
    {"boolean is not its string", R"({"flag": ["true"]})", R"({"flag": true})", false},
    {"false is not true", R"({"flag": [true]})", R"({"flag": false})", false},
    {"docs: null", R"({"source": ["aws.autoscaling"], "detail": {"responseElements": [null]}})",
     kAutoScaling, true},
    {"docs: empty string", R"({"detail": {"eventVersion": [""]}})", kAutoScaling, true},
    {"docs: empty string is not null", R"({"detail": {"responseElements": [""]}})", kAutoScaling,
     false},
    {"null is not a missing field", R"({"detail": {"missing": [null]}})", kAutoScaling, false},
    {"event that is not an object", R"({"a": ["x"]})", R"(["x"])", false},
    // Arrays in the event.
    {"docs: arrays intersect",
     R"({"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
                       "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]})",
     R"({"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup",
                       "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]})",
     true},
    {"arrays without intersection", R"({"tags": ["a", "b"]})", R"({"tags": ["c", "d"]})", false},
    {"empty event array", R"({"resources": ["x"]})", kAutoScaling, false},
    {"docs: object inside an event array", R"({"employees": {"firstName": ["Anna"]}})", kEmployees,
     true},
    {"docs: fields from two array elements do not combine",
     R"({"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}})", kEmployees, false},
    {"fields of one array element combine",
     R"({"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}})", kEmployees, true},
    {"docs: arrays nested in arrays are flattened", R"({"e": {"firstName": ["Peter"]}})",
     R"({"e": [[{"firstName": "John"}], [{"firstName": "Peter"}]]})", true},
    // prefix, suffix, equals-ignore-case, wildcard.
    {"docs: prefix", R"({"time": [{"prefix": "2017-10-02"}]})", kEc2, true},
    {"prefix that does not match", R"({"time": [{"prefix": "2018"}]})", kEc2, false},
    {"prefix only applies to strings", R"({"data": {"amount": [{"prefix": "50"}]}})", kTransfer,
     false},
    {"docs: prefix ignoring case", R"({"source": [{"prefix": {"equals-ignore-case": "CORE-"}}]})",
     kTransfer, true},
    {"docs: suffix", R"({"FileName": [{"suffix": ".png"}]})", R"({"FileName": "recibo.png"})",
     true},
    {"suffix is case-sensitive", R"({"FileName": [{"suffix": ".png"}]})",
     R"({"FileName": "recibo.PNG"})", false},
    {"docs: suffix ignoring case", R"({"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]})",
     R"({"FileName": "recibo.PNG"})", true},
    {"equals-ignore-case", R"({"data": {"currency": [{"equals-ignore-case": "mxn"}]}})", kTransfer,
     true},
    {"equals-ignore-case folds accented capitals", R"({"name": [{"equals-ignore-case": "josé"}]})",
     R"({"name": "JOSÉ"})", true},
    {"equals-ignore-case is whole-string", R"({"name": [{"equals-ignore-case": "jos"}]})",
     R"({"name": "JOSÉ"})", false},
    {"docs: wildcard", R"({"source": [{"wildcard": "Simple*Service"}]})",
     R"({"source": "SimpleQueueService"})", true},
    {"wildcard that does not match", R"({"source": [{"wildcard": "Simple*Service"}]})",
     R"({"source": "SimpleQueue"})", false},
    {"docs: wildcard on both sides", R"({"FilePath": [{"wildcard": "*/lib/*"}]})",
     R"({"FilePath": "/usr/lib/libc.so"})", true},
    {"wildcard star matches nothing", R"({"event_type": [{"wildcard": "TRANSFER_*"}]})",
     R"({"event_type": "TRANSFER_"})", true},
    {"escaped star is a literal star", R"({"k": [{"wildcard": "a\\*b"}]})", R"({"k": "a*b"})",
     true},
    {"escaped star is not a wildcard", R"({"k": [{"wildcard": "a\\*b"}]})", R"({"k": "axb"})",
     false},
    // anything-but.
    {"docs: anything-but a string", R"({"detail": {"state": [{"anything-but": "initializing"}]}})",
     kEc2, true},
    {"anything-but the same string", R"({"detail": {"state": [{"anything-but": "running"}]}})",
     kEc2, false},
    {"docs: anything-but a list of strings",
     R"({"detail": {"state": [{"anything-but": ["stopped", "running"]}]}})", kEc2, false},
    {"docs: anything-but a list of numbers",
     R"({"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}})", kEc2, true},
    {"anything-but a number compares by value", R"({"data": {"amount": [{"anything-but": 5e3}]}})",
     kTransfer, false},
    {"docs: anything-but a prefix",
     R"({"detail": {"state": [{"anything-but": {"prefix": "init"}}]}})", kEc2, true},
    {"anything-but a prefix that is there",
     R"({"detail": {"state": [{"anything-but": {"prefix": "run"}}]}})", kEc2, false},
    {"docs: anything-but a suffix", R"({"FileName": [{"anything-but": {"suffix": ".png"}}]})",
     R"({"FileName": "recibo.jpg"})", true},
    {"docs: anything-but ignoring case",
     R"({"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]})",
     R"({"state": "INITIALIZING"})", false},
    {"docs: anything-but a wildcard",
     R"({"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]})",
     R"({"FilePath": "/usr/bin/env"})", true},
    {"anything-but a string accepts other types", R"({"v": [{"anything-but": "x"}]})",
     R"({"v": [null]})", true},
    {"anything-but needs the field", R"({"data": {"reference": [{"anything-but": "x"}]}})",
     kTransfer, false},
    {"anything-but on an event array", R"({"state": [{"anything-but": "stopped"}]})",
     R"({"state": ["stopped", "running"]})", true},
    // numeric.
    {"docs: numeric range includes its upper bound",
     R"({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}})", kEc2, true},
    {"numeric range excludes its lower bound", R"({"n": [{"numeric": [">", 0, "<=", 5]}]})",
     R"({"n": 0})", false},
    {"docs: numeric less than", R"({"detail": {"d-count": [{"numeric": ["<", 10]}]}})", kEc2, true},
    {"docs: numeric equals an exponent",
     R"({"detail": {"x-limit": [{"numeric": ["=", 3.018e2]}]}})", kEc2, true},
    {"numeric range bounds in either order", R"({"n": [{"numeric": ["<", 10, ">=", 5]}]})",
     R"({"n": 5})", true},
    {"numeric does not read strings", R"({"n": [{"numeric": ["=", 5]}]})", R"({"n": "5"})", false},
    {"numeric on centavos", R"({"data": {"amount_minor": [{"numeric": [">=", 500000]}]}})",
     kTransfer, true},
    {"numeric integers compare exactly past 2^53",
     R"({"n": [{"numeric": [">", 9007199254740992]}]})", R"({"n": 9007199254740993})", true},
    {"docs: everything combined", R"({"time": [{"prefix": "2017-10-02"}], "detail": {
       "state": [{"anything-but": "initializing"}], "c-count": [{"numeric": [">", 0, "<=", 5]}],
       "d-count": [{"numeric": ["<", 10]}], "x-limit": [{"anything-but": [100, 200, 300]}]}})",
     kEc2, true},
    // exists.
    {"docs: exists true", R"({"detail": {"state": [{"exists": true}]}})", kEc2, true},
    {"exists true on a missing field", R"({"detail": {"other": [{"exists": true}]}})", kEc2, false},
    {"docs: exists false on a missing field", R"({"detail": {"other": [{"exists": false}]}})", kEc2,
     true},
    {"exists false on a present field", R"({"detail": {"state": [{"exists": false}]}})", kEc2,
     false},
    {"docs: exists false on an object (not a leaf)", R"({"detail": {"c": [{"exists": false}]}})",
     R"({"detail": {"c": {"c1": 100}}})", true},
    {"docs: exists true on an object (not a leaf)", R"({"detail": {"c": [{"exists": true}]}})",
     R"({"detail": {"c": {"c1": 100}}})", false},
    {"exists true on null", R"({"detail": {"responseElements": [{"exists": true}]}})", kAutoScaling,
     true},
    {"exists false when the parent is missing", R"({"meta": {"trace": [{"exists": false}]}})",
     kTransfer, true},
    {"exists false looks at every array element", R"({"a": {"b": [{"exists": false}]}})",
     R"({"a": [{"b": 1}, {"c": 2}]})", false},
    {"exists false or a value", R"({"data": {"channel": ["app", {"exists": false}]}})", kTransfer,
     true},
    // $or.
    {"docs: $or", R"({"source": ["aws.cloudwatch"], "$or": [
       {"metricName": ["CPUUtilization", "ReadLatency"]}, {"namespace": ["AWS/EC2", "AWS/ES"]}]})",
     kMetric, true},
    {"$or with no branch matching", R"({"$or": [{"metricName": ["CPUUtilization"]},
       {"namespace": ["AWS/ES"]}]})",
     kMetric, false},
    {"docs: parallel $or, one nested",
     R"({"$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}],
       "detail": {"$or": [{"source": ["aws.cloudwatch"]},
                          {"detail-type": ["CloudWatch Alarm State Change"]}]}})",
     kMetric, true},
    {"$or branch needs all its fields", R"({"$or": [{"metricName": ["CPUUtilization"]},
       {"metricType": ["MetricType"], "namespace": ["AWS/ES"]}]})",
     kMetric, false},
    {"docs: $or nested in $or", R"({"source": ["aws.cloudwatch"], "$or": [
       {"metricName": ["CPUUtilization"]},
       {"metricType": ["MetricType"], "namespace": ["AWS/EC2"],
        "$or": [{"metricId": [1234]}, {"scope": ["Host"]}]}]})",
     kMetric, true},
    {"docs: $or of numeric ranges", R"({"detail": {"$or": [
       {"c-count": [{"numeric": [">", 10]}]}, {"d-count": [{"numeric": ["<", 10]}]}]}})",
     kEc2, true},
    {"docs: a key given twice, the last counts", R"({"detail": {
       "location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}})",
     R"({"detail": {"location": "eu-west"}})", true},
};

rapidjson::Document parse(const char* json) {
  rapidjson::Document doc;
  doc.Parse(json);
  EXPECT_FALSE(doc.HasParseError()) << json;
  return doc;
}

TEST(EventPattern, MatchesEveryCaseOfTheTable) {
  for (const MatchCase& c : kMatchCases) {
    SCOPED_TRACE(c.name);
    const auto pattern = Pattern::compile(c.pattern);
    ASSERT_TRUE(pattern.has_value()) << pattern.error().path << ": " << pattern.error().message;
    EXPECT_EQ(pattern->matches(parse(c.event)), c.expected);
  }
}

TEST(EventPattern, TableHasFiftyCasesAndBothOutcomes) {
  std::size_t matching = 0;
  for (const MatchCase& c : kMatchCases) matching += c.expected ? 1 : 0;
  EXPECT_GE(std::size(kMatchCases), 50u);
  EXPECT_GE(matching, 20u);
  EXPECT_GE(std::size(kMatchCases) - matching, 20u);
}

struct InvalidCase {
  const char* name;
  const char* pattern;
  const char* path;
};

const InvalidCase kInvalidCases[] = {
    {"malformed JSON", R"({"source": [)", ""},
    {"top level array", R"(["core-banking"])", ""},
    {"top level string", R"("core-banking")", ""},
    {"empty pattern", R"({})", ""},
    {"bare value instead of a list", R"({"source": "core-banking"})", "source"},
    {"empty value list", R"({"source": []})", "source"},
    {"empty nested object", R"({"data": {}})", "data"},
    {"array inside a value list", R"({"source": [["a"]]})", "source[0]"},
    {"unknown operator", R"({"source": [{"prefx": "core"}]})", "source[0].prefx"},
    {"unsupported cidr", R"({"ip": [{"cidr": "10.0.0.0/24"}]})", "ip[0].cidr"},
    {"two operators in one object", R"({"source": [{"prefix": "a", "suffix": "b"}]})", "source[0]"},
    {"prefix of a number", R"({"source": [{"prefix": 1}]})", "source[0].prefix"},
    {"prefix with an unknown option", R"({"source": [{"prefix": {"ignore": "a"}}]})",
     "source[0].prefix"},
    {"prefix ignoring case of a number", R"({"s": [{"prefix": {"equals-ignore-case": 1}}]})",
     "s[0].prefix.equals-ignore-case"},
    {"suffix of null", R"({"s": [{"suffix": null}]})", "s[0].suffix"},
    {"equals-ignore-case of a list", R"({"s": [{"equals-ignore-case": ["a"]}]})",
     "s[0].equals-ignore-case"},
    {"numeric bound is a string", R"({"data": {"amount": [{"numeric": [">", 0, "<=", "5"]}]}})",
     "data.amount[0].numeric[3]"},
    {"numeric empty range", R"({"data": {"amount": [{"numeric": [">", 5, "<", 1]}]}})",
     "data.amount[0].numeric"},
    {"numeric open range on one point", R"({"n": [{"numeric": [">", 5, "<=", 5]}]})",
     "n[0].numeric"},
    {"numeric equals inside a range", R"({"n": [{"numeric": ["=", 1, "<", 5]}]})",
     "n[0].numeric[0]"},
    {"numeric two lower bounds", R"({"n": [{"numeric": [">", 0, ">=", 5]}]})", "n[0].numeric[2]"},
    {"numeric unknown comparison", R"({"n": [{"numeric": ["!=", 5]}]})", "n[0].numeric[0]"},
    {"numeric missing its number", R"({"n": [{"numeric": [">"]}]})", "n[0].numeric"},
    {"numeric not an array", R"({"n": [{"numeric": 5}]})", "n[0].numeric"},
    {"exists of a string", R"({"n": [{"exists": "yes"}]})", "n[0].exists"},
    {"anything-but empty list", R"({"s": [{"anything-but": []}]})", "s[0].anything-but"},
    {"anything-but mixed list", R"({"s": [{"anything-but": ["a", 1]}]})", "s[0].anything-but[1]"},
    {"anything-but a boolean", R"({"s": [{"anything-but": true}]})", "s[0].anything-but"},
    {"anything-but a list of prefixes", R"({"s": [{"anything-but": {"prefix": ["a", "b"]}}]})",
     "s[0].anything-but.prefix"},
    {"anything-but an empty prefix", R"({"s": [{"anything-but": {"prefix": ""}}]})",
     "s[0].anything-but.prefix"},
    {"anything-but numeric", R"({"s": [{"anything-but": {"numeric": [">", 1]}}]})",
     "s[0].anything-but.numeric"},
    {"anything-but bad wildcard in a list",
     R"({"s": [{"anything-but": {"wildcard": ["a", "b**"]}}]})", "s[0].anything-but.wildcard[1]"},
    {"wildcard with consecutive stars", R"({"s": [{"wildcard": "a**b"}]})", "s[0].wildcard"},
    {"wildcard escaping a letter", R"({"s": [{"wildcard": "a\\b"}]})", "s[0].wildcard"},
    {"$or with one branch", R"({"$or": [{"a": ["x"]}]})", "$or"},
    {"$or that is an object", R"({"$or": {"a": ["x"]}})", "$or"},
    {"$or with an empty branch", R"({"$or": [{}, {"a": ["x"]}]})", "$or[0]"},
    {"$or with a string branch", R"({"$or": [{"a": ["x"]}, "b"]})", "$or[1]"},
    {"error inside a $or branch", R"({"$or": [{"a": ["x"]}, {"b": [{"prefix": 2}]}]})",
     "$or[1].b[0].prefix"},
    {"error inside a nested $or", R"({"data": {"$or": [{"a": [1]}, {"b": "x"}]}})",
     "data.$or[1].b"},
};

TEST(EventPattern, RefusesEveryInvalidPatternWithItsPath) {
  for (const InvalidCase& c : kInvalidCases) {
    SCOPED_TRACE(c.name);
    const auto pattern = Pattern::compile(c.pattern);
    ASSERT_FALSE(pattern.has_value());
    EXPECT_EQ(pattern.error().path, c.path) << pattern.error().message;
    EXPECT_FALSE(pattern.error().message.empty());
  }
}

TEST(EventPattern, RefusesPatternsNestedPastTheDepthLimit) {
  std::string deep = R"(["x"])";
  std::string path;
  for (std::size_t level = 0; level < limits::kPatternDepthMax; ++level) {
    deep = R"({"a": )" + deep + "}";
    if (level + 1 < limits::kPatternDepthMax) path += path.empty() ? "a" : ".a";
  }
  EXPECT_TRUE(Pattern::compile(deep).has_value());
  deep = R"({"a": )" + deep + "}";
  path += ".a";
  const auto pattern = Pattern::compile(deep);
  ASSERT_FALSE(pattern.has_value());
  EXPECT_EQ(pattern.error().path, path);
}

TEST(EventPattern, RefusesMoreValuesPerFieldThanTheLimit) {
  std::string values;
  for (std::size_t i = 0; i < limits::kPatternFieldValuesMax; ++i) {
    values += (i == 0 ? "" : ",") + std::to_string(i);
  }
  EXPECT_TRUE(Pattern::compile(R"({"n": [)" + values + "]}").has_value());
  const auto pattern = Pattern::compile(R"({"n": [)" + values + ", -1]}");
  ASSERT_FALSE(pattern.has_value());
  EXPECT_EQ(pattern.error().path, "n");
}

TEST(EventPattern, RefusesTextLongerThanTheLimit) {
  const std::string padding(limits::kPatternTextBytesMax, ' ');
  const auto pattern = Pattern::compile(R"({"source": ["core-banking"]})" + padding);
  ASSERT_FALSE(pattern.has_value());
  EXPECT_EQ(pattern.error().path, "");
}

TEST(EventPattern, RefusesParsedPatternsWithMoreNodesThanTheLimit) {
  // Eleven fields of one hundred values: each field and each value is a node.
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& alloc = doc.GetAllocator();
  for (int f = 0; f < 11; ++f) {
    rapidjson::Value values(rapidjson::kArrayType);
    for (int v = 0; v < 100; ++v) values.PushBack(v, alloc);
    doc.AddMember(rapidjson::Value(("f" + std::to_string(f)).c_str(), alloc), values, alloc);
  }
  const auto pattern = Pattern::compile(static_cast<const rapidjson::Value&>(doc));
  ASSERT_FALSE(pattern.has_value());
  // Field k takes node k*101+1 and its values the next hundred; node 1025 is f10's 14th value.
  EXPECT_EQ(pattern.error().path, "f10[13]");
}

TEST(EventPattern, CompilesFromAParsedValueLikeFromText) {
  const rapidjson::Document doc = parse(R"({"data": {"currency": ["MXN"]}})");
  const auto pattern = Pattern::compile(static_cast<const rapidjson::Value&>(doc));
  ASSERT_TRUE(pattern.has_value());
  EXPECT_TRUE(pattern->matches(parse(kTransfer)));
}

TEST(EventPattern, CopiesMatchConcurrently) {
  const auto compiled = Pattern::compile(R"({"data": {"amount_minor": [{"numeric": [">", 0]}]}})");
  ASSERT_TRUE(compiled.has_value());
  const rapidjson::Document event = parse(kTransfer);
  std::atomic<int> matched{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, copy = *compiled] {
      for (int i = 0; i < 1000; ++i) matched += copy.matches(event) ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(matched.load(), 4000);
}

}  // namespace
}  // namespace centli::events
