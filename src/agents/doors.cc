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

}  // namespace

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
  std::string new_session;
  if (info.valid && info.method == "initialize") {
    peer.protocol_version = std::string(mcp_negotiate_version(info.requested_version));
    new_session = sessions_.open({principal, caller->user_id, peer.protocol_version});
    peer.session_id = new_session;
  } else if (info.valid) {
    const std::string sid(req.header("mcp-session-id"));
    if (sid.empty()) {
      return respond(problem(
          Error::invalid("MCP-Session-Id", "initialize first, then send MCP-Session-Id"), cor));
    }
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
  }
  const int status_invalid = info.valid ? 200 : 400;
  mcp_.handle(req.body, peer, [respond, cor, new_session, status_invalid](std::string answer) {
    Response r = answer.empty() ? Response{202, "application/json", {}, ""}
                                : json_ok(status_invalid, std::move(answer), cor);
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
