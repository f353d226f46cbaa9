// The options every subcommand that opens a store takes: --data DIR (the embedded store, the
// default) or --store URL (a database that several processes share, store::Store::open), and
// --store-pool for the shared store's read connections.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>

#include "store/store.h"

namespace centli::app {

struct StoreFlags {
  std::string data = "./data";
  std::string url;
  std::size_t pool = 0;  // 0: the store's default
  // True when the store is shared by processes (--store): no directory lock, no local server.
  bool shared() const { return !url.empty(); }
};

// Adds --data, --store and --store-pool to `cmd`. Without either flag, CENTLI_STORE (first) or
// CENTLI_DATA from the environment chooses; a flag wins over both variables. A store that is
// not a URL the store takes (store::shared_store_url_problem) is a usage error, and so are
// --data and --store together.
void add_store_flags(CLI::App* cmd, StoreFlags& flags, const std::string& data_help);

store::StoreOptions store_options(const StoreFlags& flags, bool create, bool exclusive);

}  // namespace centli::app
