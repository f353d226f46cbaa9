// Event patterns in Amazon EventBridge's syntax: rules of the event bus select envelopes with
// them. A pattern is compiled once into an immutable matcher and then checked against parsed
// events without reparsing. The syntax and its semantics are written in docs/event-patterns.md.
#pragma once

#include <rapidjson/fwd.h>

#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace centli::events {

// Why a pattern was refused. `path` names the offending part from the pattern's root, with
// fields joined by '.', array positions in brackets and operators by name:
// "data.amount[0].numeric[2]", "$or[1].source", "" for the root itself.
struct PatternError {
  std::string path;
  std::string message;
};

namespace detail {
struct PatternNode;  // the compiled tree, defined in pattern.cc
}

class Pattern {
 public:
  // Compiles a pattern from JSON text. Refuses text longer than limits::kPatternTextBytesMax,
  // malformed JSON or UTF-8, and every invalid pattern the value overload refuses.
  static std::expected<Pattern, PatternError> compile(std::string_view json);

  // Compiles a parsed pattern; the value is not retained. Refuses, with the path of the
  // offending part: a top level that is not an object, empty objects and arrays, a field value
  // that is neither an object nor an array, nested arrays in a value list, unknown or
  // unsupported operators, operator objects with more than one key, operands of the wrong
  // type, malformed or empty numeric ranges, malformed wildcards, a `$or` that is not an array
  // of at least two objects, and patterns past the limits (depth, values per field, $or
  // branches, total nodes). Checks run depth-first in member order; the first failure wins.
  static std::expected<Pattern, PatternError> compile(const rapidjson::Value& pattern);

  // True when the event satisfies the pattern. Never fails: an event of the wrong shape simply
  // does not match. Does not allocate. Thread-safe: a compiled pattern is immutable, and
  // copies share it.
  bool matches(const rapidjson::Value& event) const;

 private:
  explicit Pattern(std::shared_ptr<const detail::PatternNode> root) : root_(std::move(root)) {}

  std::shared_ptr<const detail::PatternNode> root_;
};

}  // namespace centli::events
