#include "app/mcp_relay.h"

#include <expected>
#include <iostream>

#include "agents/mcp.h"
#include "app/commands.h"
#include "http/client.h"
#include "util/json.h"
#include "util/limits.h"
#include "util/version.h"

namespace centli::app {
namespace {

constexpr std::string_view kTooLarge =
    R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"message too large"}})";
constexpr std::string_view kInitialized =
    R"({"jsonrpc":"2.0","method":"notifications/initialized"})";

using Answer = std::expected<http::ClientResponse, std::string>;

// What a client that skipped initialize is given, so its messages are answered as in-process.
std::string default_initialize() {
  return R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":")" +
         std::string(agents::kMcpVersionLatest) +
         R"(","capabilities":{},"clientInfo":{"name":"centli-mcp-relay","version":")" +
         std::string(util::version()) + "\"}}}";
}

// A JSON-RPC error answering the request `line`; "" when it is not a request.
std::string error_for(const std::string& line, const std::string& message) {
  rapidjson::Document d;
  d.Parse(line.data(), line.size());
  if (d.HasParseError() || !d.IsObject() || !json::get_string(d, "method")) return "";
  const auto* id = json::member(d, "id");
  if (id == nullptr) return "";
  return agents::mcp_error_text(json::to_string(*id), agents::kMcpInternalError, message);
}

// A name as an Mcp-Name header value: as it is when it is plain visible ASCII, else in the
// =?base64?...?= form of 2026-07-28.
std::string mcp_name_header(const std::string& name) {
  bool plain = !name.empty() && name.front() != ' ' && name.back() != ' ' &&
               !(name.starts_with("=?base64?") && name.ends_with("?="));
  for (char c : name) plain = plain && c >= 0x20 && c <= 0x7E;
  if (plain) return name;
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "=?base64?";
  std::size_t i = 0;
  for (; i + 3 <= name.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(name[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(name[i + 1])) << 8) |
                   static_cast<unsigned char>(name[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kDigits[(n >> shift) & 63]);
  }
  if (const std::size_t rest = name.size() - i; rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(name[i])) << 16;
    if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(name[i + 1])) << 8;
    out.push_back(kDigits[(n >> 18) & 63]);
    out.push_back(kDigits[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kDigits[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out + "?=";
}

class Relay {
 public:
  explicit Relay(const McpRelayTarget& target) : target_(target), base_(target.url) {
    while (base_.ends_with('/')) base_.pop_back();
  }
  // The answer to one line ("" for none); sets `lost` when the server did not answer.
  std::string relay(const std::string& line, bool& lost);
  void end_session();
  const std::string& failure() const { return failure_; }

 private:
  http::ClientRequest request(std::string method, std::string body, int timeout_ms) const;
  Answer post(std::string body) const {
    return client_.send(request("POST", std::move(body), limits::kToolRequestTimeoutMs));
  }
  Answer open_session(const std::string& initialize, bool notify);
  Answer post_stateless(const std::string& line, const agents::McpMessageInfo& info) const;
  Answer post_in_session(const std::string& line);
  std::string answer_of(const std::string& line, const http::ClientResponse& r) const;

  const McpRelayTarget& target_;
  std::string base_;
  http::Client client_;
  std::string session_;     // Mcp-Session-Id; empty before initialize
  std::string version_;     // negotiated by initialize
  std::string initialize_;  // the client's own, replayed when the server forgot the session
  std::string failure_;     // why the server stopped answering
};

http::ClientRequest Relay::request(std::string method, std::string body, int timeout_ms) const {
  http::ClientRequest req;
  req.url = base_ + "/mcp";
  req.method = std::move(method);
  req.timeout_ms = timeout_ms;
  req.headers = {{"Authorization", "Bearer " + target_.token},
                 {"Accept", "application/json, text/event-stream"},
                 {"Accept-Language", target_.locale}};
  if (!target_.user.empty()) req.headers.emplace_back("X-Centli-User", target_.user);
  if (!session_.empty()) req.headers.emplace_back("Mcp-Session-Id", session_);
  if (!version_.empty()) req.headers.emplace_back("MCP-Protocol-Version", version_);
  if (!body.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = std::move(body);
  }
  return req;
}

// Sends `initialize` without a session and keeps the session and version of a 200 answer.
Answer Relay::open_session(const std::string& initialize, bool notify) {
  session_.clear();
  version_.clear();
  Answer r = post(initialize);
  if (!r || r->status != 200) return r;
  rapidjson::Document d;
  d.Parse(r->body.c_str());
  const auto* result = d.HasParseError() ? nullptr : json::member(d, "result");
  if (result != nullptr && result->IsObject())
    version_ = std::string(json::get_string(*result, "protocolVersion").value_or(""));
  session_ = std::string(r->header("mcp-session-id"));
  if (notify && !session_.empty()) (void)post(std::string(kInitialized));
  return r;
}

// Posts a 2026-07-28 message as it is, outside any session, with the headers that mirror its
// body (the server checks them against it).
Answer Relay::post_stateless(const std::string& line, const agents::McpMessageInfo& info) const {
  http::ClientRequest req = request("POST", line, limits::kToolRequestTimeoutMs);
  std::erase_if(req.headers, [](const auto& h) {
    return h.first == "Mcp-Session-Id" || h.first == "MCP-Protocol-Version";
  });
  if (!info.meta_version.empty())
    req.headers.emplace_back("MCP-Protocol-Version", info.meta_version);
  req.headers.emplace_back("Mcp-Method", info.method);
  if (info.name) req.headers.emplace_back("Mcp-Name", mcp_name_header(*info.name));
  return client_.send(std::move(req));
}

// Posts a message that needs a session, opening one first when there is none, and once again
// when the server answers 404 (it forgot the session: idle too long, or evicted).
Answer Relay::post_in_session(const std::string& line) {
  const std::string& init = initialize_.empty() ? default_initialize() : initialize_;
  if (session_.empty()) {
    Answer opened = open_session(init, true);
    if (!opened || session_.empty()) return opened;
  }
  Answer r = post(line);
  if (!r || r->status != 404) return r;
  Answer reopened = open_session(init, true);
  if (!reopened || session_.empty()) return reopened;
  return post(line);
}

std::string Relay::relay(const std::string& line, bool& lost) {
  const agents::McpMessageInfo info = agents::mcp_inspect(line);
  Answer r;
  if (info.valid && (info.meta_version_given || info.method == "server/discover")) {
    r = post_stateless(line, info);
  } else if (info.valid && info.method == "initialize") {
    end_session();
    initialize_ = line;
    r = open_session(line, false);
  } else if (info.valid) {
    r = post_in_session(line);
  } else {
    r = post(line);  // not JSON-RPC: the server answers the parse error as in-process
  }
  if (!r) {
    lost = true;
    failure_ = "the centli server at " + base_ + " did not answer: " + r.error();
    return error_for(line, failure_);
  }
  return answer_of(line, *r);
}

// The server's JSON-RPC answer as it is; a refusal by the HTTP door as a JSON-RPC error.
std::string Relay::answer_of(const std::string& line, const http::ClientResponse& r) const {
  if (r.body.empty()) return "";
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  if (!d.HasParseError() && d.IsObject() && d.HasMember("jsonrpc")) return r.body;
  const auto detail =
      d.HasParseError() || !d.IsObject() ? std::nullopt : json::get_string(d, "detail");
  return error_for(line, "the centli server refused the message (HTTP " + std::to_string(r.status) +
                             "): " + std::string(detail.value_or("no detail")));
}

void Relay::end_session() {
  if (session_.empty()) return;
  (void)client_.send(request("DELETE", "", limits::kToolSessionCloseTimeoutMs));
  session_.clear();
  version_.clear();
}

}  // namespace

void serve_mcp_lines(std::istream& in, std::ostream& out, const McpLineHandler& handle) {
  std::string line;
  bool stop = false;
  while (!stop && std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::string answer =
        line.size() > limits::kMcpLineBytesMax ? std::string(kTooLarge) : handle(line, stop);
    if (!answer.empty()) out << answer << std::endl;
  }
}

int relay_mcp(const McpRelayTarget& target, std::istream& in, std::ostream& out) {
  Relay relay(target);
  serve_mcp_lines(
      in, out, [&relay](const std::string& line, bool& stop) { return relay.relay(line, stop); });
  if (!relay.failure().empty()) {
    std::cerr << "centli: " << relay.failure() << "\n";
    return kExitUnavailable;
  }
  relay.end_session();
  return kExitOk;
}

}  // namespace centli::app
