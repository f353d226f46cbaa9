// Not tests: the scratch stores the port's tests run on (store/scratch_store.h).
#include "store/scratch_store.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "store/postgres/conn.h"

namespace centli::store::testing {
namespace {

std::string admin_url() {
  const char* file = std::getenv("CENTLI_TEST_PG_URL_FILE");
  if (file == nullptr) return "";
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  if (url.empty()) {
    std::fprintf(stderr,
                 "CENTLI_TEST_PG_URL_FILE=%s names no readable URL: is the test "
                 "PostgreSQL running (tests/pg/server start)?\n",
                 file);
    std::abort();
  }
  return url;
}

// admin_url with its database (the path after the last '/') replaced by `database`.
std::string with_database(const std::string& url, const std::string& database) {
  const auto slash = url.rfind('/');
  const auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + database +
         (query == std::string::npos ? "" : url.substr(query));
}

void admin(const std::string& url, const std::string& sql) {
  auto conn = pg::Conn::connect(url);
  auto r = conn->exec(sql.c_str());
  if (!r) {
    std::fprintf(stderr, "test PostgreSQL: %s: %s\n", sql.c_str(), r.error().message.c_str());
    std::abort();
  }
}

}  // namespace

std::vector<std::string> backends() { return {"sqlite", "postgres"}; }

bool available(const std::string& backend) { return backend != "postgres" || !admin_url().empty(); }

std::string backend_name(const std::string& backend) {
  return backend == "postgres" ? "Postgres" : "Sqlite";
}

ScratchStore::ScratchStore(const std::string& backend) : backend_(backend) {
  if (backend_ == "postgres") {
    static std::atomic<int> counter{0};
    admin_url_ = admin_url();
    database_ = "centli_t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    admin(admin_url_, "CREATE DATABASE " + database_);
    options_.url = with_database(admin_url_, database_);
  } else {
    char tmpl[] = "/tmp/centli-port-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    options_.data_dir = tmpl;
  }
}

ScratchStore::~ScratchStore() {
  if (store_) store_->close();
  store_.reset();
  if (!database_.empty()) {
    admin(admin_url_, "DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
  } else {
    std::filesystem::remove_all(options_.data_dir);
  }
}

std::string ScratchStore::open() {
  if (store_) store_->close();
  store_.reset();
  auto s = Store::open(options_);
  if (!s) return s.error();
  store_ = std::move(*s);
  return "";
}

}  // namespace centli::store::testing
