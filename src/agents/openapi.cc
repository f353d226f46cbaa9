#include "agents/openapi.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "agents/tools.h"
#include "util/json.h"

namespace centli::agents {
namespace {

using actions::Action;
using actions::Field;
using actions::FieldIn;

constexpr const char* kProblemSchema =
    R"({"type":"object","description":"A refusal (RFC 9457 problem): code is stable, detail )"
    R"(says what to change.","properties":{"type":{"type":"string"},"title":{"type":"string"},)"
    R"("status":{"type":"integer"},"code":{"type":"string"},"detail":{"type":"string"},)"
    R"("correlation_id":{"type":"string"},"field":{"type":"string"}},)"
    R"("required":["type","title","status","code","detail"]})";

void write_raw(json::Writer& w, std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  json::write_value(w, d);
}

void write_parameters(json::Writer& w, const Action& action, const rapidjson::Value& props) {
  json::key(w, "parameters");
  w.StartArray();
  for (const Field& f : action.fields) {
    if (f.in == FieldIn::kBody) continue;
    w.StartObject();
    json::kv(w, "name", f.name);
    json::kv(w, "in", f.in == FieldIn::kPath ? "path" : "query");
    json::kv(w, "description", f.description);
    json::kv_bool(w, "required", f.required || f.in == FieldIn::kPath);
    json::key(w, "schema");
    json::write_value(w, props[f.name.c_str()]);
    w.EndObject();
  }
  w.EndArray();
}

void write_request_body(json::Writer& w, const Action& action) {
  rapidjson::Document schema;
  schema.Parse(tool_input_schema(action).c_str());
  auto& props = schema["properties"];
  for (const Field& f : action.fields)
    if (f.in != FieldIn::kBody) props.RemoveMember(f.name.c_str());
  if (auto* req = json::member(schema, "required")) {
    rapidjson::Value kept(rapidjson::kArrayType);
    for (auto& r : req->GetArray())
      if (props.HasMember(r))
        kept.PushBack(rapidjson::Value(r, schema.GetAllocator()), schema.GetAllocator());
    if (kept.Empty())
      schema.RemoveMember("required");
    else
      schema["required"] = kept;
  }
  schema.AddMember("description", "The request as a JSON object.", schema.GetAllocator());
  json::key(w, "requestBody");
  w.StartObject();
  json::kv_bool(w, "required", true);
  json::key(w, "content");
  w.StartObject();
  json::key(w, "application/json");
  w.StartObject();
  json::key(w, "schema");
  json::write_value(w, schema);
  w.EndObject();
  w.EndObject();
  w.EndObject();
}

void write_responses(json::Writer& w, const Action& action) {
  json::key(w, "responses");
  w.StartObject();
  json::key(w, "200");
  w.StartObject();
  json::kv(w, "description", "The result, with a one-sentence summary to read to the person.");
  json::key(w, "content");
  w.StartObject();
  json::key(w, "application/json");
  w.StartObject();
  json::key(w, "schema");
  write_raw(w, action.output_schema);
  w.EndObject();
  w.EndObject();
  w.EndObject();
  for (const char* code : {"4XX", "5XX"}) {
    json::key(w, code);
    w.StartObject();
    json::kv(w, "description",
             code[0] == '4' ? "Refused: the problem says why and what to change."
                            : "centli could not answer now; retry later.");
    json::key(w, "content");
    w.StartObject();
    json::key(w, "application/json");
    w.StartObject();
    json::key(w, "schema");
    w.StartObject();
    json::kv(w, "$ref", "#/components/schemas/Problem");
    w.EndObject();
    w.EndObject();
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
}

void write_operation(json::Writer& w, const Action& action) {
  rapidjson::Document schema;
  schema.Parse(actions::input_schema(action, true).c_str());
  w.StartObject();
  json::kv(w, "operationId", action.name);
  json::kv(w, "summary", action.title);
  json::kv(w, "description", action.description);
  write_parameters(w, action, schema["properties"]);
  if (action.method != "GET") write_request_body(w, action);
  write_responses(w, action);
  w.EndObject();
}

void write_info(json::Writer& w, std::string_view group) {
  json::key(w, "info");
  w.StartObject();
  json::kv(w, "title", "centli " + std::string(group));
  json::kv(w, "version", "1.0.0");
  json::kv(w, "description",
           "Actions of the " + std::string(group) +
               " group of centli, a banking backend that acts for one person. The person is "
               "set by the caller, never by these parameters. Every answer has a summary "
               "sentence to read aloud.");
  json::key(w, "license");
  w.StartObject();
  json::kv(w, "name", "Proprietary");
  json::kv(w, "url", "https://centli.example/license");
  w.EndObject();
  w.EndObject();
}

}  // namespace

std::expected<std::string, Error> openapi_document(const actions::Registry& registry,
                                                   std::string_view group,
                                                   std::string_view server_url) {
  std::vector<const Action*> ops;
  for (const auto& a : registry.all())
    if (a->group == group) ops.push_back(a.get());
  if (ops.empty()) {
    return std::unexpected(
        Error{ErrorCode::kNotFound, "no action group " + std::string(group), "group", ""});
  }
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "openapi", "3.0.0");
  write_info(w, group);
  json::key(w, "servers");
  w.StartArray();
  w.StartObject();
  json::kv(w, "url", server_url.empty() ? std::string_view("/") : server_url);
  json::kv(w, "description", "This centli server.");
  w.EndObject();
  w.EndArray();
  json::key(w, "paths");
  w.StartObject();
  std::vector<std::string_view> paths;
  for (const auto* a : ops)
    if (std::find(paths.begin(), paths.end(), a->path) == paths.end()) paths.push_back(a->path);
  for (auto path : paths) {
    json::key(w, path);
    w.StartObject();
    for (const auto* a : ops) {
      if (a->path != path) continue;
      std::string method(a->method);
      for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      json::key(w, method);
      write_operation(w, *a);
    }
    w.EndObject();
  }
  w.EndObject();
  json::key(w, "components");
  w.StartObject();
  json::key(w, "schemas");
  w.StartObject();
  json::key(w, "Problem");
  write_raw(w, kProblemSchema);
  w.EndObject();
  json::key(w, "securitySchemes");
  write_raw(w, R"({"bearer":{"type":"http","scheme":"bearer","description":"A person's token, )"
               R"(or a delegated service token with X-Centli-User naming the person."}})");
  w.EndObject();
  json::key(w, "security");
  write_raw(w, R"([{"bearer":[]}])");
  w.EndObject();
  return std::string(json::view(b));
}

}  // namespace centli::agents
