#include "store/store.h"

#include <future>

#include "obs/metrics.h"
#include "store/postgres/store.h"
#include "store/sqlite/store.h"

namespace centli::store {

Reader::~Reader() {
  if (!lease_) return;  // moved from
  lease_.reset();
  obs::metrics::store_read(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
}

std::expected<std::unique_ptr<Store>, std::string> Store::open(const StoreOptions& options) {
  if (!options.url.empty()) return postgres_impl::PgStore::open(options);
  return sqlite_impl::SqliteStore::open(options);
}

std::string shared_store_help() {
  return "PostgreSQL database shared by several centli processes, "
         "postgresql://user:password@host:port/dbname, instead of --data (env CENTLI_STORE)";
}

std::string shared_store_url_problem(std::string_view url) {
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) return "";
  return "must be a postgresql:// URL";
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
