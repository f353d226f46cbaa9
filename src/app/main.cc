#include <string>

#include "app/commands.h"
#include "util/version.h"

int main(int argc, char** argv) {
  CLI::App app{"centli: the banking backend an assistant calls to act for a person"};
  app.set_version_flag("-V,--version", "centli " + std::string(centli::util::version()),
                       "Print the version and exit");
  app.require_subcommand(1);
  centli::app::add_serve(app);
  centli::app::add_token(app);
  centli::app::add_demo(app);
  centli::app::add_mcp(app);
  centli::app::add_call(app);
  centli::app::add_openapi(app);
  centli::app::add_events(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? centli::app::kExitOk : centli::app::kExitUsage;
  }
  return centli::app::kExitOk;
}
