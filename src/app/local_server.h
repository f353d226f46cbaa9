// Tools beside a running server. A serving process leaves its address and a credential for the
// local tools in DIR/centli.server once it listens; `centli call` and `centli mcp` on that data
// directory find the held lock, read the file and go through the server instead of being
// refused. The file's format and lifetime: docs/operations.md; the tools: docs/cli.md.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "app/runtime.h"
#include "auth/auth.h"

namespace centli::app {

// What the address file says.
struct LocalServer {
  std::string url;    // base URL the tools reach the server on, "http://127.0.0.1:8080"
  std::string token;  // the server's in-memory credential for auth::local_tools_principal()
  std::int64_t pid = 0;
};

// Serving side. Creates an in-memory token for auth::local_tools_principal() in `tokens` and
// writes DIR/centli.server (mode 0600, replaced atomically) with the URL that reaches a server
// listening on host:port. Call once the server listens. When the file cannot be written it logs
// a warning and the server serves on; the tools then report the directory in use.
void publish_local_server(const std::string& data_dir, std::string_view host, std::uint16_t port,
                          auth::TokenStore& tokens);
// Removes DIR/centli.server; harmless when it is absent. Call when the server stops listening.
void withdraw_local_server(const std::string& data_dir);

// Tool side. Reads DIR/centli.server, trusting it only when it is a regular file of this user
// that nobody else may read (mode 0600) and names a process that is alive. Fails with a message
// saying which of these does not hold.
std::expected<LocalServer, std::string> read_local_server(const std::string& data_dir);

// The data directory opened in-process (runtime set), or the server that holds it
// (runtime null, server set).
struct DataAccess {
  std::unique_ptr<Runtime> runtime;
  LocalServer server;
};

// Opens the data directory in-process. When another process holds its lock, reads the address
// file instead, waiting up to limits::kLocalServerWaitMs for a server that is starting or
// stopping. A file that is not the owner's alone, or names a process that is gone, is ignored.
// Fails with a message for people: the directory cannot be opened, or another process holds
// it and serves no address.
std::expected<DataAccess, std::string> open_data(const RuntimeOptions& options);

}  // namespace centli::app
