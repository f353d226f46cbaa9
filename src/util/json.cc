#include "util/json.h"

#include <algorithm>
#include <vector>

namespace centli::json {

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
