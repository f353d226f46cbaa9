// The event bus: delivers every committed outbox event to the targets of every rule that
// matches it, at least once, with retries, dead letters and replay. Internal consumers get
// exactly-once effects through the `inbox` table. Formats and behaviour: docs/events.md.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "domain/error.h"
#include "store/store.h"
#include "util/limits.h"

namespace centli::events {

// One committed event as read from the outbox.
struct Envelope {
  std::int64_t seq = 0;
  std::string event_id, event_type, source, user_id, correlation_id;
  std::int64_t created_ms = 0;
  std::string json;         // the whole envelope text
  rapidjson::Document doc;  // parsed envelope (doc["data"] ...)
};

// How long a delivery is retried before it becomes a dead letter: whichever bound is hit first.
struct RetryPolicy {
  int max_attempts = limits::kDeliveryAttemptsDefault;
  std::int64_t max_age_s = limits::kDeliveryAgeSecondsDefault;
};

// Runs on the store's writer thread inside a transaction. The bus records (consumer, event_id)
// in `inbox` in the same transaction, so its effect (and the events it appends with
// events::append) happens exactly once. An Error makes the bus retry later (backoff), then
// dead-letter it.
using ConsumerFn = std::function<std::expected<void, Error>(store::WriteTx&, const Envelope&)>;

enum class TargetType { kInternal, kWebhook, kLog };

struct Target {
  TargetType type = TargetType::kLog;
  std::string consumer;   // internal: the registered consumer's name
  std::string url;        // webhook
  std::string secret;     // webhook: HMAC-SHA256 key
  int timeout_ms = 5000;  // webhook
};

struct Rule {
  std::string name;
  std::string pattern_json;
  std::vector<Target> targets;
  RetryPolicy retry;
};

struct BusOptions {
  // Full-jitter exponential backoff: attempt n waits uniform [0, min(cap, base * 2^(n-1))].
  std::int64_t backoff_base_ms = limits::kBackoffBaseMsDefault;
  std::int64_t backoff_cap_ms = limits::kBackoffCapMsDefault;
  // Archive retention: outbox rows older than this (and their deliveries) are swept.
  std::int64_t retention_days = limits::kArchiveRetentionDaysDefault;
  // How long a claim keeps its deliveries from other claims (limits::kDeliveryLeaseMs); only
  // tests shorten it (serve --test-delivery-lease-ms), to see a dead process's claim expire.
  std::int64_t delivery_lease_ms = limits::kDeliveryLeaseMs;
  std::vector<Rule> rules;  // from --rules FILE; built-in consumer rules are added to these
};

// Per-target counters for the metrics endpoint. A target's key is "<rule>/<index>:<kind>".
struct TargetStats {
  std::string target;
  std::int64_t delivered = 0;
  std::int64_t retried = 0;
  std::int64_t dead_lettered = 0;
  std::int64_t lag_ms = 0;  // commit to successful delivery, last delivery
};

// Parses a rules file's text: {"rules":[{"name","pattern","targets":[...],"retry":{...}}]}.
// Fails with "rules[1].pattern.detail.amount: <why>" naming the offending part.
std::expected<std::vector<Rule>, std::string> parse_rules(std::string_view json);

// Delay before attempt number `attempt` (2 for the first retry) with full jitter; `unit` is a
// random number in [0, 1). Pure; never negative, never above cap_ms.
std::int64_t backoff_delay_ms(int attempt, std::int64_t base_ms, std::int64_t cap_ms, double unit);

class Bus {
 public:
  explicit Bus(store::Store& store);
  ~Bus();
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  // Before start(): registers an internal consumer with the built-in rule (a pattern, JSON
  // text) that routes events to it. Built-in rules exist without any --rules file. A bad
  // pattern is reported by start().
  void register_consumer(std::string name, std::string pattern_json, ConsumerFn fn,
                         RetryPolicy retry = {});

  // Compiles the rules (built-in and options.rules), checks internal targets name registered
  // consumers, starts the dispatcher and per-target workers, and wakes them on every commit
  // (chaining any commit listener already set). Fails with a message naming the bad rule.
  std::expected<void, std::string> start(BusOptions options);
  // Stops the dispatcher and workers without waiting for any target: no delivery is claimed or
  // begun any more, webhook exchanges in flight are abandoned at once and given back pending,
  // due at once (made again after a restart, or by another process: at least once), and
  // outcomes already known are recorded. Returns within one store write per worker.
  // Idempotent; the store must still be open.
  void stop();

  // Thread-safe snapshot of the per-target counters.
  std::vector<TargetStats> stats() const;

  struct Impl;

 private:
  store::Store& store_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centli::events
