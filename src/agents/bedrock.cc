#include "agents/bedrock.h"

#include "agents/tools.h"
#include "util/json.h"
#include "util/limits.h"

namespace centli::agents {
namespace {

using actions::Action;
using actions::Outcome;

constexpr std::size_t kUserIdMax = 64;

// What the envelope echoes, copied out of the event (the event dies before a command ends).
struct Echo {
  bool function_variant = false;
  std::string action_group;
  std::string function;
  std::string api_path;
  std::string http_method;
  std::string session_attributes = "{}";
  std::string prompt_session_attributes = "{}";
};

std::string text_of(const rapidjson::Value& event, std::string_view name) {
  auto v = json::get_string(event, name);
  return v ? std::string(*v) : std::string();
}

std::string object_text(const rapidjson::Value& event, std::string_view name) {
  const auto* v = json::member(event, name);
  return v != nullptr && v->IsObject() ? json::to_string(*v) : std::string("{}");
}

std::string problem_field(const std::string& body, std::string_view name) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  if (d.HasParseError() || !d.IsObject()) return {};
  auto v = json::get_string(d, name);
  return v ? std::string(*v) : std::string();
}

void write_raw(json::Writer& w, const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  json::write_value(w, d);
}

// The event names no action of centli: the action group was defined from something other than
// centli's documents, which neither the model nor a retry can fix.
bool names_no_action(const Outcome& out) {
  return out.is_error && problem_field(out.body, "code") == "not_found";
}

// "REPROMPT" when the model can fix its call, "FAILURE" when it cannot, "" otherwise.
std::string_view response_state(const Outcome& out) {
  if (!out.is_error) return "";
  if (out.status >= 500 || out.status == 401 || out.status == 403) return "FAILURE";
  if (names_no_action(out)) return "FAILURE";
  const std::string code = problem_field(out.body, "code");
  if (code == "invalid_request" || code == "idempotency_key_required") return "REPROMPT";
  return "";
}

std::string reprompt_text(const Echo& e, const Outcome& out) {
  const std::string detail = problem_field(out.body, "detail");
  const std::string field = problem_field(out.body, "field");
  std::string s = "The call was not made: " + detail + ".";
  if (!field.empty()) s += " Fix the parameter " + field + " and call " + e.function + " again.";
  return s + " Problem: " + out.body;
}

std::string envelope(const Echo& e, Outcome out) {
  if (out.body.size() > limits::kBedrockResponseBodyBytesMax) {
    out = actions::Dispatcher::problem(
        Error::invalid("limit",
                       "the answer is too long for an agent; ask for a smaller page "
                       "(a lower limit or a narrower date range)"),
        problem_field(out.body, "correlation_id"));
  }
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "messageVersion", "1.0");
  json::key(w, "response");
  w.StartObject();
  json::kv(w, "actionGroup", e.action_group);
  if (e.function_variant) {
    json::kv(w, "function", e.function);
    json::key(w, "functionResponse");
    w.StartObject();
    const std::string_view state = response_state(out);
    if (!state.empty()) json::kv(w, "responseState", state);
    json::key(w, "responseBody");
    w.StartObject();
    json::key(w, "TEXT");
    w.StartObject();
    json::kv(w, "body", state == "REPROMPT" ? reprompt_text(e, out) : out.body);
    w.EndObject();
    w.EndObject();
    w.EndObject();
  } else {
    json::kv(w, "apiPath", e.api_path);
    json::kv(w, "httpMethod", e.http_method);
    json::kv_int(w, "httpStatusCode", out.status);
    // As in the function variant: input the model can fix reprompts it, a call nothing can fix
    // fails the turn, and a business refusal is an answer with its status.
    const std::string_view state = response_state(out);
    if (!state.empty()) json::kv(w, "responseState", state);
    json::key(w, "responseBody");
    w.StartObject();
    json::key(w, "application/json");
    w.StartObject();
    json::kv(w, "body", out.body);
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  json::key(w, "sessionAttributes");
  write_raw(w, e.session_attributes);
  json::key(w, "promptSessionAttributes");
  write_raw(w, e.prompt_session_attributes);
  w.EndObject();
  return std::string(json::view(b));
}

const Action* find_api_action(const actions::Registry& registry, const Echo& e,
                              std::vector<std::pair<std::string, std::string>>* path_params) {
  std::string method = e.http_method;
  for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& a : registry.all())
    if (a->path == e.api_path && a->method == method) return a.get();
  for (const auto* a : registry.match_path(e.api_path, path_params))
    if (a->method == method) return a;
  return nullptr;
}

// Adds every {name, type, value} of `list` to `input`, coerced by the action's declared type.
std::expected<void, Error> add_parameters(const Action& action, const rapidjson::Value* list,
                                          rapidjson::Document& input) {
  if (list == nullptr) return {};
  if (!list->IsArray()) return std::unexpected(Error::invalid("parameters", "must be a list"));
  auto& alloc = input.GetAllocator();
  for (const auto& p : list->GetArray()) {
    if (input.MemberCount() >= limits::kAgentParametersMax)
      return std::unexpected(Error::invalid("parameters", "too many parameters"));
    auto name = p.IsObject() ? json::get_string(p, "name") : std::nullopt;
    if (!name || name->empty())
      return std::unexpected(Error::invalid("parameters", "a parameter has no name"));
    const auto* value = json::member(p, "value");
    std::string text;
    if (value != nullptr && value->IsString())
      text.assign(value->GetString(), value->GetStringLength());
    else if (value != nullptr && value->IsBool())
      text = value->GetBool() ? "true" : "false";
    else if (value != nullptr && !value->IsNull())
      text = json::to_string(*value);
    if (json::member(input, *name) != nullptr)
      return std::unexpected(
          Error::invalid(std::string(*name), std::string(*name) + " is given more than once"));
    std::string type = std::string(json::get_string(p, "type").value_or("string"));
    for (const auto& f : action.fields)
      if (f.name == *name) type = field_type_name(f.type);
    if (*name == "request_id") type = "string";
    auto v = coerce_value(*name, type, text, alloc);
    if (!v) return std::unexpected(v.error());
    input.AddMember(
        rapidjson::Value(name->data(), static_cast<rapidjson::SizeType>(name->size()), alloc),
        std::move(*v), alloc);
  }
  return {};
}

const rapidjson::Value* body_properties(const rapidjson::Value& event) {
  const auto* body = json::member(event, "requestBody");
  const auto* content =
      body != nullptr && body->IsObject() ? json::member(*body, "content") : nullptr;
  if (content == nullptr || !content->IsObject()) return nullptr;
  const auto* media = json::member(*content, "application/json");
  return media != nullptr && media->IsObject() ? json::member(*media, "properties") : nullptr;
}

}  // namespace

std::expected<void, Error> bedrock_invoke(const actions::Registry& registry,
                                          actions::Dispatcher& dispatcher,
                                          const auth::Principal& principal,
                                          const rapidjson::Value& event, std::string correlation_id,
                                          std::function<void(std::string)> done) {
  if (!event.IsObject()) return std::unexpected(Error::invalid("body", "not a Bedrock event"));
  Echo e;
  e.function = text_of(event, "function");
  e.api_path = text_of(event, "apiPath");
  e.http_method = text_of(event, "httpMethod");
  e.function_variant = !e.function.empty();
  if (!e.function_variant && (e.api_path.empty() || e.http_method.empty())) {
    return std::unexpected(
        Error::invalid("body", "a Bedrock event names a function, or an apiPath and httpMethod"));
  }
  e.action_group = text_of(event, "actionGroup");
  e.session_attributes = object_text(event, "sessionAttributes");
  e.prompt_session_attributes = object_text(event, "promptSessionAttributes");
  auto answer = [&](const Error& err) {
    done(envelope(e, actions::Dispatcher::problem(err, correlation_id)));
    return std::expected<void, Error>{};
  };
  std::vector<std::pair<std::string, std::string>> path_params;
  const Action* action =
      e.function_variant ? registry.find(e.function) : find_api_action(registry, e, &path_params);
  if (action == nullptr) {
    return answer({ErrorCode::kNotFound,
                   "centli has no " +
                       (e.function_variant ? "function " + e.function
                                           : "operation " + e.http_method + " " + e.api_path) +
                       "; define the action group from centli's OpenAPI document of the group "
                       "(/v1/openapi/{group}.json)",
                   "", ""});
  }
  const auto* attributes = json::member(event, "sessionAttributes");
  auto user = attributes != nullptr && attributes->IsObject()
                  ? json::get_string(*attributes, "user_id")
                  : std::nullopt;
  if (!user || user->empty() || user->size() > kUserIdMax) {
    return answer(
        {ErrorCode::kForbidden, "sessionAttributes.user_id must name the person", "", ""});
  }
  if (principal.kind != auth::Principal::Kind::kService || !principal.delegate) {
    return answer({ErrorCode::kForbidden, "Bedrock calls need a delegated service token", "", ""});
  }
  rapidjson::Document input;
  input.SetObject();
  for (auto& [name, value] : path_params) {
    input.AddMember(rapidjson::Value(name.c_str(), input.GetAllocator()),
                    rapidjson::Value(value.c_str(), input.GetAllocator()), input.GetAllocator());
  }
  if (auto r = add_parameters(*action, json::member(event, "parameters"), input); !r)
    return answer(r.error());
  if (auto r = add_parameters(*action, body_properties(event), input); !r) return answer(r.error());
  actions::Invocation inv;
  inv.door = "bedrock";
  inv.action = action;
  inv.principal = principal;
  inv.user_id = std::string(*user);
  inv.input = &input;
  inv.correlation_id = correlation_id;
  auto locale = json::get_string(*attributes, "locale");
  inv.locale = locale && locale->starts_with("en") ? "en-US" : "es-MX";
  if (is_command(*action) && json::member(input, "request_id") == nullptr) {
    inv.idempotency_key =
        derived_key("bedrock-", {text_of(event, "sessionId"), text_of(event, "inputText"),
                                 action->name, json::canonical(input)});
  }
  dispatcher.invoke(inv, [e = std::move(e), done = std::move(done)](Outcome out) {
    done(envelope(e, std::move(out)));
  });
  return {};
}

}  // namespace centli::agents
