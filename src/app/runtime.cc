#include "app/runtime.h"

#include "store/demo.h"

namespace centli::app {

std::expected<std::unique_ptr<Runtime>, std::string> open_runtime(const RuntimeOptions& o) {
  auto rt = std::make_unique<Runtime>();
  auto store = store::Store::open({o.data_dir, true});
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

}  // namespace centli::app
