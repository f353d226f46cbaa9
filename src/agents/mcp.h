// Model Context Protocol server logic shared by the stdio and Streamable HTTP transports:
// JSON-RPC 2.0 messages, lifecycle (initialize, ping), tools/list and tools/call over the
// action registry. Protocol versions 2025-11-25, 2025-06-18 and 2025-03-26. Transports own
// sessions, authentication and framing. Shapes: docs/agents.md.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "actions/dispatcher.h"
#include "actions/registry.h"
#include "auth/auth.h"

namespace centli::agents {

inline constexpr std::string_view kMcpVersionLatest = "2025-11-25";

// The version answered to a client asking for `requested`: the same when supported, else the
// latest. Thread-safe.
std::string_view mcp_negotiate_version(std::string_view requested);
bool mcp_version_supported(std::string_view version);

// Who the messages of one session act for.
struct McpPeer {
  auth::Principal principal;
  std::string user_id;
  std::string session_id;        // scopes derived idempotency keys
  std::string protocol_version;  // negotiated; shapes tools/list and results
  std::string locale = "es-MX";
};

// What a message is, for transports that need to know before it runs.
struct McpMessageInfo {
  bool valid = false;       // text json::parse accepts holding one JSON-RPC 2.0 message
  bool is_request = false;  // has an id and a method (else notification or response)
  std::string method;
  std::string requested_version;  // params.protocolVersion of initialize
};
McpMessageInfo mcp_inspect(std::string_view message);

// JSON-RPC's code for an error inside the server, for transports that fail to deliver a message.
inline constexpr int kMcpInternalError = -32603;
// A JSON-RPC error answer {"jsonrpc":"2.0","id":...,"error":{"code","message"}}; id_json is the
// request's id as JSON text ("null" when unknown). Thread-safe.
std::string mcp_error_text(const std::string& id_json, int code, std::string_view message);

class McpServer {
 public:
  McpServer(const actions::Registry& registry, actions::Dispatcher& dispatcher)
      : registry_(registry), dispatcher_(dispatcher) {}

  // Handles one JSON-RPC message. Calls `done` exactly once, possibly on the writer thread,
  // with the response text, or with "" for notifications and responses (nothing to answer).
  // Text json::parse refuses (malformed, a key given twice, an inexact number) gets a JSON-RPC
  // parse error (-32700) whose message says why; JSON that is no JSON-RPC 2.0 message (not one
  // object, "jsonrpc" not "2.0", a method that is not a string, an id neither a string nor an
  // integer, neither a method nor a response) -32600; unknown methods -32601; unknown tools
  // -32602; business refusals are tool results with isError true. Thread-safe.
  void handle(std::string_view message, const McpPeer& peer,
              std::function<void(std::string)> done) const;

 private:
  std::string initialize_result(std::string_view requested) const;
  std::string tools_list(const McpPeer& peer) const;

  const actions::Registry& registry_;
  actions::Dispatcher& dispatcher_;
};

}  // namespace centli::agents
