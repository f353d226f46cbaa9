#include "agents/mcp.h"

#include "agents/tools.h"
#include "util/ids.h"
#include "util/json.h"
#include "util/version.h"

namespace centli::agents {
namespace {

// Newest first: the order of supportedVersions and of the -32022 error's `supported`.
constexpr std::string_view kVersions[] = {kMcpVersionStateless, "2025-11-25", "2025-06-18",
                                          "2025-03-26"};
constexpr std::string_view kInitializeVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};
// Versions from this one on have tool titles, outputSchema and structuredContent.
constexpr std::string_view kStructuredSince = "2025-06-18";
// How long a client may keep the tool list (and discover's answer) before asking again: the
// list changes only when a new centli release is deployed, and every node of a deployment
// answers the same list, so five minutes bounds how long a client runs on the list of the
// release being replaced.
constexpr std::int64_t kMcpListTtlMs = 300'000;

constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kUnsupportedVersion = -32022;

// `data_json`, when not empty, is the error's data as JSON text.
std::string error_text(const std::string& id_json, int code, std::string_view message,
                       std::string_view data_json = {}) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "jsonrpc", "2.0");
  json::key(w, "id");
  w.RawValue(id_json.data(), id_json.size(), rapidjson::kObjectType);
  json::key(w, "error");
  w.StartObject();
  json::kv_int(w, "code", code);
  json::kv(w, "message", message);
  if (!data_json.empty()) {
    json::key(w, "data");
    w.RawValue(data_json.data(), data_json.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  w.EndObject();
  return std::string(json::view(b));
}

void write_server_info(json::Writer& w) {
  w.StartObject();
  json::kv(w, "name", "centli");
  json::kv(w, "title", "centli banking");
  json::kv(w, "version", util::version());
  w.EndObject();
}

// What every stateless result ends with: resultType and the server's identity in _meta.
void write_stateless_fields(json::Writer& w) {
  json::kv(w, "resultType", "complete");
  json::key(w, "_meta");
  w.StartObject();
  json::key(w, "io.modelcontextprotocol/serverInfo");
  write_server_info(w);
  w.EndObject();
}

void write_cache_hints(json::Writer& w) {
  json::kv_int(w, "ttlMs", kMcpListTtlMs);
  // The same for every caller: the tool list does not depend on the token or the person.
  json::kv(w, "cacheScope", "public");
}

constexpr std::string_view kInstructions =
    "Banking tools that act for one person, who is fixed by the connection. Every result has a "
    "summary sentence to read aloud. Send a request_id with money-moving tools.";

// A request's id is a string or an integer (MCP: never null); a response's may also be null.
bool id_allowed(const rapidjson::Value& id, bool request) {
  return id.IsString() || id.IsInt64() || id.IsUint64() || (!request && id.IsNull());
}

// Why `d` is not a JSON-RPC 2.0 message MCP accepts; empty when it is one. A message is one
// object with "jsonrpc": "2.0" and either a string `method` (a request when it has an id, a
// notification when not) or an `id` with a `result` or an `error` (a response).
std::string_view invalid_message(const rapidjson::Value& d) {
  if (!d.IsObject()) return "send one JSON-RPC object (batches are not supported)";
  const auto version = json::get_string(d, "jsonrpc");
  if (!version || *version != "2.0") return "jsonrpc must be \"2.0\"";
  const auto* id = json::member(d, "id");
  const auto* method = json::member(d, "method");
  if (method != nullptr && !method->IsString()) return "method must be a string";
  if (id != nullptr && !id_allowed(*id, method != nullptr)) {
    return "id must be a string or an integer";
  }
  if (method == nullptr && (id == nullptr || (!d.HasMember("result") && !d.HasMember("error")))) {
    return "a message has a method, or is a response with an id and a result or an error";
  }
  return {};
}

std::string result_text(const std::string& id_json, std::string_view result_json) {
  return R"({"jsonrpc":"2.0","id":)" + id_json + R"(,"result":)" + std::string(result_json) + "}";
}

// JSON Schema for MCP clients: OpenAPI's "nullable": true becomes a type list.
void to_json_schema(rapidjson::Value& v, rapidjson::Document::AllocatorType& alloc) {
  if (v.IsArray()) {
    for (auto& e : v.GetArray()) to_json_schema(e, alloc);
    return;
  }
  if (!v.IsObject()) return;
  const auto* nullable = json::member(v, "nullable");
  if (nullable != nullptr && nullable->IsBool()) {
    const bool yes = nullable->GetBool();
    v.RemoveMember("nullable");
    auto type = v.FindMember("type");
    if (yes && type != v.MemberEnd() && type->value.IsString()) {
      rapidjson::Value list(rapidjson::kArrayType);
      list.PushBack(rapidjson::Value(type->value, alloc), alloc).PushBack("null", alloc);
      type->value = list;
    }
  }
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) to_json_schema(m->value, alloc);
}

void write_tool(json::Writer& w, const actions::Action& a, bool structured) {
  w.StartObject();
  json::kv(w, "name", a.name);
  if (structured) json::kv(w, "title", a.title);
  json::kv(w, "description", a.description);
  rapidjson::Document input;
  input.Parse(tool_input_schema(a).c_str());
  json::key(w, "inputSchema");
  json::write_value(w, input);
  if (structured && !a.output_schema.empty()) {
    rapidjson::Document output;
    output.Parse(a.output_schema.c_str());
    if (!output.HasParseError() && output.IsObject()) {
      to_json_schema(output, output.GetAllocator());
      json::key(w, "outputSchema");
      json::write_value(w, output);
    }
  }
  json::key(w, "annotations");
  w.StartObject();
  json::kv(w, "title", a.title);
  json::kv_bool(w, "readOnlyHint", a.read_only);
  json::kv_bool(w, "destructiveHint", a.destructive);
  json::kv_bool(w, "idempotentHint", a.idempotent);
  json::kv_bool(w, "openWorldHint", a.open_world);
  w.EndObject();
  w.EndObject();
}

std::string call_result(const actions::Outcome& out, bool structured, bool stateless) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::key(w, "content");
  w.StartArray();
  w.StartObject();
  json::kv(w, "type", "text");
  json::kv(w, "text", out.body);
  w.EndObject();
  w.EndArray();
  if (structured && !out.is_error) {
    rapidjson::Document d;
    d.Parse(out.body.c_str());
    if (!d.HasParseError() && d.IsObject()) {
      json::key(w, "structuredContent");
      json::write_value(w, d);
    }
  }
  json::kv_bool(w, "isError", out.is_error);
  if (stateless) write_stateless_fields(w);
  w.EndObject();
  return std::string(json::view(b));
}

// Why the _meta of a stateless request is unusable; empty when it has a string protocol
// version and an object of client capabilities.
std::string_view invalid_meta(const rapidjson::Value* params) {
  const auto* meta =
      params != nullptr && params->IsObject() ? json::member(*params, "_meta") : nullptr;
  if (meta == nullptr || !meta->IsObject()) {
    return "params._meta is required: io.modelcontextprotocol/protocolVersion (2026-07-28) and "
           "io.modelcontextprotocol/clientCapabilities; a 2025-11-25 client initializes first";
  }
  if (!json::get_string(*meta, kMcpMetaVersion))
    return "params._meta needs io.modelcontextprotocol/protocolVersion, a string";
  const auto* caps = json::member(*meta, kMcpMetaCapabilities);
  if (caps == nullptr || !caps->IsObject())
    return "params._meta needs io.modelcontextprotocol/clientCapabilities, an object";
  return {};
}

std::string unsupported_version_data(std::string_view requested) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::key(w, "supported");
  w.StartArray();
  for (auto v : kVersions) json::str(w, v);
  w.EndArray();
  json::kv(w, "requested", requested);
  w.EndObject();
  return std::string(json::view(b));
}

}  // namespace

std::string mcp_error_text(const std::string& id_json, int code, std::string_view message) {
  return error_text(id_json, code, message);
}

bool mcp_version_supported(std::string_view version) {
  for (auto v : kVersions)
    if (v == version) return true;
  return false;
}

std::string_view mcp_negotiate_version(std::string_view requested) {
  for (auto v : kInitializeVersions)
    if (v == requested) return v;
  return kMcpVersionLatest;
}

McpMessageInfo mcp_inspect(std::string_view message) {
  McpMessageInfo info;
  rapidjson::Document d;
  if (!json::parse(message, d) || !invalid_message(d).empty()) return info;
  info.valid = true;
  info.method = std::string(json::get_string(d, "method").value_or(""));
  info.is_request = !info.method.empty() && d.HasMember("id");
  if (const auto* id = json::member(d, "id")) info.id_json = json::to_string(*id);
  const auto* params = json::member(d, "params");
  if (params == nullptr || !params->IsObject()) return info;
  info.requested_version = std::string(json::get_string(*params, "protocolVersion").value_or(""));
  if (const auto* meta = json::member(*params, "_meta"); meta != nullptr && meta->IsObject()) {
    info.meta_version_given = json::member(*meta, kMcpMetaVersion) != nullptr;
    info.meta_version = std::string(json::get_string(*meta, kMcpMetaVersion).value_or(""));
  }
  auto name = json::get_string(*params, "name");
  if (!name) name = json::get_string(*params, "uri");
  if (name) info.name = std::string(*name);
  return info;
}

std::string McpServer::initialize_result(std::string_view requested) const {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "protocolVersion", mcp_negotiate_version(requested));
  json::key(w, "capabilities");
  w.StartObject();
  json::key(w, "tools");
  w.StartObject();
  json::kv_bool(w, "listChanged", false);
  w.EndObject();
  w.EndObject();
  json::key(w, "serverInfo");
  write_server_info(w);
  json::kv(w, "instructions", kInstructions);
  w.EndObject();
  return std::string(json::view(b));
}

std::string McpServer::discover_result() const {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::key(w, "supportedVersions");
  w.StartArray();
  for (auto v : kVersions) json::str(w, v);
  w.EndArray();
  json::key(w, "capabilities");
  w.StartObject();
  json::key(w, "tools");
  w.StartObject();
  json::kv_bool(w, "listChanged", false);
  w.EndObject();
  w.EndObject();
  json::kv(w, "instructions", kInstructions);
  write_cache_hints(w);
  write_stateless_fields(w);
  w.EndObject();
  return std::string(json::view(b));
}

std::string McpServer::tools_list(const McpPeer& peer) const {
  const bool structured = peer.stateless || peer.protocol_version >= kStructuredSince;
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::key(w, "tools");
  w.StartArray();
  for (const auto& a : registry_.all()) write_tool(w, *a, structured);
  w.EndArray();
  if (peer.stateless) {
    write_cache_hints(w);
    write_stateless_fields(w);
  }
  w.EndObject();
  return std::string(json::view(b));
}

void McpServer::handle(std::string_view message, const McpPeer& peer,
                       std::function<void(McpReply)> done) const {
  rapidjson::Document d;
  if (auto parsed = json::parse(message, d); !parsed)
    return done({error_text("null", kParseError, "Parse error: " + parsed.error().message), 400});
  if (const std::string_view why = invalid_message(d); !why.empty()) {
    const auto* id = d.IsObject() ? json::member(d, "id") : nullptr;
    const bool echo = id != nullptr && id_allowed(*id, true);
    return done({error_text(echo ? json::to_string(*id) : "null", kInvalidRequest,
                            "Invalid Request: " + std::string(why)),
                 400});
  }
  if (peer.stateless) return handle_stateless(d, peer, std::move(done));
  const auto* id = json::member(d, "id");
  const auto method = json::get_string(d, "method");
  if (id == nullptr || !method) return done(std::string());  // a notification or a response
  const std::string id_json = json::to_string(*id);
  const auto* params = json::member(d, "params");
  if (*method == "initialize") {
    auto requested = params != nullptr && params->IsObject()
                         ? json::get_string(*params, "protocolVersion")
                         : std::nullopt;
    return done(result_text(id_json, initialize_result(requested.value_or(""))));
  }
  if (*method == "ping") return done(result_text(id_json, "{}"));
  if (*method == "tools/list") return done(result_text(id_json, tools_list(peer)));
  if (*method != "tools/call")
    return done(error_text(id_json, kMethodNotFound, "Method not found"));
  call_tool(id_json, params, peer, std::move(done));
}

void McpServer::handle_stateless(const rapidjson::Document& d, const McpPeer& peer,
                                 std::function<void(McpReply)> done) const {
  const auto* id = json::member(d, "id");
  const auto method = json::get_string(d, "method");
  if (id == nullptr || !method) return done(std::string());  // a notification or a response
  const std::string id_json = json::to_string(*id);
  const auto* params = json::member(d, "params");
  if (const std::string_view why = invalid_meta(params); !why.empty())
    return done({error_text(id_json, kInvalidParams, "Invalid params: " + std::string(why)), 400});
  const std::string_view version =
      *json::get_string(*json::member(*params, "_meta"), kMcpMetaVersion);
  if (version != kMcpVersionStateless) {
    return done({error_text(id_json, kUnsupportedVersion,
                            "Unsupported protocol version: per-request _meta is 2026-07-28; "
                            "2025-11-25 and earlier initialize first",
                            unsupported_version_data(version)),
                 400});
  }
  if (*method == "server/discover") return done(result_text(id_json, discover_result()));
  if (*method == "tools/list") return done(result_text(id_json, tools_list(peer)));
  if (*method == "tools/call") {
    // No session identifies a resent message (2026-07-28 resends with a new id), so a call
    // without request_id is a new call: its derived key starts from a random part.
    McpPeer call = peer;
    call.session_id = util::random_id("call-");
    return call_tool(id_json, params, call, std::move(done));
  }
  done({error_text(id_json, kMethodNotFound,
                   "Method not found: " + std::string(*method) +
                       " (2026-07-28 requests: server/discover, tools/list, tools/call)"),
        404});
}

void McpServer::call_tool(const std::string& id_json, const rapidjson::Value* params,
                          const McpPeer& peer, std::function<void(McpReply)> done) const {
  auto name =
      params != nullptr && params->IsObject() ? json::get_string(*params, "name") : std::nullopt;
  const actions::Action* action = name ? registry_.find(*name) : nullptr;
  if (action == nullptr) {
    return done(
        error_text(id_json, kInvalidParams, "Unknown tool: " + std::string(name.value_or(""))));
  }
  const auto* args = json::member(*params, "arguments");
  static const rapidjson::Value kEmpty(rapidjson::kObjectType);
  if (args != nullptr && !args->IsObject() && !args->IsNull()) {
    return done(error_text(id_json, kInvalidParams, "arguments must be an object"));
  }
  actions::Invocation inv;
  inv.door = "mcp";
  inv.action = action;
  inv.principal = peer.principal;
  inv.user_id = peer.user_id;
  inv.input = args != nullptr && args->IsObject() ? args : &kEmpty;
  inv.correlation_id = util::random_id("cor-");
  inv.locale = peer.locale;
  if (is_command(*action) && json::member(*inv.input, "request_id") == nullptr) {
    inv.idempotency_key = derived_key("mcp-", {peer.session_id, id_json, action->name});
  }
  const bool structured = peer.stateless || peer.protocol_version >= kStructuredSince;
  const bool stateless = peer.stateless;
  dispatcher_.invoke(
      inv, [id_json, structured, stateless, done = std::move(done)](actions::Outcome out) {
        done(result_text(id_json, call_result(out, structured, stateless)));
      });
}

}  // namespace centli::agents
