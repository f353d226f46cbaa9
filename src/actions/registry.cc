#include "actions/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "domain/money.h"
#include "util/assert.h"
#include "util/clock.h"
#include "util/json.h"

namespace centli::actions {
namespace {

constexpr std::size_t kActionsPerGroupMax = 11;  // Bedrock's limit per action group

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n;
  }
  return true;
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) >> 6) != 2) ++n;
  return n;
}

// Code points a reader of the text cannot see that change how it reads: C0 and C1 controls,
// DEL, the line and paragraph separators, and the bidirectional controls (U+061C, U+200E,
// U+200F, U+202A..U+202E, U+2066..U+2069), with which a description on another person's
// statement could show "pago 005$" for "pago $500". The first one found, if any.
// Requires: valid UTF-8.
std::optional<char32_t> hidden_control(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const std::size_t n = lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3 : 4;
    char32_t cp = n == 1 ? lead : lead & (0x7f >> n);
    for (std::size_t k = 1; k < n; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += n;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
        (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
      return cp;
    }
  }
  return std::nullopt;
}

std::string code_point_name(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

std::expected<Input::Value, Error> check_string(const Field& f, const rapidjson::Value& v) {
  const std::string& n = f.name;
  if (!v.IsString()) return std::unexpected(Error::invalid(n, n + " must be a string"));
  std::string_view s(v.GetString(), v.GetStringLength());
  if (!valid_utf8(s)) return std::unexpected(Error::invalid(n, n + " must be UTF-8 text"));
  if (auto cp = hidden_control(s)) {
    return std::unexpected(
        Error::invalid(n, n + " contains the control character " + code_point_name(*cp) +
                              ", which could hide or reorder what others read; send plain text"));
  }
  if (f.required && s.empty()) return std::unexpected(Error::invalid(n, n + " is empty"));
  if (code_points(s) > f.length_max) {
    return std::unexpected(
        Error::invalid(n, n + " is longer than " + std::to_string(f.length_max) + " characters"));
  }
  return std::string(s);
}

// A JSON integer (5, 5.0 and 5e0 are the same number) within the field's bounds.
std::expected<Input::Value, Error> check_integer(const Field& f, const rapidjson::Value& v) {
  const std::string& n = f.name;
  if (!v.IsNumber() || (v.IsDouble() && v.GetDouble() != std::trunc(v.GetDouble())))
    return std::unexpected(Error::invalid(n, n + " must be a whole number like 20"));
  if (!v.IsInt64() || v.GetInt64() < f.min || v.GetInt64() > f.max) {
    return std::unexpected(Error::invalid(
        n, n + " must be between " + std::to_string(f.min) + " and " + std::to_string(f.max)));
  }
  return v.GetInt64();
}

// A JSON number read by its exact value, or text read by the one amount grammar.
std::expected<Input::Value, Error> check_money(const Field& f, const rapidjson::Value& v) {
  const std::string& n = f.name;
  if (!v.IsString() && !v.IsNumber()) {
    return std::unexpected(
        Error::invalid(n, n + " must be a decimal amount like 500.00 or \"500.00\""));
  }
  if ((v.IsInt64() && v.GetInt64() < 0) || (v.IsDouble() && v.GetDouble() < 0))
    return std::unexpected(Error::invalid(n, n + " must be greater than zero"));
  auto m = v.IsString() ? money::read_amount(std::string_view(v.GetString(), v.GetStringLength()))
                        : money::parse_minor(json::number_text(v));
  if (!m) return std::unexpected(Error::invalid(n, m.error()));
  if (*m <= 0) return std::unexpected(Error::invalid(n, n + " must be greater than zero"));
  return *m;
}

std::expected<Input::Value, Error> check_field(const Field& f, const rapidjson::Value& v) {
  const std::string& n = f.name;
  switch (f.type) {
    case FieldType::kString:
      return check_string(f, v);
    case FieldType::kInteger:
      return check_integer(f, v);
    case FieldType::kBoolean:
      if (!v.IsBool()) return std::unexpected(Error::invalid(n, n + " must be true or false"));
      return v.GetBool();
    case FieldType::kMoney:
      return check_money(f, v);
    case FieldType::kDate: {
      auto t = v.IsString()
                   ? util::parse_iso8601_ms(std::string_view(v.GetString(), v.GetStringLength()))
                   : std::nullopt;
      if (!t) {
        return std::unexpected(Error::invalid(
            n, n + " must be a calendar date like 2026-02-17 or 2026-02-17T10:30:00Z"));
      }
      return *t;
    }
  }
  return std::unexpected(Error::invalid(n, "unsupported field type"));
}

std::string_view type_name(FieldType t) {
  switch (t) {
    case FieldType::kInteger:
      return "integer";
    case FieldType::kBoolean:
      return "boolean";
    default:
      return "string";
  }
}

}  // namespace

std::optional<std::string_view> Input::str(std::string_view name) const {
  for (const auto& [k, v] : values_)
    if (k == name)
      if (auto* s = std::get_if<std::string>(&v)) return std::string_view(*s);
  return std::nullopt;
}

std::optional<std::int64_t> Input::integer(std::string_view name) const {
  for (const auto& [k, v] : values_)
    if (k == name)
      if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  return std::nullopt;
}

std::optional<bool> Input::boolean(std::string_view name) const {
  for (const auto& [k, v] : values_)
    if (k == name)
      if (auto* b = std::get_if<bool>(&v)) return *b;
  return std::nullopt;
}

bool Input::has(std::string_view name) const {
  return std::any_of(values_.begin(), values_.end(), [&](auto& kv) { return kv.first == name; });
}

void Input::set(std::string name, Value v) {
  auto it = std::lower_bound(values_.begin(), values_.end(), name,
                             [](const auto& kv, const std::string& n) { return kv.first < n; });
  if (it != values_.end() && it->first == name) {
    it->second = std::move(v);
  } else {
    values_.emplace(it, std::move(name), std::move(v));
  }
}

std::string Input::canonical() const {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  for (const auto& [k, v] : values_) {
    json::key(w, k);
    if (auto* s = std::get_if<std::string>(&v))
      json::str(w, *s);
    else if (auto* i = std::get_if<std::int64_t>(&v))
      w.Int64(*i);
    else
      w.Bool(std::get<bool>(v));
  }
  w.EndObject();
  return std::string(json::view(b));
}

void Registry::add(Action action) {
  CENTLI_ASSERT(find(action.name) == nullptr);
  CENTLI_ASSERT(static_cast<bool>(action.read) != static_cast<bool>(action.prepare));
  CENTLI_ASSERT(action.read_only == static_cast<bool>(action.read));
  CENTLI_ASSERT(!action.read_only || (action.idempotent && !action.destructive));
  CENTLI_ASSERT(!action.successes.empty());
  const auto in_group = std::count_if(actions_.begin(), actions_.end(),
                                      [&](auto& a) { return a->group == action.group; });
  CENTLI_ASSERT(static_cast<std::size_t>(in_group) < kActionsPerGroupMax);
  actions_.push_back(std::make_unique<Action>(std::move(action)));
}

const Action* Registry::find(std::string_view name) const {
  for (const auto& a : actions_)
    if (a->name == name) return a.get();
  return nullptr;
}

std::vector<const Action*> Registry::match_path(
    std::string_view path, std::vector<std::pair<std::string, std::string>>* params) const {
  std::vector<const Action*> out;
  for (const auto& a : actions_) {
    if (a->path.find('{') == std::string::npos) {  // a literal route: no parameters to collect
      if (a->path == path) out.push_back(a.get());
      continue;
    }
    std::string_view pattern = a->path;
    std::string_view rest = path;
    std::vector<std::pair<std::string, std::string>> found;
    bool ok = true;
    while (ok && !pattern.empty() && !rest.empty()) {
      const auto brace = pattern.find('{');
      if (brace == std::string_view::npos) {
        ok = pattern == rest;
        pattern = rest = {};
        break;
      }
      if (rest.substr(0, brace) != pattern.substr(0, brace)) {
        ok = false;
        break;
      }
      const auto close = pattern.find('}', brace);
      std::string name(pattern.substr(brace + 1, close - brace - 1));
      rest.remove_prefix(brace);
      pattern.remove_prefix(close + 1);
      const auto slash = rest.find('/');
      std::string_view value = rest.substr(0, slash);
      if (value.empty()) ok = false;
      found.emplace_back(std::move(name), std::string(value));
      rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    }
    if (ok && pattern.empty() && rest.empty()) {
      out.push_back(a.get());
      if (params != nullptr && !found.empty()) *params = std::move(found);
    }
  }
  return out;
}

std::vector<std::string> Registry::groups() const {
  std::vector<std::string> out;
  for (const auto& a : actions_)
    if (std::find(out.begin(), out.end(), a->group) == out.end()) out.push_back(a->group);
  return out;
}

std::expected<rapidjson::Value, Error> coerce_text(const Field& f, std::string_view text,
                                                   rapidjson::Document::AllocatorType& alloc) {
  if (f.type == FieldType::kBoolean) {
    if (text == "true" || text == "True" || text == "TRUE") return rapidjson::Value(true);
    if (text == "false" || text == "False" || text == "FALSE") return rapidjson::Value(false);
    return std::unexpected(Error::invalid(f.name, f.name + " must be true or false"));
  }
  if (f.type == FieldType::kInteger) {
    std::int64_t x = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    if (ec != std::errc() || p != text.data() + text.size() || text.empty())
      return std::unexpected(Error::invalid(f.name, f.name + " must be a whole number like 20"));
    return rapidjson::Value(static_cast<std::int64_t>(x));
  }
  return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc);
}

std::expected<Input, Error> validate(const Action& action, const rapidjson::Value& object,
                                     std::initializer_list<std::string_view> ignored) {
  if (!object.IsObject())
    return std::unexpected(Error::invalid("", "the input must be a JSON object"));
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    const bool known = std::any_of(action.fields.begin(), action.fields.end(),
                                   [&](const Field& f) { return f.name == name; });
    const bool skip = std::find(ignored.begin(), ignored.end(), name) != ignored.end();
    if (!known && !skip) {
      return std::unexpected(
          Error::invalid(std::string(name), "unknown field " + std::string(name)));
    }
  }
  Input input;
  for (const Field& f : action.fields) {
    const rapidjson::Value* v = json::member(object, f.name);
    if (v == nullptr || v->IsNull()) {
      if (f.required) return std::unexpected(Error::invalid(f.name, f.name + " is required"));
      continue;
    }
    auto checked = check_field(f, *v);
    if (!checked) return std::unexpected(checked.error());
    input.set(f.name, std::move(*checked));
  }
  return input;
}

std::string input_schema(const Action& action, bool include_query_and_path) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "type", "object");
  json::key(w, "properties");
  w.StartObject();
  std::vector<std::string_view> required;
  for (const Field& f : action.fields) {
    if (!include_query_and_path && f.in != FieldIn::kBody) continue;
    json::key(w, f.name);
    w.StartObject();
    json::kv(w, "type", type_name(f.type));
    json::kv(w, "description", f.description);
    if (f.type == FieldType::kString)
      json::kv_int(w, "maxLength", static_cast<std::int64_t>(f.length_max));
    if (f.type == FieldType::kInteger) {
      json::kv_int(w, "minimum", f.min);
      json::kv_int(w, "maximum", f.max);
    }
    if (f.type == FieldType::kDate) json::kv(w, "format", "date-time");
    w.EndObject();
    if (f.required) required.push_back(f.name);
  }
  w.EndObject();
  if (!required.empty()) {
    json::key(w, "required");
    w.StartArray();
    for (auto r : required) json::str(w, r);
    w.EndArray();
  }
  json::kv_bool(w, "additionalProperties", false);
  w.EndObject();
  return std::string(json::view(b));
}

}  // namespace centli::actions
