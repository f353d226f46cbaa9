#include "app/local_server.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "store/store.h"

namespace centli::app {
namespace {

// A data directory held by an open store, as `centli serve` holds it.
class LocalServerFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/centli-local-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto s = store::Store::open({.data_dir = dir_});
    ASSERT_TRUE(s.has_value()) << s.error();
    store_ = std::move(*s);
    tokens_ = std::make_unique<auth::TokenStore>(*store_);
  }
  void TearDown() override {
    tokens_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string path() const { return dir_ + "/centli.server"; }
  void rewrite_pid(long pid) {
    auto s = read_local_server(dir_);
    ASSERT_TRUE(s.has_value()) << s.error();
    std::ofstream(path(), std::ios::trunc)
        << R"({"url":")" << s->url << R"(","token":")" << s->token << R"(","pid":)" << pid << "}";
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<auth::TokenStore> tokens_;
};

TEST_F(LocalServerFile, IsPrivateNamesALoopbackUrlAndATokenKnownOnlyToThisProcess) {
  publish_local_server(dir_, "0.0.0.0", 8080, *tokens_);
  struct stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto s = read_local_server(dir_);
  ASSERT_TRUE(s.has_value()) << s.error();
  EXPECT_EQ(s->url, "http://127.0.0.1:8080");
  EXPECT_EQ(s->pid, ::getpid());
  auto verified = tokens_->verify(s->token);
  ASSERT_TRUE(verified.has_value());
  const std::optional<auth::Principal>& principal = *verified;
  ASSERT_TRUE(principal.has_value());
  const auth::Principal local = auth::local_tools_principal();
  EXPECT_EQ(principal->key(), local.key());
  EXPECT_TRUE(principal->delegate);
  EXPECT_EQ(principal->scopes, auth::kPersonScopesDefault);
  // Never stored: another token store on the same data knows nothing of it.
  auto elsewhere = auth::TokenStore(*store_).verify(s->token);
  ASSERT_TRUE(elsewhere.has_value());
  EXPECT_FALSE(elsewhere->has_value());
  withdraw_local_server(dir_);
  EXPECT_FALSE(std::filesystem::exists(path()));
  EXPECT_FALSE(read_local_server(dir_).has_value());
}

TEST_F(LocalServerFile, BracketsIpv6Listeners) {
  for (auto [host, url] : {std::pair{"::", "http://[::1]:9"},
                           {"::1", "http://[::1]:9"},
                           {"localhost", "http://localhost:9"}}) {
    publish_local_server(dir_, host, 9, *tokens_);
    auto s = read_local_server(dir_);
    ASSERT_TRUE(s.has_value()) << s.error();
    EXPECT_EQ(s->url, url) << host;
  }
}

TEST_F(LocalServerFile, IsIgnoredWhenOthersMayReadItOrItsProcessIsGone) {
  publish_local_server(dir_, "127.0.0.1", 9, *tokens_);
  ASSERT_EQ(::chmod(path().c_str(), 0644), 0);
  auto readable = read_local_server(dir_);
  ASSERT_FALSE(readable.has_value());
  EXPECT_NE(readable.error().find("mode 0600"), std::string::npos) << readable.error();
  ASSERT_EQ(::chmod(path().c_str(), 0600), 0);
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  rewrite_pid(child);
  auto stale = read_local_server(dir_);
  ASSERT_FALSE(stale.has_value());
  EXPECT_NE(stale.error().find("left over from process " + std::to_string(child)),
            std::string::npos)
      << stale.error();
}

TEST_F(LocalServerFile, OpenDataGoesThroughTheServerOnlyWhileTheLockIsHeld) {
  publish_local_server(dir_, "127.0.0.1", 9, *tokens_);
  EXPECT_TRUE(store::lock_held(dir_));
  auto beside = open_data({.store = {.data = dir_}});
  ASSERT_TRUE(beside.has_value()) << beside.error();
  EXPECT_EQ(beside->runtime, nullptr);
  EXPECT_EQ(beside->server.url, "http://127.0.0.1:9");
  // The server is gone (its file stays behind, as after kill -9): the tool opens the directory.
  tokens_.reset();
  store_.reset();
  EXPECT_FALSE(store::lock_held(dir_));
  auto alone = open_data({.store = {.data = dir_}});
  ASSERT_TRUE(alone.has_value()) << alone.error();
  ASSERT_NE(alone->runtime, nullptr);
  alone->runtime->store->close();
}

}  // namespace
}  // namespace centli::app
