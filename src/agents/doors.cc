#include "agents/doors.h"

#include "agents/bedrock.h"
#include "agents/openapi.h"
#include "agents/tools.h"
#include "util/json.h"
#include "util/limits.h"

namespace centli::agents {
namespace {

using http::Request;
using http::Responder;
using http::Response;

constexpr std::string_view kOpenApiPrefix = "/v1/openapi/";
constexpr std::string_view kOpenApiSuffix = ".json";

Response problem(const Error& e, const std::string& correlation) {
  return Router::render(actions::Dispatcher::problem(e, correlation), correlation);
}

Response json_ok(int status, std::string body, const std::string& correlation) {
  Response r{status, "application/json", {}, std::move(body)};
  r.headers.emplace_back("X-Correlation-Id", correlation);
  return r;
}

std::string locale_of(const Request& req) {
  return req.header("accept-language").starts_with("en") ? "en-US" : "es-MX";
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with its padding; nullopt for a wrong length, padding or character.
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && text.size() > pad && text[text.size() - 1 - pad] == '=') ++pad;
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : text.substr(0, text.size() - pad)) {
    const int d = base64_digit(c);
    if (d < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(d);
    if (++count == 4) {
      out.push_back(static_cast<char>(bits >> 16));
      out.push_back(static_cast<char>(bits >> 8));
      out.push_back(static_cast<char>(bits));
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) {
    if ((bits & 0xF) != 0) return std::nullopt;
    out.push_back(static_cast<char>(bits >> 4));
  } else if (count == 3) {
    if ((bits & 0x3) != 0) return std::nullopt;
    out.push_back(static_cast<char>(bits >> 10));
    out.push_back(static_cast<char>(bits >> 2));
  }
  return out;
}

constexpr std::string_view kBase64Open = "=?base64?";
constexpr std::string_view kBase64Close = "?=";

}  // namespace

std::optional<std::string> mcp_header_value(std::string_view raw) {
  const std::string_view v = trim_ows(raw);
  for (char c : v) {
    if (!(c == '\t' || (c >= 0x20 && c <= 0x7E))) return std::nullopt;
  }
  if (v.size() >= kBase64Open.size() + kBase64Close.size() && v.starts_with(kBase64Open) &&
      v.ends_with(kBase64Close)) {
    return base64_decode(
        v.substr(kBase64Open.size(), v.size() - kBase64Open.size() - kBase64Close.size()));
  }
  return std::string(v);
}

std::string mcp_header_mismatch(const McpMessageInfo& info, std::string_view version_header,
                                std::string_view method_header, std::string_view name_header) {
  const std::string_view version = trim_ows(version_header);
  if (version.empty()) return "the MCP-Protocol-Version header is required";
  if (version != info.meta_version) {
    return "MCP-Protocol-Version header '" + std::string(version) + "' does not match _meta's '" +
           info.meta_version + "'";
  }
  const std::string_view method = trim_ows(method_header);
  if (method.empty()) return "the Mcp-Method header is required";
  if (method != info.method) {
    return "Mcp-Method header '" + std::string(method) + "' does not match body method '" +
           info.method + "'";
  }
  const bool named = info.method == "tools/call" || info.method == "resources/read" ||
                     info.method == "prompts/get";
  if (!named || !info.name) return {};
  if (trim_ows(name_header).empty()) return "the Mcp-Name header is required for " + info.method;
  const auto name = mcp_header_value(name_header);
  if (!name) return "the Mcp-Name header is not a valid header value or =?base64?...?= text";
  if (*name != *info.name) {
    return "Mcp-Name header '" + *name + "' does not match body value '" + *info.name + "'";
  }
  return {};
}

bool origin_allowed(std::string_view origin) {
  if (origin.empty()) return true;
  const auto scheme = origin.find("://");
  if (scheme == std::string_view::npos) return false;
  std::string_view host = origin.substr(scheme + 3);
  if (host.starts_with("[::1]")) {
    host.remove_prefix(5);
  } else {
    const auto colon = host.find(':');
    const std::string_view name = host.substr(0, colon);
    if (name != "localhost" && name != "127.0.0.1") return false;
    host.remove_prefix(name.size());
  }
  if (host.empty()) return true;
  if (host.front() != ':' || host.size() == 1) return false;
  for (char c : host.substr(1))
    if (c < '0' || c > '9') return false;
  return true;
}

void AgentDoors::install(Router& router) {
  router.add({"GET", std::string(kOpenApiPrefix) + "*",
              [this](Request&& req, std::string cor, Responder respond) {
                openapi(std::move(req), std::move(cor), std::move(respond));
              }});
  router.add({"POST", "/v1/agents/bedrock",
              [this, &router](Request&& req, std::string cor, Responder respond) {
                bedrock(router, std::move(req), std::move(cor), std::move(respond));
              }});
  router.add({"POST", "/v1/agents/agentcore",
              [this, &router](Request&& req, std::string cor, Responder respond) {
                agentcore(router, std::move(req), std::move(cor), std::move(respond));
              }});
  router.add({"*", "/mcp", [this, &router](Request&& req, std::string cor, Responder respond) {
                if (req.method == "POST")
                  return mcp_post(router, std::move(req), std::move(cor), std::move(respond));
                if (req.method == "DELETE")
                  return mcp_delete(router, std::move(req), std::move(cor), std::move(respond));
                Response r = problem({ErrorCode::kMethodNotAllowed,
                                      "this server offers no SSE stream; POST messages", "", ""},
                                     cor);
                r.headers.emplace_back("Allow", "POST, DELETE");
                respond(std::move(r));
              }});
}

void AgentDoors::openapi(Request&& req, std::string cor, Responder respond) {
  std::string_view path = req.path;
  if (!path.ends_with(kOpenApiSuffix) ||
      path.size() <= kOpenApiPrefix.size() + kOpenApiSuffix.size()) {
    return respond(problem({ErrorCode::kNotFound, "no route " + req.path, "", ""}, cor));
  }
  path.remove_prefix(kOpenApiPrefix.size());
  path.remove_suffix(kOpenApiSuffix.size());
  auto doc = openapi_document(registry_, path, "/");
  if (!doc) return respond(problem(doc.error(), cor));
  respond(json_ok(200, std::move(*doc), cor));
}

void AgentDoors::bedrock(Router& router, Request&& req, std::string cor, Responder respond) {
  auto caller = router.authenticate(req);
  if (!caller) return respond(problem(caller.error(), cor));
  rapidjson::Document event;
  if (auto parsed = Router::parse_body(req, event); !parsed)
    return respond(problem(parsed.error(), cor));
  auto started = bedrock_invoke(
      registry_, dispatcher_, caller->principal, event, cor,
      [respond, cor](std::string envelope) { respond(json_ok(200, std::move(envelope), cor)); });
  if (!started) respond(problem(started.error(), cor));
}

void AgentDoors::agentcore(Router& router, Request&& req, std::string cor, Responder respond) {
  auto caller = router.authenticate(req);
  if (!caller) return respond(problem(caller.error(), cor));
  const std::string_view tool = strip_target(req.header("x-centli-tool"));
  const actions::Action* action =
      tool.size() <= limits::kToolNameMax ? registry_.find(tool) : nullptr;
  if (action == nullptr) {
    return respond(problem({ErrorCode::kNotFound,
                            "no tool " + std::string(tool) + " (name it in X-Centli-Tool)", "", ""},
                           cor));
  }
  rapidjson::Document args;
  if (auto parsed = Router::parse_body(req, args); !parsed)
    return respond(problem(parsed.error(), cor));
  actions::Invocation inv;
  inv.door = "agentcore";
  inv.action = action;
  inv.principal = std::move(caller->principal);
  inv.user_id = std::move(caller->user_id);
  inv.input = &args;
  inv.idempotency_key = std::string(req.header("idempotency-key"));
  inv.correlation_id = cor;
  inv.locale = locale_of(req);
  dispatcher_.invoke(
      inv, [respond, cor](actions::Outcome out) { respond(Router::render(std::move(out), cor)); });
}

void AgentDoors::mcp_post(Router& router, Request&& req, std::string cor, Responder respond) {
  if (!origin_allowed(req.header("origin"))) {
    return respond(
        problem({ErrorCode::kForbidden, "this Origin may not call the MCP server", "", ""}, cor));
  }
  auto caller = router.authenticate(req);
  if (!caller) return respond(problem(caller.error(), cor));
  if (caller->user_id.empty()) {
    return respond(
        problem(Error::invalid("X-Centli-User", "a delegated call must name the person"), cor));
  }
  const McpMessageInfo info = mcp_inspect(req.body);
  McpPeer peer{caller->principal, caller->user_id, "", "", locale_of(req)};
  const std::string principal = caller->principal.key();
  const std::string sid(req.header("mcp-session-id"));
  // A message with per-request _meta is stateless (2026-07-28) whatever else it carries; so is
  // one that neither initializes nor names a session.
  const bool legacy_init = info.valid && !info.meta_version_given && info.method == "initialize";
  const bool legacy = legacy_init || (info.valid && !info.meta_version_given && !sid.empty());
  std::string new_session;
  if (legacy_init) {
    peer.protocol_version = std::string(mcp_negotiate_version(info.requested_version));
    new_session = sessions_.open({principal, caller->user_id, peer.protocol_version});
    peer.session_id = new_session;
  } else if (legacy) {
    auto session = sessions_.use(sid, principal, caller->user_id);
    if (!session)
      return respond(problem(
          {ErrorCode::kNotFound, "unknown or expired MCP session; initialize again", "", ""}, cor));
    const std::string_view version = req.header("mcp-protocol-version");
    if (!version.empty() && !mcp_version_supported(version)) {
      return respond(
          problem(Error::invalid("MCP-Protocol-Version", "unsupported protocol version"), cor));
    }
    peer.session_id = sid;
    peer.protocol_version = session->protocol_version;
  } else {
    peer.stateless = true;
    if (info.is_request && !info.meta_version.empty()) {
      const std::string why = mcp_header_mismatch(info, req.header("mcp-protocol-version"),
                                                  req.header("mcp-method"), req.header("mcp-name"));
      if (!why.empty()) {
        return respond(json_ok(
            400, mcp_error_text(info.id_json, kMcpHeaderMismatch, "Header mismatch: " + why), cor));
      }
    }
  }
  mcp_.handle(req.body, peer, [respond, cor, new_session](McpReply answer) {
    Response r = answer.text.empty() ? Response{202, "application/json", {}, ""}
                                     : json_ok(answer.http_status, std::move(answer.text), cor);
    if (!new_session.empty()) r.headers.emplace_back("Mcp-Session-Id", new_session);
    respond(std::move(r));
  });
}

void AgentDoors::mcp_delete(Router& router, Request&& req, std::string cor, Responder respond) {
  auto caller = router.authenticate(req);
  if (!caller) return respond(problem(caller.error(), cor));
  if (!sessions_.close(std::string(req.header("mcp-session-id")), caller->principal.key(),
                       caller->user_id)) {
    return respond(problem({ErrorCode::kNotFound, "unknown MCP session", "", ""}, cor));
  }
  respond(json_ok(200, "{}", cor));
}

}  // namespace centli::agents
