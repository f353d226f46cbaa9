#include "app/local_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "obs/log.h"
#include "store/store.h"
#include "util/json.h"
#include "util/limits.h"

namespace centli::app {
namespace {

constexpr std::string_view kFileName = "centli.server";

std::string file_path(const std::string& data_dir) {
  return (data_dir.empty() ? "." : data_dir) + "/" + std::string(kFileName);
}

// A wildcard listener is reached on loopback; an IPv6 literal needs brackets in a URL.
std::string url_host(std::string_view host) {
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "[::1]";
  if (host.find(':') != std::string_view::npos) return "[" + std::string(host) + "]";
  return std::string(host);
}

std::string file_text(const LocalServer& s) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "url", s.url);
  json::kv(w, "token", s.token);
  json::kv_int(w, "pid", s.pid);
  w.EndObject();
  return std::string(json::view(b)) + "\n";
}

// Writes the file beside it and renames it into place, so a reader never sees half of it.
std::expected<void, std::string> write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected("cannot create " + tmp + ": " + std::strerror(errno));
  // O_CREAT leaves the mode of a file left over from a crash as it was.
  const bool written = ::fchmod(fd, 0600) == 0 &&
                       ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  std::string why = written ? "" : std::strerror(errno);
  if (::close(fd) != 0 && why.empty()) why = std::strerror(errno);
  if (why.empty() && ::rename(tmp.c_str(), path.c_str()) == 0) return {};
  if (why.empty()) why = std::strerror(errno);
  ::unlink(tmp.c_str());
  return std::unexpected("cannot write " + path + ": " + why);
}

// The file only when it can be trusted: a regular file of this user that nobody else may read.
std::expected<std::string, std::string> read_file(const std::string& path) {
  // O_NONBLOCK: a FIFO in its place must not hold the tool; it is refused as not a file.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return std::unexpected(path + ": " + std::strerror(errno));
  struct stat st {};
  std::string text;
  std::string fault;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 077) != 0) {
    fault = path + " is not a file of this user with mode 0600";
  } else if (static_cast<std::size_t>(st.st_size) > limits::kLocalServerFileBytesMax) {
    fault = path + " is too large";
  } else {
    text.resize(static_cast<std::size_t>(st.st_size));
    if (::read(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      fault = "cannot read " + path;
  }
  ::close(fd);
  if (!fault.empty()) return std::unexpected(fault);
  return text;
}

bool process_alive(std::int64_t pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

}  // namespace

void publish_local_server(const std::string& data_dir, std::string_view host, std::uint16_t port,
                          auth::TokenStore& tokens) {
  LocalServer s{"http://" + url_host(host) + ":" + std::to_string(port),
                tokens.create_in_memory(auth::local_tools_principal()), ::getpid()};
  auto written = write_file(file_path(data_dir), file_text(s));
  if (written) return;
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "error", written.error());
  w.EndObject();
  obs::log(obs::Level::kWarn, "the tools on the data directory cannot reach this server",
           {"", "", "", "", json::view(b)});
}

void withdraw_local_server(const std::string& data_dir) { ::unlink(file_path(data_dir).c_str()); }

std::expected<LocalServer, std::string> read_local_server(const std::string& data_dir) {
  const std::string path = file_path(data_dir);
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  rapidjson::Document d;
  d.Parse(text->data(), text->size());
  if (d.HasParseError() || !d.IsObject()) return std::unexpected(path + " is not JSON");
  LocalServer s{std::string(json::get_string(d, "url").value_or("")),
                std::string(json::get_string(d, "token").value_or("")),
                json::get_int(d, "pid").value_or(0)};
  if (s.url.empty() || s.token.empty()) return std::unexpected(path + " lacks url or token");
  if (!process_alive(s.pid)) {
    return std::unexpected(path + " is left over from process " + std::to_string(s.pid) +
                           ", which is gone");
  }
  return s;
}

std::expected<DataAccess, std::string> open_data(const RuntimeOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(limits::kLocalServerWaitMs);
  for (;;) {
    auto rt = open_runtime(options);
    if (rt) return DataAccess{std::move(*rt), {}};
    // A shared store takes every process; there is no holder to go through.
    if (options.store.shared()) return std::unexpected(rt.error());
    if (!store::lock_held(options.store.data)) {
      // Refused for another reason, or the holder let go in between: one more try decides.
      rt = open_runtime(options);
      if (rt) return DataAccess{std::move(*rt), {}};
      return std::unexpected(rt.error());
    }
    auto server = read_local_server(options.store.data);
    if (server) return DataAccess{nullptr, std::move(*server)};
    if (Clock::now() >= deadline) {
      return std::unexpected(rt.error() + ", which serves no address for the tools (" +
                             server.error() + "); stop it, or give --url and --token");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(limits::kLocalServerPollMs));
  }
}

}  // namespace centli::app
