// RapidJSON helpers shared by the front doors and actions.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
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
