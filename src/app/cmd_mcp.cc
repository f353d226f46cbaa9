// `centli mcp --data DIR --user U`: an MCP server over stdio for one person. One JSON-RPC
// message per line in and out; stdout carries nothing but protocol, logs go to stderr; the
// process ends when stdin closes. When a server holds the data directory, or with --url and
// --token, the lines are relayed to that server's POST /mcp instead (app/mcp_relay.h).
#include <future>
#include <iostream>

#include "agents/mcp.h"
#include "app/commands.h"
#include "app/local_server.h"
#include "app/mcp_relay.h"
#include "obs/log.h"
#include "util/ids.h"
#include "util/limits.h"

namespace centli::app {
namespace {

struct McpOptions {
  RuntimeOptions runtime;
  std::string user;
  std::string url;
  std::string token;
  std::string locale = "es-MX";
};

int serve_in_process(Runtime& r, const McpOptions& o) {
  agents::McpServer server(r.registry, *r.dispatcher);
  agents::McpPeer peer;
  peer.principal = auth::local_tools_principal();
  peer.user_id = o.user;
  peer.session_id = util::random_id("stdio-");
  peer.protocol_version = std::string(agents::kMcpVersionLatest);
  peer.locale = o.locale.starts_with("en") ? "en-US" : "es-MX";
  serve_mcp_lines(std::cin, std::cout, [&](const std::string& line, bool&) {
    const auto info = agents::mcp_inspect(line);
    // Each line is served in its own era: per-request _meta (and server/discover, the probe of
    // a client that speaks both) is 2026-07-28; initialize fixes the version of the others.
    agents::McpPeer served = peer;
    served.stateless = info.meta_version_given || info.method == "server/discover";
    if (!served.stateless && info.method == "initialize") {
      peer.protocol_version = std::string(agents::mcp_negotiate_version(info.requested_version));
      served.protocol_version = peer.protocol_version;
    }
    std::promise<std::string> answer;
    auto f = answer.get_future();
    server.handle(line, served,
                  [&answer](agents::McpReply a) { answer.set_value(std::move(a.text)); });
    return f.get();
  });
  r.store->close();
  return kExitOk;
}

int run_mcp(const McpOptions& o) {
  obs::log_to_stderr(true);
  obs::set_level(obs::Level::kWarn);
  if (!o.url.empty() && o.token.empty()) {
    std::cerr << "centli: --url needs --token\n";
    return kExitUsage;
  }
  if ((o.url.empty() && o.user.empty()) || o.user.size() > limits::kIdMax) {
    std::cerr << "centli: --user names the person the tools act for\n";
    return kExitUsage;
  }
  if (!o.url.empty()) return relay_mcp({o.url, o.token, o.user, o.locale}, std::cin, std::cout);
  auto access = open_data(o.runtime);
  if (!access) {
    std::cerr << "centli: " << access.error() << "\n";
    return kExitUnavailable;
  }
  if (access->runtime) return serve_in_process(*access->runtime, o);
  return relay_mcp({access->server.url, access->server.token, o.user, o.locale}, std::cin,
                   std::cout);
}

}  // namespace

void add_mcp(CLI::App& app) {
  auto* cmd = app.add_subcommand("mcp", "Serve the actions as MCP tools over stdio for one person");
  auto o = std::make_shared<McpOptions>();
  add_store_flags(cmd, o->runtime.store, "Data directory (the embedded store)");
  cmd->add_option("--user", o->user, "The person the tools act for");
  cmd->add_option("--url", o->url, "Relay to this server, e.g. http://127.0.0.1:8080");
  cmd->add_option("--token", o->token, "Bearer token for --url")->envname("CENTLI_TOKEN");
  cmd->add_flag("--demo", o->runtime.demo, "Load the demo bank when absent (in-process only)");
  cmd->add_option("--locale", o->locale, "es-MX (default) or en-US for summaries");
  cmd->callback([o] { std::exit(run_mcp(*o)); });
}

}  // namespace centli::app
