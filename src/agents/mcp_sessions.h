// MCP Streamable HTTP sessions: id -> who opened it and the negotiated protocol version.
// Bounded three ways (src/util/limits.h): per caller (a principal acting for one person), per
// principal, and in total. Opening a session past a bound drops a least recently used session
// chosen so that no caller loses a session to one that holds more:
//   1. the caller is at kMcpSessionsPerCallerMax: its own least recently used session;
//   2. the principal is at kMcpSessionsPerPrincipalMax: the principal's own least recently used;
//   3. all kMcpSessionsMax are open: the least recently used session of the principal holding
//      the most sessions.
// Sessions unused for kMcpSessionIdleMs expire. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace centli::agents {

class McpSessions {
 public:
  struct Session {
    std::string principal;  // auth::Principal::key() of the token that opened it
    std::string user_id;    // the person acted for; only this caller may use the session
    std::string protocol_version;
  };
  using Clock = std::function<std::int64_t()>;  // Unix ms

  // `clock` tells idle sessions apart; the default is the wall clock.
  explicit McpSessions(Clock clock = {});

  // Opens a session, dropping one first when a bound is reached (see above); returns its id.
  std::string open(Session session);
  // The session when it exists, is not expired and was opened by this caller; refreshes its
  // use. nullopt otherwise (the caller cannot tell another's session from a missing one).
  std::optional<Session> use(const std::string& id, const std::string& principal,
                             const std::string& user_id);
  // Ends the caller's own session; false when there is none.
  bool close(const std::string& id, const std::string& principal, const std::string& user_id);
  std::size_t size() const;

 private:
  struct Entry {
    Session session;
    std::int64_t used_ms = 0;    // for expiry
    std::uint64_t used_seq = 0;  // for least-recently-used order (ms can tie)
  };
  using Map = std::unordered_map<std::string, Entry>;

  static std::string caller_key(const Session& s) { return s.principal + "|" + s.user_id; }
  void erase(Map::iterator it);
  void drop_expired(std::int64_t now_ms);
  void make_room(const Session& opener);
  // Drops the least recently used session for which `pick` is true.
  // Requires: there is one.
  void drop_oldest(const std::function<bool(const Entry&)>& pick);

  Clock clock_;
  mutable std::mutex mu_;
  Map sessions_;
  std::unordered_map<std::string, std::size_t> per_caller_;
  std::unordered_map<std::string, std::size_t> per_principal_;
  std::uint64_t seq_ = 0;
};

}  // namespace centli::agents
