#include "obs/log.h"

#include <unistd.h>

#include <atomic>
#include <mutex>

#include "util/clock.h"
#include "util/json.h"

namespace centli::obs {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_fd{STDOUT_FILENO};
std::mutex g_write_mu;

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};

}  // namespace

void set_level(Level level) { g_level.store(static_cast<int>(level)); }
bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }
void log_to_stderr(bool yes) { g_fd.store(yes ? STDERR_FILENO : STDOUT_FILENO); }

void log(Level level, std::string_view message, const LogFields& f) {
  if (!enabled(level)) return;
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::kv(w, "timestamp", util::format_iso8601_ms(util::now_ms()));
  json::kv(w, "level", kLevelNames[static_cast<int>(level)]);
  json::kv(w, "correlation_id", f.correlation_id);
  if (!f.action.empty()) json::kv(w, "action", f.action);
  if (!f.event_type.empty()) json::kv(w, "event_type", f.event_type);
  if (!f.user_id.empty()) json::kv(w, "user_id", f.user_id);
  json::kv(w, "message", message);
  if (!f.details_json.empty()) {
    json::key(w, "details");
    w.RawValue(f.details_json.data(), f.details_json.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  std::string line(json::view(b));
  line.push_back('\n');
  std::lock_guard lock(g_write_mu);
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(g_fd.load(), p, left);
    if (n <= 0) return;  // a closed log stream never stops the service
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

std::string mask_tail(std::string_view id) {
  if (id.size() <= 4) return std::string(kMasked);
  return "****" + std::string(id.substr(id.size() - 4));
}

}  // namespace centli::obs
