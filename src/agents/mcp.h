// Model Context Protocol server logic shared by the stdio and Streamable HTTP transports:
// JSON-RPC 2.0 messages, tools/list and tools/call over the action registry, in two eras:
//   - stateless, 2026-07-28: every request carries its version and client capabilities in
//     params._meta; server/discover; list results with caching hints; no initialize, no ping;
//   - initialize (2025-11-25, 2025-06-18, 2025-03-26): a handshake fixes the version for a
//     session (HTTP) or the process (stdio); initialize, ping.
// Transports own sessions, authentication, framing and the HTTP header checks, and say which
// era a message is served in (McpPeer::stateless). Shapes: docs/agents.md.
#pragma once

#include <rapidjson/document.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "actions/dispatcher.h"
#include "actions/registry.h"
#include "auth/auth.h"

namespace centli::agents {

// The latest version of the initialize era, and the stateless version.
inline constexpr std::string_view kMcpVersionLatest = "2025-11-25";
inline constexpr std::string_view kMcpVersionStateless = "2026-07-28";
// The _meta keys of a stateless request.
inline constexpr std::string_view kMcpMetaVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr std::string_view kMcpMetaCapabilities =
    "io.modelcontextprotocol/clientCapabilities";

// The version `initialize` answers to a client asking for `requested`: the same when it is a
// version of the initialize era, else kMcpVersionLatest. Thread-safe.
std::string_view mcp_negotiate_version(std::string_view requested);
// True for every version centli speaks, of either era.
bool mcp_version_supported(std::string_view version);

// Who the messages of one session act for.
struct McpPeer {
  auth::Principal principal;
  std::string user_id;
  std::string session_id;        // scopes derived idempotency keys
  std::string protocol_version;  // negotiated; shapes tools/list and results
  std::string locale = "es-MX";
  // Served by the rules of 2026-07-28: the version comes from each request's _meta, and
  // protocol_version and session_id are not used.
  bool stateless = false;
};

// What a message is, for transports that need to know before it runs.
struct McpMessageInfo {
  bool valid = false;       // text json::parse accepts holding one JSON-RPC 2.0 message
  bool is_request = false;  // has an id and a method (else notification or response)
  std::string method;
  std::string requested_version;  // params.protocolVersion of initialize
  std::string id_json = "null";   // the id as JSON text
  // params._meta has the key io.modelcontextprotocol/protocolVersion: a stateless request.
  bool meta_version_given = false;
  std::string meta_version;  // its value when it is a string
  // params.name, else params.uri, when a string: what the Mcp-Name header must carry.
  std::optional<std::string> name;
};
McpMessageInfo mcp_inspect(std::string_view message);

// The answer to one message: JSON-RPC text ("" for notifications and responses) and the HTTP
// status Streamable HTTP answers it with (202 when there is no text).
struct McpReply {
  McpReply(std::string text_in, int status = 200)  // NOLINT: a text alone is a 200 answer
      : text(std::move(text_in)), http_status(text.empty() ? 202 : status) {}
  std::string text;
  int http_status;
};

// JSON-RPC's code for an error inside the server, for transports that fail to deliver a message.
inline constexpr int kMcpInternalError = -32603;
// 2026-07-28: the HTTP headers disagree with the body, or a required one is missing.
inline constexpr int kMcpHeaderMismatch = -32020;
// A JSON-RPC error answer {"jsonrpc":"2.0","id":...,"error":{"code","message"}}; id_json is the
// request's id as JSON text ("null" when unknown). Thread-safe.
std::string mcp_error_text(const std::string& id_json, int code, std::string_view message);

class McpServer {
 public:
  McpServer(const actions::Registry& registry, actions::Dispatcher& dispatcher)
      : registry_(registry), dispatcher_(dispatcher) {}

  // Handles one JSON-RPC message. Calls `done` exactly once, possibly on the writer thread,
  // with the response, whose text is "" for notifications and responses (nothing to answer).
  // Text json::parse refuses (malformed, a key given twice, an inexact number) gets a JSON-RPC
  // parse error (-32700) whose message says why; JSON that is no JSON-RPC 2.0 message (not one
  // object, "jsonrpc" not "2.0", a method that is not a string, an id neither a string nor an
  // integer, neither a method nor a response) -32600; both with HTTP status 400. Stateless
  // requests (peer.stateless) are then checked in this order: params._meta without a string
  // protocol version or an object of client capabilities -32602 (400); a version other than
  // 2026-07-28 -32022 with the supported versions (400); a method other than server/discover,
  // tools/list and tools/call -32601 (404). Otherwise unknown methods -32601; unknown tools
  // -32602; business refusals are tool results with isError true. Thread-safe.
  void handle(std::string_view message, const McpPeer& peer,
              std::function<void(McpReply)> done) const;

 private:
  void handle_stateless(const rapidjson::Document& d, const McpPeer& peer,
                        std::function<void(McpReply)> done) const;
  void call_tool(const std::string& id_json, const rapidjson::Value* params, const McpPeer& peer,
                 std::function<void(McpReply)> done) const;
  std::string initialize_result(std::string_view requested) const;
  std::string discover_result() const;
  std::string tools_list(const McpPeer& peer) const;

  const actions::Registry& registry_;
  actions::Dispatcher& dispatcher_;
};

}  // namespace centli::agents
