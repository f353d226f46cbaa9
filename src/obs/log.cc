#include "obs/log.h"

#include <unistd.h>

#include <atomic>
#include <mutex>

#include "util/clock.h"
#include "util/json.h"
#include "util/limits.h"

namespace centli::obs {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_fd{STDOUT_FILENO};
std::mutex g_write_mu;

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};

bool is_money(std::string_view name) {
  return name == "amount" || name.ends_with("_minor") ||
         name.find("balance") != std::string_view::npos || name == "posted" || name == "held" ||
         name == "available" || name == "credit_limit";
}

bool is_account_number(std::string_view name) {
  return name == "account_number" || name == "clabe";
}

void write_masked(json::Writer& w, const rapidjson::Value& v, std::size_t depth) {
  if ((v.IsObject() || v.IsArray()) && depth >= limits::kLogJsonDepthMax) {
    json::str(w, kMasked);
  } else if (v.IsObject()) {
    w.StartObject();
    for (const auto& m : v.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      json::key(w, name);
      if (is_money(name)) {
        json::str(w, kMasked);
      } else if (is_account_number(name)) {
        json::str(w, m.value.IsString() ? mask_tail(std::string_view(m.value.GetString(),
                                                                     m.value.GetStringLength()))
                                        : std::string(kMasked));
      } else {
        write_masked(w, m.value, depth + 1);
      }
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& item : v.GetArray()) write_masked(w, item, depth + 1);
    w.EndArray();
  } else {
    json::write_value(w, v);
  }
}

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

std::string mask_json(std::string_view object_json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(object_json.data(), object_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return "{}";
  rapidjson::StringBuffer b;
  json::Writer w(b);
  write_masked(w, doc, 0);
  return std::string(json::view(b));
}

}  // namespace centli::obs
