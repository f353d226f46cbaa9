// `centli openapi --group G`: prints the OpenAPI 3.0.0 document of an action group.
#include <iostream>

#include "actions/groups.h"
#include "agents/openapi.h"
#include "app/commands.h"

namespace centli::app {
namespace {

int print_openapi(const std::string& group, const std::string& server) {
  actions::Registry registry;
  actions::register_all(registry);
  std::string known;
  for (const auto& g : registry.groups()) known += (known.empty() ? "" : ", ") + g;
  if (group.empty()) {
    std::cerr << "centli: give --group (one of: " << known << ")\n";
    return kExitUsage;
  }
  auto doc = agents::openapi_document(registry, group, server);
  if (!doc) {
    std::cerr << "centli: no action group " << group << " (known: " << known << ")\n";
    return kExitUsage;
  }
  std::cout << *doc << std::endl;
  return kExitOk;
}

}  // namespace

void add_openapi(CLI::App& app) {
  auto* cmd = app.add_subcommand("openapi", "Print the OpenAPI document of an action group");
  auto group = std::make_shared<std::string>();
  auto server = std::make_shared<std::string>("/");
  cmd->add_option("--group", *group, "Action group, e.g. core-banking");
  cmd->add_option("--server", *server, "Server URL written into the document (default /)");
  cmd->callback([group, server] { std::exit(print_openapi(*group, *server)); });
}

}  // namespace centli::app
