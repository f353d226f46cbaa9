// MCP over stdio for `centli mcp`: the line loop shared by the in-process server and the relay
// that carries the lines to a server's Streamable HTTP door (POST /mcp) instead.
#pragma once

#include <functional>
#include <istream>
#include <ostream>
#include <string>

namespace centli::app {

// Answers one JSON-RPC line: the answer text, or "" when there is nothing to answer. Sets
// `stop` to end the loop after this answer.
using McpLineHandler = std::function<std::string(const std::string& line, bool& stop)>;

// Reads one JSON-RPC message per line from `in` (a trailing CR dropped, blank lines skipped, a
// line over limits::kMcpLineBytesMax answered with an error without reaching `handle`) and
// writes each answer as one line to `out`, flushed. Returns when `in` closes or `handle` stops.
void serve_mcp_lines(std::istream& in, std::ostream& out, const McpLineHandler& handle);

struct McpRelayTarget {
  std::string url;     // server base URL, "http://127.0.0.1:8080"
  std::string token;   // bearer token
  std::string user;    // sent as X-Centli-User when not empty (delegated tokens)
  std::string locale;  // sent as Accept-Language
};

// Relays the lines of `in` to POST {url}/mcp and writes the answers to `out`. A 2026-07-28 line
// (per-request _meta, or server/discover) goes as it is, outside any session, with the
// MCP-Protocol-Version, Mcp-Method and Mcp-Name headers taken from it. The Mcp-Session-Id
// of the initialize answer goes with every later message; a client that sends anything else
// first gets a session of the latest protocol version, as in-process; a session the server has
// forgotten is opened again once with the client's initialize. A refusal of the HTTP door
// (401, 403, ...) becomes a JSON-RPC error answer to the request. When `in` closes, the session
// is ended with DELETE and kExitOk returned; when the server stops answering, the message that
// failed gets an error answer and kExitUnavailable is returned.
int relay_mcp(const McpRelayTarget& target, std::istream& in, std::ostream& out);

}  // namespace centli::app
