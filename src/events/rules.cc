// Rules file parsing and the backoff schedule: the pure parts of the bus.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "events/bus.h"
#include "events/pattern.h"
#include "http/client.h"
#include "util/json.h"

namespace centli::events {
namespace {

using Fail = std::unexpected<std::string>;

Fail fail(const std::string& path, std::string_view why) {
  return Fail(path + ": " + std::string(why));
}

std::expected<Target, std::string> parse_target(const rapidjson::Value& v,
                                                const std::string& path) {
  if (!v.IsObject()) return fail(path, "a target is an object");
  auto type = json::get_string(v, "type");
  Target t;
  if (!type) return fail(path + ".type", "required: internal, webhook or log");
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    const std::string_view k(it->name.GetString(), it->name.GetStringLength());
    if (k != "type" && k != "consumer" && k != "url" && k != "secret" && k != "timeout_ms") {
      return fail(path + "." + std::string(k), "unknown member");
    }
  }
  if (*type == "log") {
    t.type = TargetType::kLog;
  } else if (*type == "internal") {
    t.type = TargetType::kInternal;
    auto c = json::get_string(v, "consumer");
    if (!c || c->empty()) return fail(path + ".consumer", "required for internal targets");
    t.consumer = *c;
  } else if (*type == "webhook") {
    t.type = TargetType::kWebhook;
    auto url = json::get_string(v, "url");
    if (!url) return fail(path + ".url", "required for webhook targets");
    if (auto u = http::parse_url(*url); !u) return fail(path + ".url", u.error());
    t.url = *url;
    auto secret = json::get_string(v, "secret");
    if (!secret || secret->empty()) return fail(path + ".secret", "required for webhooks");
    t.secret = *secret;
    if (const auto* ms = json::member(v, "timeout_ms")) {
      if (!ms->IsInt() || ms->GetInt() < 1 || ms->GetInt() > limits::kWebhookTimeoutMsMax) {
        return fail(path + ".timeout_ms",
                    "an integer from 1 to " + std::to_string(limits::kWebhookTimeoutMsMax));
      }
      t.timeout_ms = ms->GetInt();
    }
  } else {
    return fail(path + ".type", "unknown target type (internal, webhook or log)");
  }
  return t;
}

std::expected<RetryPolicy, std::string> parse_retry(const rapidjson::Value& v,
                                                    const std::string& path) {
  RetryPolicy r;
  if (!v.IsObject()) return fail(path, "retry is an object");
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    const std::string_view k(it->name.GetString(), it->name.GetStringLength());
    const auto& n = it->value;
    if (k == "max_attempts") {
      if (!n.IsInt() || n.GetInt() < 1 || n.GetInt() > limits::kDeliveryAttemptsMax) {
        return fail(path + ".max_attempts",
                    "an integer from 1 to " + std::to_string(limits::kDeliveryAttemptsMax));
      }
      r.max_attempts = n.GetInt();
    } else if (k == "max_age_s") {
      if (!n.IsInt64() || n.GetInt64() < 1 || n.GetInt64() > limits::kDeliveryAgeSecondsMax) {
        return fail(path + ".max_age_s",
                    "an integer from 1 to " + std::to_string(limits::kDeliveryAgeSecondsMax));
      }
      r.max_age_s = n.GetInt64();
    } else {
      return fail(path + "." + std::string(k), "unknown member");
    }
  }
  return r;
}

std::expected<Rule, std::string> parse_rule(const rapidjson::Value& v, const std::string& path) {
  if (!v.IsObject()) return fail(path, "a rule is an object");
  Rule rule;
  auto name = json::get_string(v, "name");
  if (!name || name->empty() || name->size() > 64) {
    return fail(path + ".name", "required, 1 to 64 characters");
  }
  rule.name = *name;
  const auto* pattern = json::member(v, "pattern");
  if (!pattern) return fail(path + ".pattern", "required");
  auto compiled = Pattern::compile(*pattern);
  if (!compiled) {
    const auto& e = compiled.error();
    return fail(path + ".pattern" + (e.path.empty() ? "" : "." + e.path), e.message);
  }
  rule.pattern_json = json::to_string(*pattern);
  const auto* targets = json::member(v, "targets");
  if (!targets || !targets->IsArray() || targets->Empty()) {
    return fail(path + ".targets", "a non-empty array");
  }
  if (targets->Size() > limits::kRuleTargetsMax) {
    return fail(path + ".targets", "at most " + std::to_string(limits::kRuleTargetsMax));
  }
  for (rapidjson::SizeType i = 0; i < targets->Size(); ++i) {
    auto t = parse_target((*targets)[i], path + ".targets[" + std::to_string(i) + "]");
    if (!t) return std::unexpected(t.error());
    rule.targets.push_back(std::move(*t));
  }
  if (const auto* retry = json::member(v, "retry")) {
    auto r = parse_retry(*retry, path + ".retry");
    if (!r) return std::unexpected(r.error());
    rule.retry = *r;
  }
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    const std::string_view k(it->name.GetString(), it->name.GetStringLength());
    if (k != "name" && k != "pattern" && k != "targets" && k != "retry") {
      return fail(path + "." + std::string(k), "unknown member");
    }
  }
  return rule;
}

}  // namespace

std::expected<std::vector<Rule>, std::string> parse_rules(std::string_view text) {
  if (text.size() > limits::kRulesFileBytesMax) return fail("", "rules file too large");
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return fail("", std::string("malformed JSON at offset ") +
                        std::to_string(doc.GetErrorOffset()) + ": " +
                        rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject()) return fail("", "the file is a JSON object {\"rules\": [...]}");
  const auto* rules = json::member(doc, "rules");
  if (!rules || !rules->IsArray()) return fail("rules", "an array of rules");
  if (rules->Size() > limits::kRulesMax) {
    return fail("rules", "at most " + std::to_string(limits::kRulesMax) + " rules");
  }
  std::vector<Rule> out;
  std::set<std::string> names;
  for (rapidjson::SizeType i = 0; i < rules->Size(); ++i) {
    const std::string path = "rules[" + std::to_string(i) + "]";
    auto r = parse_rule((*rules)[i], path);
    if (!r) return std::unexpected(r.error());
    if (!names.insert(r->name).second) return fail(path + ".name", "duplicate rule name");
    out.push_back(std::move(*r));
  }
  return out;
}

std::int64_t backoff_delay_ms(int attempt, std::int64_t base_ms, std::int64_t cap_ms, double unit) {
  if (base_ms < 0) base_ms = 0;
  if (cap_ms < 0) cap_ms = 0;
  // Doubling stops once past the cap, so large attempt numbers never overflow.
  std::int64_t ceiling = base_ms;
  for (int i = 2; i < attempt && ceiling < cap_ms; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap_ms);
  unit = std::clamp(unit, 0.0, 1.0);
  const auto d = static_cast<std::int64_t>(std::floor(unit * static_cast<double>(ceiling)));
  return std::clamp<std::int64_t>(d, 0, ceiling);
}

}  // namespace centli::events
