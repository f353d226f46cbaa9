#include "util/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

#include "util/assert.h"
#include "util/limits.h"

namespace centli::json {
namespace {

// Decimal digits that survive text -> double -> text unchanged.
constexpr int kDoubleDigitsExact = std::numeric_limits<double>::digits10;

// Digits of a JSON number's mantissa from the first to the last non-zero one: "0.0500" has 1.
int significant_digits(std::string_view number) {
  int position = 0, first = -1, last = -1;
  for (char c : number.substr(0, number.find_first_of("eE"))) {
    if (c < '0' || c > '9') continue;
    if (c != '0') {
      if (first < 0) first = position;
      last = position;
    }
    ++position;
  }
  return first < 0 ? 0 : last - first + 1;
}

// Forwards a reader's events to a Document, storing numbers by their exact value, bounding the
// nesting, and remembering the member being read so a refusal can name it.
class Builder {
 public:
  using SizeType = rapidjson::SizeType;
  explicit Builder(rapidjson::Document& doc) : doc_(doc) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, SizeType n, bool copy);
  bool String(const char* s, SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const char* s, SizeType n, bool copy) {
    keys_.back().assign(s, n);
    return doc_.Key(s, n, copy);
  }
  bool StartObject() {
    keys_.emplace_back();
    return deeper() && doc_.StartObject();
  }
  bool EndObject(SizeType n) {
    keys_.pop_back();
    --depth_;
    return doc_.EndObject(n);
  }
  bool StartArray() { return deeper() && doc_.StartArray(); }
  bool EndArray(SizeType n) {
    --depth_;
    return doc_.EndArray(n);
  }

  const std::optional<ParseError>& refusal() const { return refusal_; }

 private:
  bool deeper() {
    if (++depth_ <= limits::kJsonDepthMax) return true;
    return refuse(
        "", "the JSON nests deeper than " + std::to_string(limits::kJsonDepthMax) + " levels");
  }
  bool refuse(std::string field, std::string message) {
    refusal_ = ParseError{std::move(field), std::move(message)};
    return false;
  }
  std::string member() const {
    for (auto it = keys_.rbegin(); it != keys_.rend(); ++it)
      if (!it->empty()) return *it;
    return "";
  }

  rapidjson::Document& doc_;
  std::vector<std::string> keys_;  // the key being read in each open object
  std::size_t depth_ = 0;
  std::optional<ParseError> refusal_;
};

bool Builder::RawNumber(const char* s, SizeType n, bool /*copy*/) {
  const std::string_view text(s, n);
  const char* end = s + n;
  if (text.find_first_of(".eE") == std::string_view::npos) {
    std::int64_t i = 0;
    if (auto [p, ec] = std::from_chars(s, end, i); ec == std::errc() && p == end)
      return doc_.Int64(i);
    std::uint64_t u = 0;
    if (auto [p, ec] = std::from_chars(s, end, u); ec == std::errc() && p == end)
      return doc_.Uint64(u);
  }
  const std::string name = member();
  const std::string what = name.empty() ? "a number" : name;
  if (significant_digits(text) > kDoubleDigitsExact) {
    return refuse(name, what + " has more than " + std::to_string(kDoubleDigitsExact) +
                            " significant digits, more than a JSON number carries exactly; send "
                            "it as a string");
  }
  double d = 0;
  if (auto [p, ec] = std::from_chars(s, end, d); ec != std::errc() || p != end || !std::isfinite(d))
    return refuse(name, what + " is out of range for a JSON number");
  constexpr double kInt64End = 9223372036854775808.0;  // 2^63
  if (d == std::trunc(d) && d >= -kInt64End && d < kInt64End)
    return doc_.Int64(static_cast<std::int64_t>(d));
  return doc_.Double(d);
}

// The first key given twice in one object, searched depth first.
const rapidjson::Value* duplicate_key(const rapidjson::Value& v) {
  if (v.IsArray()) {
    for (const auto& item : v.GetArray())
      if (const auto* d = duplicate_key(item)) return d;
    return nullptr;
  }
  if (!v.IsObject() || v.MemberCount() == 0) return nullptr;
  std::vector<std::string_view> names;
  names.reserve(v.MemberCount());
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m)
    names.emplace_back(m->name.GetString(), m->name.GetStringLength());
  std::sort(names.begin(), names.end());
  const auto twice = std::adjacent_find(names.begin(), names.end());
  if (twice != names.end()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m)
      if (std::string_view(m->name.GetString(), m->name.GetStringLength()) == *twice)
        return &m->name;
  }
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m)
    if (const auto* d = duplicate_key(m->value)) return d;
  return nullptr;
}

}  // namespace

std::expected<void, ParseError> parse(std::string_view text, rapidjson::Document& doc) {
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseIterativeFlag;
  rapidjson::Document parsed;
  Builder builder(parsed);
  rapidjson::ParseResult result;
  // Populate hands the generator `parsed` itself; the reader feeds it through the builder.
  auto generate = [&](rapidjson::Document&) {
    rapidjson::MemoryStream bytes(text.data(), text.size());
    rapidjson::Reader reader;
    result = reader.Parse<kFlags>(bytes, builder);
    return !result.IsError();
  };
  parsed.Populate(generate);
  if (result.IsError()) {
    if (builder.refusal()) return std::unexpected(*builder.refusal());
    return std::unexpected(ParseError{"", std::string("the JSON is not valid: ") +
                                              rapidjson::GetParseError_En(result.Code()) +
                                              " at offset " + std::to_string(result.Offset())});
  }
  if (const auto* key = duplicate_key(parsed)) {
    std::string name(key->GetString(), key->GetStringLength());
    return std::unexpected(
        ParseError{name, "the key \"" + name + "\" is given more than once in one object"});
  }
  doc.Swap(parsed);
  return {};
}

std::string number_text(const rapidjson::Value& v) {
  CENTLI_ASSERT(v.IsNumber());
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  // The longest fixed text of a double (denormals) is under 400 characters.
  char buf[512];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.GetDouble(), std::chars_format::fixed);
  CENTLI_ASSERT(ec == std::errc());
  return std::string(buf, end);
}

const rapidjson::Value* member(const rapidjson::Value& obj, std::string_view name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(rapidjson::Value(
      rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string_view> get_string(const rapidjson::Value& obj, std::string_view name) {
  const auto* v = member(obj, name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string_view(v->GetString(), v->GetStringLength());
}

std::optional<std::int64_t> get_int(const rapidjson::Value& obj, std::string_view name) {
  const auto* v = member(obj, name);
  if (v == nullptr || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

std::optional<bool> get_bool(const rapidjson::Value& obj, std::string_view name) {
  const auto* v = member(obj, name);
  if (v == nullptr || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

std::string to_string(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  Writer w(b);
  v.Accept(w);
  return std::string(view(b));
}

namespace {

void write_canonical(Writer& w, const rapidjson::Value& v) {
  if (v.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) members.push_back(&*it);
    std::sort(members.begin(), members.end(), [](auto* a, auto* b) {
      return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
             std::string_view(b->name.GetString(), b->name.GetStringLength());
    });
    w.StartObject();
    for (auto* m : members) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      write_canonical(w, m->value);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& e : v.GetArray()) write_canonical(w, e);
    w.EndArray();
  } else {
    v.Accept(w);
  }
}

}  // namespace

std::string canonical(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  Writer w(b);
  write_canonical(w, v);
  return std::string(view(b));
}

void write_value(Writer& w, const rapidjson::Value& v) { v.Accept(w); }

}  // namespace centli::json
