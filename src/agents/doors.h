// The agent front doors on the HTTP server, added to the router as extra routes:
//   GET  /v1/openapi/{group}.json   OpenAPI document of an action group (no token needed)
//   POST /v1/agents/bedrock         Bedrock Agents Lambda event -> envelope (delegated token)
//   POST /v1/agents/agentcore       AgentCore Gateway tool call (X-Centli-Tool)
//   POST /mcp, DELETE /mcp, GET /mcp  MCP Streamable HTTP (GET answers 405)
// Owns the MCP HTTP sessions. Thread-safe; must outlive the server that calls the router.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "actions/dispatcher.h"
#include "actions/registry.h"
#include "agents/mcp.h"
#include "agents/mcp_sessions.h"
#include "agents/router.h"

namespace centli::agents {

class AgentDoors {
 public:
  AgentDoors(actions::Registry& registry, actions::Dispatcher& dispatcher)
      : registry_(registry), dispatcher_(dispatcher), mcp_(registry, dispatcher) {}
  // Requires: called once, before the server starts; `router` outlives nothing of this.
  void install(agents::Router& router);

 private:
  void openapi(http::Request&& req, std::string correlation, http::Responder respond);
  void bedrock(agents::Router& router, http::Request&& req, std::string correlation,
               http::Responder respond);
  void agentcore(agents::Router& router, http::Request&& req, std::string correlation,
                 http::Responder respond);
  void mcp_post(agents::Router& router, http::Request&& req, std::string correlation,
                http::Responder respond);
  void mcp_delete(agents::Router& router, http::Request&& req, std::string correlation,
                  http::Responder respond);

  actions::Registry& registry_;
  actions::Dispatcher& dispatcher_;
  McpServer mcp_;
  McpSessions sessions_;
};

// True when an Origin header is absent or names a loopback host (localhost, 127.0.0.1, [::1]);
// any other origin is refused so a web page cannot drive a local MCP server.
bool origin_allowed(std::string_view origin);

// A Mcp-Name (or Mcp-Param-*) header value as the client meant it: spaces and tabs around it
// dropped, and =?base64?...?= decoded. nullopt when it holds a character a header may not
// carry, or its base64 is invalid (a wrong character, length or padding).
std::optional<std::string> mcp_header_value(std::string_view raw);

// Why the headers of a stateless (2026-07-28) POST /mcp request disagree with its body, as a
// sentence for the -32020 error; empty when they agree. MCP-Protocol-Version must equal
// _meta's version and Mcp-Method the method (values compared exactly, case included); for
// tools/call, resources/read and prompts/get with a name or uri in the body, Mcp-Name must
// carry it. A missing header is a mismatch.
std::string mcp_header_mismatch(const McpMessageInfo& info, std::string_view version_header,
                                std::string_view method_header, std::string_view name_header);

}  // namespace centli::agents
