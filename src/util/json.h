// RapidJSON helpers shared by the front doors and actions.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace centli::json {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline void key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
inline void str(Writer& w, std::string_view v) {
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}
inline void kv(Writer& w, std::string_view k, std::string_view v) {
  key(w, k);
  str(w, v);
}
inline void kv(Writer& w, std::string_view k, const char* v) { kv(w, k, std::string_view(v)); }
inline void kv(Writer& w, std::string_view k, const std::string& v) {
  kv(w, k, std::string_view(v));
}
inline void kv_int(Writer& w, std::string_view k, std::int64_t v) {
  key(w, k);
  w.Int64(v);
}
inline void kv_bool(Writer& w, std::string_view k, bool v) {
  key(w, k);
  w.Bool(v);
}
inline std::string_view view(const rapidjson::StringBuffer& b) {
  return std::string_view(b.GetString(), b.GetSize());
}

// Why JSON text from outside was refused: `field` names the member where it went wrong (the
// key given twice, the member holding an unusable number), or is empty when the fault is in
// the text as a whole; `message` is a sentence for a problem detail or a JSON-RPC error.
struct ParseError {
  std::string field;
  std::string message;
};

// Parses JSON text that came from outside (request bodies, Bedrock events, MCP messages): the
// one parser of every door. On success `doc` holds the value, numbers with their JSON type and
// exact value: integral values within int64 are Int64 (also when written 5.0 or 5e2), other
// integers within uint64 are Uint64, the rest are Double. Refuses, leaving `doc` as it was:
// malformed JSON or UTF-8; a key given twice in one object (parsers disagree on which one
// wins, so another component in the path could act on the other value); nesting deeper than
// limits::kJsonDepthMax; and numbers a double cannot carry exactly (more than 15 significant
// digits and not an integer within int64 or uint64, or out of range), which must be sent as
// strings. Thread-safe.
std::expected<void, ParseError> parse(std::string_view text, rapidjson::Document& doc);

// The exact decimal text of a number as parse() stores it, never with an exponent: 5 -> "5",
// 500.25 -> "500.25", 1e-7 -> "0.0000001" (the shortest text that reads back as the same
// double). Requires: v.IsNumber().
std::string number_text(const rapidjson::Value& v);

// Member access that tolerates absence and wrong types.
const rapidjson::Value* member(const rapidjson::Value& obj, std::string_view name);
std::optional<std::string_view> get_string(const rapidjson::Value& obj, std::string_view name);
std::optional<std::int64_t> get_int(const rapidjson::Value& obj, std::string_view name);
std::optional<bool> get_bool(const rapidjson::Value& obj, std::string_view name);

// Serializes a value compactly.
std::string to_string(const rapidjson::Value& v);
// Canonical form: object keys sorted, compact. For fingerprints.
std::string canonical(const rapidjson::Value& v);
// Writes a value into a writer (embedding raw parsed JSON).
void write_value(Writer& w, const rapidjson::Value& v);

}  // namespace centli::json
