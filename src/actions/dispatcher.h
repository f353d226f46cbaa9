// Runs actions for every front door: scope check, validation, idempotency, then the handler on
// a reader (reads) or the writer (commands). Thread-safe.
#pragma once

#include <rapidjson/document.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_set>

#include "actions/registry.h"
#include "actions/services.h"

namespace centli::actions {

struct Invocation {
  const Action* action = nullptr;
  auth::Principal principal;
  std::string user_id;                      // the person acted for
  const rapidjson::Value* input = nullptr;  // JSON object, numbers parsed as text
  std::string idempotency_key;              // empty when none; else request_id is used
  std::string correlation_id;
  std::string locale = "es-MX";
  // The front door it came through, for metrics: "http", "mcp", "bedrock", "agentcore", "cli".
  std::string_view door = "http";
};

// The answer of an action as every front door renders it: a status and a JSON body (the reply
// on success, a problem object on failure).
struct Outcome {
  int status = 200;
  std::string body;
  bool is_error = false;
  bool replayed = false;  // a stored idempotent response
  int retry_after_s = 0;  // > 0: a refusal worth retrying after this many seconds
  std::string_view code;  // a refusal's error code ("insufficient_funds"); empty otherwise
};

class Dispatcher {
 public:
  explicit Dispatcher(Services& services) : services_(services) {}

  // Calls `done` exactly once: on this thread for reads and early refusals, on the writer
  // thread for commands. `inv.input` is only read before invoke returns.
  void invoke(const Invocation& inv, std::function<void(Outcome)> done);
  // Blocks until the outcome is known (CLI, MCP stdio, tests).
  Outcome invoke_sync(const Invocation& inv);

  // problem+json body for an error (type, title, status, code, detail, correlation_id, field).
  // A 500's detail is a fixed sentence naming the correlation id; its own text is logged.
  static Outcome problem(const Error& error, std::string_view correlation_id);
  Services& services() { return services_; }

 private:
  struct Keyed {
    std::string principal;
    std::string key;
    std::string fingerprint;
  };
  void run_write(const Invocation& inv, WriteFn fn, std::optional<Keyed> keyed,
                 std::function<void(Outcome)> done);
  bool claim(const std::string& slot);
  // Answers a command whose reply was deferred: stores the final outcome as the idempotent
  // response, then releases the key and calls `done` with it, or with `stored_outcome` (what
  // the store keeps) when the final one could not be stored.
  void finish_deferred(const std::string& slot, const std::optional<Keyed>& keyed,
                       Outcome final_outcome, Outcome stored_outcome,
                       std::function<void(Outcome)> done);
  // Queues a deletion of expired idempotency rows at most once per sweep interval.
  void maybe_sweep();
  void release(const std::string& slot);

  Services& services_;
  std::mutex inflight_mu_;
  std::unordered_set<std::string> inflight_;  // "principal\nkey" of commands running
  std::atomic<std::int64_t> last_sweep_ms_{0};
};

}  // namespace centli::actions
