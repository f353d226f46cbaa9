// `centli mcp --data DIR --user U`: an MCP server over stdio for one person. One JSON-RPC
// message per line in and out; stdout carries nothing but protocol, logs go to stderr; the
// process ends when stdin closes.
#include <future>
#include <iostream>

#include "agents/mcp.h"
#include "app/commands.h"
#include "app/runtime.h"
#include "obs/log.h"
#include "util/ids.h"
#include "util/limits.h"

namespace centli::app {
namespace {

struct McpOptions {
  RuntimeOptions runtime;
  std::string user;
  std::string locale = "es-MX";
};

int serve_stdio(const McpOptions& o) {
  obs::log_to_stderr(true);
  obs::set_level(obs::Level::kWarn);
  if (o.user.empty() || o.user.size() > 64) {
    std::cerr << "centli: --user names the person the tools act for\n";
    return kExitUsage;
  }
  auto rt = open_runtime(o.runtime);
  if (!rt) {
    std::cerr << "centli: " << rt.error() << "\n";
    return kExitUnavailable;
  }
  Runtime& r = **rt;
  agents::McpServer server(r.registry, *r.dispatcher);
  agents::McpPeer peer;
  peer.principal =
      auth::Principal{auth::Principal::Kind::kUser, o.user, false, auth::kPersonScopesDefault};
  peer.user_id = o.user;
  peer.session_id = util::random_id("stdio-");
  peer.protocol_version = std::string(agents::kMcpVersionLatest);
  peer.locale = o.locale.starts_with("en") ? "en-US" : "es-MX";
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line.size() > limits::kMcpLineBytesMax) {
      std::cout
          << R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"message too large"}})"
          << std::endl;
      continue;
    }
    const auto info = agents::mcp_inspect(line);
    if (info.method == "initialize") {
      peer.protocol_version = std::string(agents::mcp_negotiate_version(info.requested_version));
    }
    std::promise<std::string> answer;
    auto f = answer.get_future();
    server.handle(line, peer, [&answer](std::string a) { answer.set_value(std::move(a)); });
    const std::string out = f.get();
    if (!out.empty()) std::cout << out << std::endl;
  }
  r.store->close();
  return kExitOk;
}

}  // namespace

void add_mcp(CLI::App& app) {
  auto* cmd = app.add_subcommand("mcp", "Serve the actions as MCP tools over stdio for one person");
  auto o = std::make_shared<McpOptions>();
  cmd->add_option("--data", o->runtime.data_dir, "Data directory")->envname("CENTLI_DATA");
  cmd->add_option("--user", o->user, "The person the tools act for")->required();
  cmd->add_flag("--demo", o->runtime.demo, "Load the demo bank when absent");
  cmd->add_option("--locale", o->locale, "es-MX (default) or en-US for summaries");
  cmd->callback([o] { std::exit(serve_stdio(*o)); });
}

}  // namespace centli::app
