#include "app/store_flags.h"

#include <string_view>

#include "util/limits.h"

namespace centli::app {

void add_store_flags(CLI::App* cmd, StoreFlags& flags, const std::string& data_help) {
  auto* data = cmd->add_option("--data", flags.data, data_help)->envname("CENTLI_DATA");
  auto* url = cmd->add_option("--store", flags.url,
                              "PostgreSQL database shared by several centli processes, "
                              "postgresql://user:password@host:port/dbname (instead of --data)")
                  ->envname("CENTLI_STORE")
                  ->check([](const std::string& v) -> std::string {
                    const std::string_view s = v;
                    if (s.starts_with("postgresql://") || s.starts_with("postgres://")) return "";
                    return "--store must be a postgresql:// URL";
                  });
  data->excludes(url);
  cmd->add_option("--store-pool", flags.pool,
                  "PostgreSQL read connections this process may hold (default " +
                      std::to_string(limits::kStorePoolDefault) + ")")
      ->envname("CENTLI_STORE_POOL")
      ->check(CLI::Range(std::size_t{1}, limits::kStorePoolMax));
}

store::StoreOptions store_options(const StoreFlags& flags, bool create, bool exclusive) {
  return {.data_dir = flags.url.empty() ? flags.data : "",
          .create = create,
          .exclusive = exclusive,
          .url = flags.url,
          .pool_max = flags.pool};
}

}  // namespace centli::app
