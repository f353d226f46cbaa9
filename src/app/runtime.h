// Everything an action needs, opened on a store: the store, the registry of actions,
// the dispatcher and the token store. Shared by serve, mcp and call.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "actions/dispatcher.h"
#include "actions/groups.h"
#include "actions/registry.h"
#include "actions/services.h"
#include "app/store_flags.h"
#include "auth/auth.h"
#include "events/bus.h"
#include "store/store.h"

namespace centli::app {

struct RuntimeOptions {
  StoreFlags store;
  bool demo = false;  // load the demo bank when absent
  actions::BankingConfig banking;
};

struct Runtime {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<events::Bus> bus;  // constructed here; started by serve
  std::unique_ptr<actions::Services> services;
  actions::Registry registry;
  std::unique_ptr<actions::Dispatcher> dispatcher;
  std::unique_ptr<auth::TokenStore> tokens;
};

std::expected<std::unique_ptr<Runtime>, std::string> open_runtime(const RuntimeOptions& options);

// Test-only options of serve (--test-faults, --test-consumer) act only when the environment
// says CENTLI_TEST_MODE=1, so a production start can never turn one on by accident. Succeeds
// in test mode; otherwise fails with "<option> is for tests only: set CENTLI_TEST_MODE=1".
// When it succeeds it logs a warning naming the option and `details_json`.
std::expected<void, std::string> require_test_mode(std::string_view option,
                                                   const std::string& details_json);

}  // namespace centli::app
