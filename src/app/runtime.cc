#include "app/runtime.h"

#include <cstdlib>

#include "obs/log.h"
#include "store/demo.h"

namespace centli::app {

std::expected<std::unique_ptr<Runtime>, std::string> open_runtime(const RuntimeOptions& o) {
  auto rt = std::make_unique<Runtime>();
  auto store = store::Store::open(store_options(o.store, true, true));
  if (!store) return std::unexpected(store.error());
  rt->store = std::move(*store);
  if (o.demo) {
    if (auto r = store::load_demo(*rt->store); !r) return std::unexpected(r.error());
  }
  rt->bus = std::make_unique<events::Bus>(*rt->store);
  rt->services = std::make_unique<actions::Services>(actions::Services{*rt->store, o.banking});
  rt->services->bus = rt->bus.get();
  actions::register_all(rt->registry);
  rt->dispatcher = std::make_unique<actions::Dispatcher>(*rt->services);
  rt->tokens = std::make_unique<auth::TokenStore>(*rt->store);
  return rt;
}

std::expected<void, std::string> require_test_mode(std::string_view option,
                                                   const std::string& details_json) {
  const char* mode = std::getenv("CENTLI_TEST_MODE");
  if (mode == nullptr || std::string_view(mode) != "1") {
    return std::unexpected(std::string(option) + " is for tests only: set CENTLI_TEST_MODE=1");
  }
  obs::log(obs::Level::kWarn,
           "TEST OPTION ACTIVE: " + std::string(option) + " is not for production",
           {"", "", "", "", details_json});
  return {};
}

}  // namespace centli::app
