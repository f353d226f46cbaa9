#include "events/pattern.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "util/assert.h"
#include "util/limits.h"

namespace centli::events {
namespace detail {

enum class Op : std::uint8_t {
  kString,       // exact string
  kNumber,       // exact number, compared by value
  kBool,         // exact true or false
  kNull,         // exact null
  kPrefix,       // string starts with text
  kSuffix,       // string ends with text
  kPrefixFold,   // prefix, ignoring case
  kSuffixFold,   // suffix, ignoring case
  kEqualsFold,   // equals-ignore-case
  kWildcard,     // '*' matches any run of characters
  kNumeric,      // number within [lower, upper]
  kExists,       // presence (flag true) or absence (flag false) of a leaf value
  kAnythingBut,  // any present value that none of `excluded` matches
};

struct Number {
  double value = 0;
  std::int64_t integer = 0;
  bool is_integer = false;  // both sides integral: compared exactly as int64
};

struct Bound {
  Number number;
  bool present = false;
  bool inclusive = false;
};

struct Matcher {
  Op op = Op::kNull;
  bool flag = false;                  // kBool: the value; kExists: true for "exists"
  std::string text;                   // string operand, case-folded for the *Fold operators
  Number number;                      // kNumber
  Bound lower;                        // kNumeric
  Bound upper;                        // kNumeric
  std::vector<std::string> segments;  // kWildcard: literal text between the stars
  std::vector<Matcher> excluded;      // kAnythingBut
};

struct Field {
  std::string name;
  std::unique_ptr<PatternNode> node;  // set when the pattern nests an object under the field
  std::vector<Matcher> values;        // otherwise the accepted values, any of which may match
};

struct PatternNode {
  std::vector<Field> fields;        // every field must match
  std::vector<PatternNode> any_of;  // from "$or": when present, one branch must match
};

}  // namespace detail

namespace {

using detail::Bound;
using detail::Field;
using detail::Matcher;
using detail::Number;
using detail::Op;
using detail::PatternNode;
using rapidjson::Value;

template <class T>
using Compiled = std::expected<T, PatternError>;

std::string_view view_of(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

Number number_of(const Value& v) {
  Number n;
  n.value = v.GetDouble();
  if (v.IsInt64()) {
    n.is_integer = true;
    n.integer = v.GetInt64();
  }
  return n;
}

Matcher op_matcher(Op op) {
  Matcher m;
  m.op = op;
  return m;
}

Matcher text_matcher(Op op, std::string text) {
  Matcher m = op_matcher(op);
  m.text = std::move(text);
  return m;
}

Matcher flag_matcher(Op op, bool flag) {
  Matcher m = op_matcher(op);
  m.flag = flag;
  return m;
}

Matcher number_matcher(const Number& n) {
  Matcher m = op_matcher(Op::kNumber);
  m.number = n;
  return m;
}

// Three-way comparison; integers compare exactly so amounts in centavos never round.
int compare(const Number& a, const Number& b) {
  if (a.is_integer && b.is_integer) return (a.integer > b.integer) - (a.integer < b.integer);
  return (a.value > b.value) - (a.value < b.value);
}

// Lower-cases ASCII letters and the Latin-1 capitals (U+00C0..U+00DE except U+00D7, so
// Á, É, Ñ, Ü...). Both keep their UTF-8 length, which lets folded text be compared byte by
// byte in place; other characters compare exactly.
unsigned char folded_byte(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c >= 'A' && c <= 'Z') return static_cast<unsigned char>(c + ('a' - 'A'));
  const bool latin1_capital =
      c >= 0x80 && c <= 0x9E && c != 0x97 && i > 0 && static_cast<unsigned char>(s[i - 1]) == 0xC3;
  return latin1_capital ? static_cast<unsigned char>(c + 0x20) : c;
}

std::string fold(std::string_view s) {
  std::string out(s);
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = static_cast<char>(folded_byte(s, i));
  return out;
}

bool folded_equal_at(std::string_view s, std::size_t start, std::string_view folded) {
  for (std::size_t i = 0; i < folded.size(); ++i) {
    if (folded_byte(s, start + i) != static_cast<unsigned char>(folded[i])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Compiling

class Compiler {
 public:
  Compiled<PatternNode> object(const Value& v, std::size_t depth);

 private:
  // Appends to the error path for the lifetime of the guard.
  class PathPart {
   public:
    PathPart(std::string& path, std::string_view part) : path_(path), size_(path.size()) {
      path_ += part;
    }
    ~PathPart() { path_.resize(size_); }
    PathPart(const PathPart&) = delete;
    PathPart& operator=(const PathPart&) = delete;

   private:
    std::string& path_;
    std::size_t size_;
  };
  PathPart field_part(std::string_view name) {
    return PathPart(path_, path_.empty() ? std::string(name) : "." + std::string(name));
  }
  PathPart index_part(std::size_t i) { return PathPart(path_, "[" + std::to_string(i) + "]"); }

  std::unexpected<PatternError> fail(std::string message) const {
    return std::unexpected(PatternError{path_, std::move(message)});
  }
  bool spend() { return ++nodes_ <= limits::kPatternNodesMax; }
  std::unexpected<PatternError> too_large() const {
    return fail("pattern has more than " + std::to_string(limits::kPatternNodesMax) +
                " fields, values and branches");
  }

  Compiled<Field> field(std::string_view name, const Value& v, std::size_t depth);
  Compiled<std::vector<PatternNode>> any_of(const Value& v, std::size_t depth);
  Compiled<std::vector<Matcher>> value_list(const Value& v);
  Compiled<Matcher> element(const Value& v);
  Compiled<Matcher> operation(const Value& v);
  Compiled<std::string> string_operand(const Value& v, bool allow_empty);
  Compiled<Matcher> affix(Op exact_op, Op folded_op, const Value& operand);
  Compiled<Matcher> wildcard(const Value& operand);
  Compiled<Matcher> numeric(const Value& operand);
  Compiled<Matcher> exists(const Value& operand);
  Compiled<Matcher> anything_but(const Value& operand);
  Compiled<Matcher> anything_but_list(const Value& operand);
  Compiled<Matcher> anything_but_operation(const Value& operand);
  Compiled<std::vector<Matcher>> string_or_strings(Op op, const Value& operand);

  std::string path_;
  std::size_t nodes_ = 0;
};

Compiled<PatternNode> Compiler::object(const Value& v, std::size_t depth) {
  if (!v.IsObject()) return fail("expected a JSON object");
  if (v.ObjectEmpty()) return fail("empty objects are not allowed");
  if (depth > limits::kPatternDepthMax) {
    return fail("pattern nests deeper than " + std::to_string(limits::kPatternDepthMax) +
                " levels");
  }
  PatternNode node;
  for (const auto& member : v.GetObject()) {
    const std::string_view name = view_of(member.name);
    const PathPart part = field_part(name);
    // A key given twice: the last one counts, as in EventBridge; every one is still checked.
    if (name == "$or") {
      auto branches = any_of(member.value, depth);
      if (!branches) return std::unexpected(std::move(branches.error()));
      node.any_of = std::move(*branches);
      continue;
    }
    auto compiled = field(name, member.value, depth);
    if (!compiled) return std::unexpected(std::move(compiled.error()));
    auto same = std::find_if(node.fields.begin(), node.fields.end(),
                             [&](const Field& f) { return f.name == name; });
    if (same != node.fields.end()) {
      *same = std::move(*compiled);
    } else {
      node.fields.push_back(std::move(*compiled));
    }
  }
  return node;
}

Compiled<Field> Compiler::field(std::string_view name, const Value& v, std::size_t depth) {
  if (!spend()) return too_large();
  Field f;
  f.name = std::string(name);
  if (v.IsObject()) {
    auto node = object(v, depth + 1);
    if (!node) return std::unexpected(std::move(node.error()));
    f.node = std::make_unique<PatternNode>(std::move(*node));
    return f;
  }
  if (!v.IsArray()) return fail("a field takes an array of values or a nested object");
  auto values = value_list(v);
  if (!values) return std::unexpected(std::move(values.error()));
  f.values = std::move(*values);
  return f;
}

Compiled<std::vector<PatternNode>> Compiler::any_of(const Value& v, std::size_t depth) {
  if (!v.IsArray() || v.Size() < 2) return fail("$or takes an array of at least two objects");
  if (v.Size() > limits::kPatternOrBranchesMax) {
    return fail("$or has more than " + std::to_string(limits::kPatternOrBranchesMax) + " branches");
  }
  std::vector<PatternNode> branches;
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    const PathPart part = index_part(i);
    if (!spend()) return too_large();
    auto branch = object(v[i], depth + 1);
    if (!branch) return std::unexpected(std::move(branch.error()));
    branches.push_back(std::move(*branch));
  }
  return branches;
}

Compiled<std::vector<Matcher>> Compiler::value_list(const Value& v) {
  if (v.Empty()) return fail("empty arrays are not allowed");
  if (v.Size() > limits::kPatternFieldValuesMax) {
    return fail("a field lists more than " + std::to_string(limits::kPatternFieldValuesMax) +
                " values");
  }
  std::vector<Matcher> values;
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    const PathPart part = index_part(i);
    auto m = element(v[i]);
    if (!m) return std::unexpected(std::move(m.error()));
    values.push_back(std::move(*m));
  }
  return values;
}

Compiled<Matcher> Compiler::element(const Value& v) {
  if (!spend()) return too_large();
  Matcher m;
  if (v.IsString()) {
    m.op = Op::kString;
    m.text = std::string(view_of(v));
  } else if (v.IsNumber()) {
    m.op = Op::kNumber;
    m.number = number_of(v);
  } else if (v.IsBool()) {
    m.op = Op::kBool;
    m.flag = v.GetBool();
  } else if (v.IsNull()) {
    m.op = Op::kNull;
  } else if (v.IsArray()) {
    return fail("arrays inside a value list are not allowed");
  } else {
    return operation(v);
  }
  return m;
}

Compiled<Matcher> Compiler::operation(const Value& v) {
  if (v.MemberCount() != 1) return fail("an operator object must have exactly one key");
  const auto& member = *v.MemberBegin();
  const std::string_view name = view_of(member.name);
  const PathPart part = field_part(name);
  const Value& operand = member.value;
  if (name == "prefix") return affix(Op::kPrefix, Op::kPrefixFold, operand);
  if (name == "suffix") return affix(Op::kSuffix, Op::kSuffixFold, operand);
  if (name == "equals-ignore-case") {
    auto text = string_operand(operand, true);
    if (!text) return std::unexpected(std::move(text.error()));
    return text_matcher(Op::kEqualsFold, fold(*text));
  }
  if (name == "wildcard") return wildcard(operand);
  if (name == "numeric") return numeric(operand);
  if (name == "exists") return exists(operand);
  if (name == "anything-but") return anything_but(operand);
  if (name == "cidr") return fail("operator 'cidr' is not supported");
  return fail("unknown operator '" + std::string(name) + "'");
}

Compiled<std::string> Compiler::string_operand(const Value& v, bool allow_empty) {
  if (!v.IsString()) return fail("expected a string");
  if (!allow_empty && v.GetStringLength() == 0) return fail("expected a non-empty string");
  return std::string(view_of(v));
}

Compiled<Matcher> Compiler::affix(Op exact_op, Op folded_op, const Value& operand) {
  if (operand.IsObject()) {
    if (operand.MemberCount() != 1 ||
        view_of(operand.MemberBegin()->name) != "equals-ignore-case") {
      return fail("expected a string or {\"equals-ignore-case\": string}");
    }
    const PathPart part = field_part("equals-ignore-case");
    auto text = string_operand(operand.MemberBegin()->value, true);
    if (!text) return std::unexpected(std::move(text.error()));
    return text_matcher(folded_op, fold(*text));
  }
  auto text = string_operand(operand, true);
  if (!text) return std::unexpected(std::move(text.error()));
  return text_matcher(exact_op, std::move(*text));
}

Compiled<Matcher> Compiler::wildcard(const Value& operand) {
  auto text = string_operand(operand, true);
  if (!text) return std::unexpected(std::move(text.error()));
  Matcher m = op_matcher(Op::kWildcard);
  m.segments.emplace_back();
  bool after_star = false;
  for (std::size_t i = 0; i < text->size(); ++i) {
    const char c = (*text)[i];
    if (c == '*') {
      if (after_star) return fail("consecutive wildcard characters are not allowed");
      m.segments.emplace_back();
      after_star = true;
      continue;
    }
    after_star = false;
    if (c == '\\') {
      if (i + 1 == text->size() || ((*text)[i + 1] != '*' && (*text)[i + 1] != '\\')) {
        return fail("a backslash may only escape '*' or '\\'");
      }
      ++i;
    }
    m.segments.back() += (*text)[i];
  }
  return m;
}

bool is_comparison(std::string_view op) {
  return op == "=" || op == "<" || op == "<=" || op == ">" || op == ">=";
}

// Adds one comparison of a numeric operand to the matcher's bounds; returns an error message
// or an empty string.
std::string add_comparison(Matcher& m, std::string_view op, const Number& n, bool single) {
  if (op == "=") {
    if (!single) return "'=' cannot be part of a range";
    m.lower = m.upper = Bound{n, true, true};
    return {};
  }
  const bool lower = op.front() == '>';
  Bound& bound = lower ? m.lower : m.upper;
  if (bound.present)
    return lower ? "a range takes one lower bound" : "a range takes one upper bound";
  bound = Bound{n, true, op.size() == 2};
  return {};
}

Compiled<Matcher> Compiler::numeric(const Value& operand) {
  if (!operand.IsArray() || (operand.Size() != 2 && operand.Size() != 4)) {
    return fail("numeric takes [op, number] or [op, number, op, number]");
  }
  Matcher m = op_matcher(Op::kNumeric);
  for (rapidjson::SizeType i = 0; i < operand.Size(); i += 2) {
    {
      const PathPart part = index_part(i);
      if (!operand[i].IsString() || !is_comparison(view_of(operand[i]))) {
        return fail("expected a comparison: =, <, <=, >, >=");
      }
    }
    {
      const PathPart part = index_part(i + 1);
      if (!operand[i + 1].IsNumber()) return fail("expected a number");
    }
    const PathPart part = index_part(i);
    std::string error =
        add_comparison(m, view_of(operand[i]), number_of(operand[i + 1]), operand.Size() == 2);
    if (!error.empty()) return fail(std::move(error));
  }
  if (m.lower.present && m.upper.present) {
    const int c = compare(m.lower.number, m.upper.number);
    if (c > 0 || (c == 0 && !(m.lower.inclusive && m.upper.inclusive))) {
      return fail("the range is empty: its lower bound is not below its upper bound");
    }
  }
  return m;
}

Compiled<Matcher> Compiler::exists(const Value& operand) {
  if (!operand.IsBool()) return fail("exists takes true or false");
  return flag_matcher(Op::kExists, operand.GetBool());
}

Compiled<Matcher> Compiler::anything_but(const Value& operand) {
  Matcher m = op_matcher(Op::kAnythingBut);
  if (operand.IsString()) {
    m.excluded.push_back(text_matcher(Op::kString, std::string(view_of(operand))));
  } else if (operand.IsNumber()) {
    m.excluded.push_back(number_matcher(number_of(operand)));
  } else if (operand.IsArray()) {
    return anything_but_list(operand);
  } else if (operand.IsObject()) {
    return anything_but_operation(operand);
  } else {
    return fail("anything-but takes a string, a number, a list of them, or an operator");
  }
  return m;
}

Compiled<Matcher> Compiler::anything_but_list(const Value& operand) {
  if (operand.Empty()) return fail("empty arrays are not allowed");
  if (operand.Size() > limits::kPatternFieldValuesMax) {
    return fail("anything-but lists more than " + std::to_string(limits::kPatternFieldValuesMax) +
                " values");
  }
  const bool strings = operand[0].IsString();
  Matcher m = op_matcher(Op::kAnythingBut);
  for (rapidjson::SizeType i = 0; i < operand.Size(); ++i) {
    const PathPart part = index_part(i);
    const Value& v = operand[i];
    if (strings ? !v.IsString() : !v.IsNumber()) {
      return fail("anything-but lists hold only strings or only numbers");
    }
    if (!spend()) return too_large();
    m.excluded.push_back(strings ? text_matcher(Op::kString, std::string(view_of(v)))
                                 : number_matcher(number_of(v)));
  }
  return m;
}

Compiled<Matcher> Compiler::anything_but_operation(const Value& operand) {
  if (operand.MemberCount() != 1) return fail("an operator object must have exactly one key");
  const std::string_view name = view_of(operand.MemberBegin()->name);
  const Value& inner = operand.MemberBegin()->value;
  const PathPart part = field_part(name);
  Compiled<std::vector<Matcher>> excluded;
  if (name == "prefix" || name == "suffix") {
    auto text = string_operand(inner, false);
    if (!text) return std::unexpected(std::move(text.error()));
    excluded = std::vector<Matcher>{
        text_matcher(name == "prefix" ? Op::kPrefix : Op::kSuffix, std::move(*text))};
  } else if (name == "equals-ignore-case") {
    excluded = string_or_strings(Op::kEqualsFold, inner);
  } else if (name == "wildcard") {
    excluded = string_or_strings(Op::kWildcard, inner);
  } else {
    return fail("anything-but does not take operator '" + std::string(name) + "'");
  }
  if (!excluded) return std::unexpected(std::move(excluded.error()));
  Matcher m = op_matcher(Op::kAnythingBut);
  m.excluded = std::move(*excluded);
  return m;
}

// One string or a list of strings, each compiled as equals-ignore-case or wildcard.
Compiled<std::vector<Matcher>> Compiler::string_or_strings(Op op, const Value& operand) {
  auto one = [&](const Value& v) -> Compiled<Matcher> {
    if (op == Op::kWildcard) return wildcard(v);
    auto text = string_operand(v, true);
    if (!text) return std::unexpected(std::move(text.error()));
    return text_matcher(Op::kEqualsFold, fold(*text));
  };
  std::vector<Matcher> out;
  if (!operand.IsArray()) {
    auto m = one(operand);
    if (!m) return std::unexpected(std::move(m.error()));
    out.push_back(std::move(*m));
    return out;
  }
  if (operand.Empty()) return fail("empty arrays are not allowed");
  if (operand.Size() > limits::kPatternFieldValuesMax) {
    return fail("a list holds more than " + std::to_string(limits::kPatternFieldValuesMax) +
                " values");
  }
  for (rapidjson::SizeType i = 0; i < operand.Size(); ++i) {
    const PathPart part = index_part(i);
    if (!spend()) return too_large();
    auto m = one(operand[i]);
    if (!m) return std::unexpected(std::move(m.error()));
    out.push_back(std::move(*m));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Matching

bool wildcard_matches(const std::vector<std::string>& segments, std::string_view s) {
  if (segments.size() == 1) return s == segments.front();
  const std::string& first = segments.front();
  const std::string& last = segments.back();
  if (s.size() < first.size() + last.size()) return false;
  if (!s.starts_with(first) || !s.ends_with(last)) return false;
  // Taking the earliest occurrence of each middle segment is optimal for '*'-only globs.
  std::size_t pos = first.size();
  const std::size_t end = s.size() - last.size();
  for (std::size_t i = 1; i + 1 < segments.size(); ++i) {
    const std::size_t found = s.substr(pos, end - pos).find(segments[i]);
    if (found == std::string_view::npos) return false;
    pos += found + segments[i].size();
  }
  return true;
}

bool in_range(const Matcher& m, const Number& n) {
  if (m.lower.present) {
    const int c = compare(n, m.lower.number);
    if (m.lower.inclusive ? c < 0 : c <= 0) return false;
  }
  if (m.upper.present) {
    const int c = compare(n, m.upper.number);
    if (m.upper.inclusive ? c > 0 : c >= 0) return false;
  }
  return true;
}

bool string_matches(const Matcher& m, std::string_view s) {
  const std::size_t n = m.text.size();
  switch (m.op) {
    case Op::kPrefix:
      return s.starts_with(m.text);
    case Op::kSuffix:
      return s.ends_with(m.text);
    case Op::kPrefixFold:
      return s.size() >= n && folded_equal_at(s, 0, m.text);
    case Op::kSuffixFold:
      return s.size() >= n && folded_equal_at(s, s.size() - n, m.text);
    case Op::kEqualsFold:
      return s.size() == n && folded_equal_at(s, 0, m.text);
    case Op::kWildcard:
      return wildcard_matches(m.segments, s);
    default:
      return false;
  }
}

// Whether one leaf value of the event (never an array or an object) satisfies a matcher.
bool leaf_matches(const Matcher& m, const Value& v) {
  switch (m.op) {
    case Op::kString:
      return v.IsString() && view_of(v) == m.text;
    case Op::kNumber:
      return v.IsNumber() && compare(number_of(v), m.number) == 0;
    case Op::kBool:
      return v.IsBool() && v.GetBool() == m.flag;
    case Op::kNull:
      return v.IsNull();
    case Op::kNumeric:
      return v.IsNumber() && in_range(m, number_of(v));
    case Op::kExists:
      return false;  // presence is decided per field, not per value
    case Op::kAnythingBut:
      return std::none_of(m.excluded.begin(), m.excluded.end(),
                          [&](const Matcher& e) { return leaf_matches(e, v); });
    default:
      return v.IsString() && string_matches(m, view_of(v));
  }
}

// Calls pred on v, or on every element of v when it is an array (arrays nested in arrays are
// flattened); true as soon as pred is.
template <class Pred>
bool any_flattened(const Value& v, std::size_t nesting, const Pred& pred) {
  if (!v.IsArray()) return pred(v);
  if (nesting >= limits::kEventArrayNestingMax) return false;
  for (const Value& e : v.GetArray()) {
    if (any_flattened(e, nesting + 1, pred)) return true;
  }
  return false;
}

const Value* member_of(const Value* object, std::string_view name) {
  if (object == nullptr || !object->IsObject()) return nullptr;
  for (const auto& m : object->GetObject()) {
    if (view_of(m.name) == name) return &m.value;
  }
  return nullptr;
}

bool has_leaf(const Value& v) {
  return any_flattened(v, 0, [](const Value& e) { return !e.IsObject(); });
}

// The chain of field names from the event's root to the field being matched, kept on the
// stack while matching descends.
struct PathLink {
  std::string_view name;
  const PathLink* parent;
};

// Whether any leaf value sits at `path` below v, through every element of every array.
bool has_leaf_at(const Value& v, std::span<const std::string_view> path, std::size_t nesting) {
  if (v.IsArray()) {
    if (nesting >= limits::kEventArrayNestingMax) return false;
    for (const Value& e : v.GetArray()) {
      if (has_leaf_at(e, path, nesting + 1)) return true;
    }
    return false;
  }
  if (path.empty()) return !v.IsObject();
  const Value* child = member_of(&v, path.front());
  return child != nullptr && has_leaf_at(*child, path.subspan(1), 0);
}

// exists:false asks whether the event has the field at all, so it looks at the whole event,
// not only at the array element that the rest of the pattern is being matched against.
bool absent_everywhere(const Value& root, const PathLink& link) {
  std::array<std::string_view, limits::kPatternDepthMax> names;
  std::size_t n = 0;
  for (const PathLink* p = &link; p != nullptr; p = p->parent) {
    CENTLI_ASSERT(n < names.size());  // compile bounds the depth of every field
    names[n++] = p->name;
  }
  std::reverse(names.begin(), names.begin() + n);
  return !has_leaf_at(root, std::span(names.data(), n), 0);
}

bool match_node(const PatternNode& node, const Value* object, const PathLink* parent,
                const Value& root);

bool match_values(const Field& field, const Value* value, const PathLink& link, const Value& root) {
  const auto any_value = [&](const Value& leaf) {
    if (leaf.IsObject()) return false;
    return std::any_of(field.values.begin(), field.values.end(),
                       [&](const Matcher& m) { return leaf_matches(m, leaf); });
  };
  if (value != nullptr && any_flattened(*value, 0, any_value)) return true;
  for (const Matcher& m : field.values) {
    if (m.op != Op::kExists) continue;
    const bool ok = m.flag ? value != nullptr && has_leaf(*value) : absent_everywhere(root, link);
    if (ok) return true;
  }
  return false;
}

bool match_field(const Field& field, const Value* object, const PathLink* parent,
                 const Value& root) {
  const Value* value = member_of(object, field.name);
  const PathLink link{field.name, parent};
  if (!field.node) return match_values(field, value, link, root);
  // Every object found under the field (through arrays) is a candidate; all of the nested
  // pattern must hold within one candidate. With no candidate the nested fields are absent,
  // which still satisfies exists:false.
  bool any_candidate = false;
  const auto candidate = [&](const Value& e) {
    if (!e.IsObject()) return false;
    any_candidate = true;
    return match_node(*field.node, &e, &link, root);
  };
  if (value != nullptr && any_flattened(*value, 0, candidate)) return true;
  return !any_candidate && match_node(*field.node, nullptr, &link, root);
}

bool match_node(const PatternNode& node, const Value* object, const PathLink* parent,
                const Value& root) {
  for (const Field& f : node.fields) {
    if (!match_field(f, object, parent, root)) return false;
  }
  if (node.any_of.empty()) return true;
  return std::any_of(node.any_of.begin(), node.any_of.end(), [&](const PatternNode& branch) {
    return match_node(branch, object, parent, root);
  });
}

}  // namespace

std::expected<Pattern, PatternError> Pattern::compile(std::string_view json) {
  if (json.size() > limits::kPatternTextBytesMax) {
    return std::unexpected(PatternError{
        "", "pattern is longer than " + std::to_string(limits::kPatternTextBytesMax) + " bytes"});
  }
  rapidjson::Document doc;
  constexpr unsigned kFlags =
      rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag;
  doc.Parse<kFlags>(json.data(), json.size());
  if (doc.HasParseError()) {
    return std::unexpected(PatternError{"", std::string("invalid JSON at byte ") +
                                                std::to_string(doc.GetErrorOffset()) + ": " +
                                                rapidjson::GetParseError_En(doc.GetParseError())});
  }
  return compile(static_cast<const rapidjson::Value&>(doc));
}

std::expected<Pattern, PatternError> Pattern::compile(const rapidjson::Value& pattern) {
  if (!pattern.IsObject()) return std::unexpected(PatternError{"", "a pattern is a JSON object"});
  Compiler compiler;
  auto root = compiler.object(pattern, 1);
  if (!root) return std::unexpected(std::move(root.error()));
  return Pattern(std::make_shared<const PatternNode>(std::move(*root)));
}

bool Pattern::matches(const rapidjson::Value& event) const {
  return match_node(*root_, &event, nullptr, event);
}

}  // namespace centli::events
