#include "store/store.h"

#include <future>

#include "store/postgres/store.h"
#include "store/sqlite/store.h"

namespace centli::store {

std::expected<std::unique_ptr<Store>, std::string> Store::open(const StoreOptions& options) {
  if (!options.url.empty()) return postgres_impl::PgStore::open(options);
  return sqlite_impl::SqliteStore::open(options);
}

bool Store::write_sync(const std::function<void(WriteTx&)>& fn) {
  std::promise<bool> done;
  auto fut = done.get_future();
  const bool queued = submit(WriteJob{[&fn](WriteTx& tx) { fn(tx); },
                                      [&done](bool committed) { done.set_value(committed); }});
  if (!queued) return false;
  return fut.get();
}

}  // namespace centli::store
