#include "app/store_flags.h"

#include <cstdlib>
#include <string_view>

#include "util/limits.h"

namespace centli::app {

void add_store_flags(CLI::App* cmd, StoreFlags& flags, const std::string& data_help) {
  // The environment is read after parsing, not by CLI11: a flag on the command line wins over
  // either variable, and only the two flags together are refused.
  auto* data = cmd->add_option("--data", flags.data, data_help + " (env CENTLI_DATA)");
  auto* url = cmd->add_option("--store", flags.url, store::shared_store_help());
  data->excludes(url);
  cmd->add_option("--store-pool", flags.pool,
                  "Read connections to the --store database this process may hold (default " +
                      std::to_string(limits::kStorePoolDefault) + ")")
      ->envname("CENTLI_STORE_POOL")
      ->check(CLI::Range(std::size_t{1}, limits::kStorePoolMax));
  cmd->parse_complete_callback([&flags, data, url] {
    if (data->count() == 0 && url->count() == 0) {
      const char* store = std::getenv("CENTLI_STORE");
      const char* dir = std::getenv("CENTLI_DATA");
      if (store != nullptr && *store != '\0') {
        flags.url = store;
      } else if (dir != nullptr && *dir != '\0') {
        flags.data = dir;
      }
    }
    if (!flags.url.empty()) {
      if (std::string why = store::shared_store_url_problem(flags.url); !why.empty()) {
        throw CLI::ValidationError("--store", why);
      }
    }
  });
}

store::StoreOptions store_options(const StoreFlags& flags, bool create, bool exclusive) {
  return {.data_dir = flags.url.empty() ? flags.data : "",
          .create = create,
          .exclusive = exclusive,
          .url = flags.url,
          .pool_max = flags.pool};
}

}  // namespace centli::app
