#include "agents/mcp_sessions.h"

#include "util/assert.h"
#include "util/clock.h"
#include "util/ids.h"
#include "util/limits.h"

namespace centli::agents {

McpSessions::McpSessions(Clock clock) : clock_(clock ? std::move(clock) : Clock(util::now_ms)) {}

void McpSessions::erase(Map::iterator it) {
  const Session& s = it->second.session;
  if (auto c = per_caller_.find(caller_key(s)); c != per_caller_.end() && --c->second == 0)
    per_caller_.erase(c);
  if (auto p = per_principal_.find(s.principal); p != per_principal_.end() && --p->second == 0)
    per_principal_.erase(p);
  sessions_.erase(it);
}

void McpSessions::drop_expired(std::int64_t now_ms) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    auto next = std::next(it);
    if (now_ms - it->second.used_ms > limits::kMcpSessionIdleMs) erase(it);
    it = next;
  }
}

void McpSessions::drop_oldest(const std::function<bool(const Entry&)>& pick) {
  auto found = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (pick(it->second) &&
        (found == sessions_.end() || it->second.used_seq < found->second.used_seq)) {
      found = it;
    }
  }
  CENTLI_ASSERT(found != sessions_.end());  // the counts say such a session exists
  erase(found);
}

void McpSessions::make_room(const Session& opener) {
  const std::string caller = caller_key(opener);
  if (auto c = per_caller_.find(caller);
      c != per_caller_.end() && c->second >= limits::kMcpSessionsPerCallerMax) {
    return drop_oldest([&](const Entry& e) { return caller_key(e.session) == caller; });
  }
  if (auto p = per_principal_.find(opener.principal);
      p != per_principal_.end() && p->second >= limits::kMcpSessionsPerPrincipalMax) {
    return drop_oldest([&](const Entry& e) { return e.session.principal == opener.principal; });
  }
  if (sessions_.size() < limits::kMcpSessionsMax) return;
  std::size_t most = 0;
  for (const auto& [principal, count] : per_principal_) most = std::max(most, count);
  drop_oldest([&](const Entry& e) { return per_principal_.at(e.session.principal) == most; });
}

std::string McpSessions::open(Session session) {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_();
  drop_expired(now);
  make_room(session);
  ++per_caller_[caller_key(session)];
  ++per_principal_[session.principal];
  std::string id = util::random_id("mcp-");
  sessions_.emplace(id, Entry{std::move(session), now, ++seq_});
  return id;
}

std::optional<McpSessions::Session> McpSessions::use(const std::string& id,
                                                     const std::string& principal,
                                                     const std::string& user_id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.session.principal != principal ||
      it->second.session.user_id != user_id) {
    return std::nullopt;
  }
  const std::int64_t now = clock_();
  if (now - it->second.used_ms > limits::kMcpSessionIdleMs) {
    erase(it);
    return std::nullopt;
  }
  it->second.used_ms = now;
  it->second.used_seq = ++seq_;
  return it->second.session;
}

bool McpSessions::close(const std::string& id, const std::string& principal,
                        const std::string& user_id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.session.principal != principal ||
      it->second.session.user_id != user_id) {
    return false;
  }
  erase(it);
  return true;
}

std::size_t McpSessions::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace centli::agents
