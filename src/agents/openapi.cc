#include "agents/openapi.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <vector>

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
    R"("correlation_id":{"type":"string"},"field":{"type":"string","description":"The input )"
    R"(field at fault, when one is."},"candidates":{"type":"array","items":{"type":"object"},)"
    R"("description":"alias_not_exact, alias_ambiguous, alias_not_found: the person's )"
    R"(beneficiaries they may mean, best first, destinations masked."},"summary":{"type":)"
    R"("string","description":"With candidates: a sentence to read to the person."},)"
    R"("beneficiary_id":{"type":"string","description":"beneficiary_duplicate: the )"
    R"(beneficiary that already has the alias."}},)"
    R"("required":["type","title","status","code","detail"]})";

constexpr const char* kRetryAfterHeader =
    R"({"Retry-After":{"description":"Seconds to wait before sending the same request again; )"
    R"(sent with the codes worth retrying only.","schema":{"type":"integer","minimum":1}}})";

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

void write_content(json::Writer& w, std::string_view media_type, std::string_view schema) {
  json::key(w, "content");
  w.StartObject();
  json::key(w, media_type);
  w.StartObject();
  json::key(w, "schema");
  write_raw(w, schema);
  w.EndObject();
  w.EndObject();
}

// Every refusal code the action can answer, grouped by HTTP status (ascending): the checks
// every action shares (docs/api.md, in their order), then the action's own.
std::map<int, std::vector<ErrorCode>> refusals_by_status(const Action& action) {
  std::vector<ErrorCode> codes = {ErrorCode::kInvalidRequest, ErrorCode::kUnauthorized,
                                  ErrorCode::kForbidden, ErrorCode::kPayloadTooLarge,
                                  ErrorCode::kHeaderTooLarge};
  if (action.method != "GET") codes.push_back(ErrorCode::kUnsupportedMediaType);
  if (action.key_required) codes.push_back(ErrorCode::kIdempotencyKeyRequired);
  if (!action.read_only) {
    codes.push_back(ErrorCode::kIdempotencyKeyInUse);
    codes.push_back(ErrorCode::kIdempotencyKeyReused);
  }
  codes.insert(codes.end(), action.refusals.begin(), action.refusals.end());
  codes.push_back(ErrorCode::kInternal);
  codes.push_back(ErrorCode::kUnavailable);
  std::map<int, std::vector<ErrorCode>> out;
  for (ErrorCode c : codes) {
    auto& list = out[error_http_status(c)];
    if (std::find(list.begin(), list.end(), c) == list.end()) list.push_back(c);
  }
  return out;
}

// "Refused (`a`, `b`): ..." naming each code, and which of them are worth retrying.
std::string refusal_description(const Action& action, int status,
                                const std::vector<ErrorCode>& codes) {
  std::string names, retryable;
  std::size_t final_count = 0;
  for (ErrorCode c : codes) {
    const std::string name = "`" + std::string(error_code_name(c)) + "`";
    names += (names.empty() ? "" : ", ") + name;
    if (error_retry_after_s(c) > 0) {
      retryable += (retryable.empty() ? "" : ", ") + name;
    } else {
      ++final_count;
    }
  }
  std::string s = status >= 500 ? "centli could not answer (" + names + ")."
                                : "Refused (" + names +
                                      "): the problem's code says why and its detail what to "
                                      "change.";
  if (!retryable.empty()) {
    s += std::string(" Worth sending again unchanged") +
         (action.read_only ? "" : ", with the same key,") +
         " after Retry-After seconds: " + retryable + ".";
    if (final_count > 0) s += " The others are final for this request.";
  }
  return s;
}

void write_refusal(json::Writer& w, const Action& action, int status,
                   const std::vector<ErrorCode>& codes) {
  json::key(w, std::to_string(status));
  w.StartObject();
  json::kv(w, "description", refusal_description(action, status, codes));
  if (std::any_of(codes.begin(), codes.end(),
                  [](ErrorCode c) { return error_retry_after_s(c) > 0; })) {
    json::key(w, "headers");
    write_raw(w, kRetryAfterHeader);
  }
  write_content(w, "application/problem+json", R"({"$ref":"#/components/schemas/Problem"})");
  w.EndObject();
}

void write_responses(json::Writer& w, const Action& action) {
  json::key(w, "responses");
  w.StartObject();
  for (const auto& success : action.successes) {
    json::key(w, std::to_string(success.status));
    w.StartObject();
    json::kv(w, "description", success.description);
    write_content(w, "application/json", action.output_schema);
    w.EndObject();
  }
  for (const auto& [status, codes] : refusals_by_status(action))
    write_refusal(w, action, status, codes);
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
