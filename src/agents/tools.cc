#include "agents/tools.h"

#include <cctype>
#include <charconv>

#include "util/ids.h"
#include "util/json.h"
#include "util/limits.h"

namespace centli::agents {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Error bad(std::string_view name, std::string message) {
  return Error::invalid(std::string(name), std::string(name) + " " + message);
}

// "5", " 7 ", "+3", "-2", "20.00" -> the whole number; nullopt for anything else.
std::optional<std::int64_t> whole_number(std::string_view text) {
  std::string_view s = trim(text);
  if (s.size() > 1 && s.front() == '+' && std::isdigit(static_cast<unsigned char>(s[1])))
    s.remove_prefix(1);
  if (const auto dot = s.find('.'); dot != std::string_view::npos) {
    const std::string_view zeros = s.substr(dot + 1);
    if (zeros.empty() || zeros.find_first_not_of('0') != std::string_view::npos)
      return std::nullopt;
    s = s.substr(0, dot);
  }
  std::int64_t x = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return x;
}

rapidjson::Value text_value(std::string_view s, rapidjson::Document::AllocatorType& alloc) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

std::expected<rapidjson::Value, Error> coerce_array(std::string_view name, std::string_view text,
                                                    rapidjson::Document::AllocatorType& alloc) {
  std::string_view s = trim(text);
  rapidjson::Document parsed;
  parsed.Parse<rapidjson::kParseNumbersAsStringsFlag>(s.data(), s.size());
  rapidjson::Value out(rapidjson::kArrayType);
  if (!parsed.HasParseError() && parsed.IsArray()) {
    if (parsed.Size() > limits::kAgentArrayItemsMax)
      return std::unexpected(bad(name, "has too many items"));
    for (auto& item : parsed.GetArray()) out.PushBack(rapidjson::Value(item, alloc), alloc);
    return out;
  }
  if (s.size() < 2 || s.front() != '[' || s.back() != ']')
    return std::unexpected(bad(name, "must be a list like [a, b]"));
  s = trim(s.substr(1, s.size() - 2));
  while (!s.empty()) {
    const auto comma = s.find(',');
    std::string_view item = trim(s.substr(0, comma));
    if (item.size() >= 2 && (item.front() == '"' || item.front() == '\'') &&
        item.back() == item.front()) {
      item = item.substr(1, item.size() - 2);
    }
    if (out.Size() >= limits::kAgentArrayItemsMax)
      return std::unexpected(bad(name, "has too many items"));
    out.PushBack(text_value(item, alloc), alloc);
    s = comma == std::string_view::npos ? std::string_view{} : trim(s.substr(comma + 1));
  }
  return out;
}

}  // namespace

std::string_view field_type_name(actions::FieldType type) {
  switch (type) {
    case actions::FieldType::kInteger:
      return "integer";
    case actions::FieldType::kBoolean:
      return "boolean";
    case actions::FieldType::kMoney:
      return "money";
    default:
      return "string";
  }
}

std::expected<rapidjson::Value, Error> coerce_value(std::string_view name, std::string_view type,
                                                    std::string_view text,
                                                    rapidjson::Document::AllocatorType& alloc) {
  if (type == "boolean") {
    const std::string v = lower(trim(text));
    if (v == "true" || v == "yes" || v == "1") return rapidjson::Value(true);
    if (v == "false" || v == "no" || v == "0") return rapidjson::Value(false);
    return std::unexpected(bad(name, "must be true or false"));
  }
  if (type == "integer") {
    if (auto n = whole_number(text)) return rapidjson::Value(static_cast<std::int64_t>(*n));
    return std::unexpected(bad(name, "must be a whole number like 20"));
  }
  if (type == "number") {
    rapidjson::Document d;
    if (!json::parse(trim(text), d) || !d.IsNumber())
      return std::unexpected(bad(name, "must be a number like 500.00"));
    return rapidjson::Value(d, alloc);
  }
  if (type == "array") return coerce_array(name, text, alloc);
  return text_value(text, alloc);  // strings, and money for money::read_amount in validation
}

std::string tool_input_schema(const actions::Action& action) {
  std::string schema = actions::input_schema(action, true);
  if (!is_command(action)) return schema;
  rapidjson::Document d;
  d.Parse(schema.c_str());
  auto& a = d.GetAllocator();
  rapidjson::Value rid(rapidjson::kObjectType);
  rid.AddMember("type", "string", a);
  rid.AddMember("description",
                "A unique id for this request (e.g. a UUID); sending it again with the same "
                "values retries safely without repeating the effect.",
                a);
  rid.AddMember("maxLength", static_cast<std::uint64_t>(limits::kIdempotencyKeyMax), a);
  d["properties"].AddMember("request_id", rid, a);
  return json::to_string(d);
}

std::string derived_key(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  std::string text;
  for (auto p : parts) {
    text += std::to_string(p.size());
    text += ':';
    text += p;
  }
  return std::string(prefix) + util::sha256_hex(text);
}

std::string_view strip_target(std::string_view tool) {
  const auto sep = tool.find("___");
  return sep == std::string_view::npos ? tool : tool.substr(sep + 3);
}

}  // namespace centli::agents
