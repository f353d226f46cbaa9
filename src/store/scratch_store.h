// For the port's tests: a fresh, empty store of each backend, removed afterwards. SQLite lives
// in a temporary directory; PostgreSQL in a new database on the test server whose URL is in the
// file named by CENTLI_TEST_PG_URL_FILE (ctest starts that server: tests/pg/server).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace centli::store::testing {

// "sqlite" and "postgres", always: the test names must not depend on the environment, since
// ctest lists them (gtest_discover_tests) without it.
std::vector<std::string> backends();

// False for "postgres" when CENTLI_TEST_PG_URL_FILE is not set (a test then skips: only a run
// outside ctest, whose fixture always sets it). Set but unreadable is a failure of the run
// (abort with a message), never a skip.
bool available(const std::string& backend);

// In a fixture's SetUp: skips the test when its backend is not available.
#define CENTLI_SKIP_UNLESS_AVAILABLE(backend)        \
  if (!::centli::store::testing::available(backend)) \
  GTEST_SKIP() << "no test PostgreSQL: CENTLI_TEST_PG_URL_FILE is not set (ctest sets it)"

// The name of a backend as a test name suffix.
std::string backend_name(const std::string& backend);

class ScratchStore {
 public:
  explicit ScratchStore(const std::string& backend);
  ~ScratchStore();
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;

  // Opens (or opens again, after close) the store; empty on success, else why not.
  std::string open();
  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }
  std::unique_ptr<Store>& get() { return store_; }
  const StoreOptions& options() const { return options_; }

 private:
  std::string backend_;
  std::string database_;  // postgres: the scratch database's name
  std::string admin_url_;
  StoreOptions options_;
  std::unique_ptr<Store> store_;
};

}  // namespace centli::store::testing
