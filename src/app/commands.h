// Subcommands of the centli binary. Each file under app/ adds its own.
#pragma once

#include <CLI/CLI.hpp>

namespace centli::app {

void add_serve(CLI::App& app);
void add_token(CLI::App& app);
void add_demo(CLI::App& app);
void add_mcp(CLI::App& app);
void add_call(CLI::App& app);
void add_openapi(CLI::App& app);
void add_events(CLI::App& app);

// Exit codes shared by every subcommand (docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnavailable = 3;

}  // namespace centli::app
