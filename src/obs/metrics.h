// The process's metrics, kept by prometheus-cpp (core) and rendered in the Prometheus text
// exposition format by scrape(). Only this header is seen by callers: the library's headers stay
// in metrics.cc. Every label value comes from a bounded set (action names, front doors, error
// codes, webhook targets from the configuration, saga states): never a person, an account, a
// key or a token. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace centli::obs::metrics {

// One action answered: `door` is the front door ("http", "mcp", "bedrock", "agentcore",
// "cli"), `outcome` "ok", "replayed" or the error code ("insufficient_funds").
void action_finished(std::string_view door, std::string_view action, std::string_view outcome,
                     double seconds);

// One batch of the writer: how many commands it folded, how long its commit took and whether
// it committed.
void store_batch(std::size_t commands, double commit_seconds, bool committed);
// Commands waiting for the writer, after a batch was taken.
void store_queue_depth(std::size_t waiting);
// One read transaction, from its start to its end.
void store_read(double seconds);
// Connections of the store's read pool lent out now (a shared store; 0 for the embedded one).
void store_pool_in_use(std::size_t lent);

// One webhook delivery attempt's end: "delivered", "retry" or "dead". `target` names the
// configured rule's target ("rule#0"), never its URL.
void delivery(std::string_view target, std::string_view outcome);
// Events the router took from the outbox and handed to their consumers and targets.
void events_routed(std::int64_t count);
// Dead letters sent back to their target by an operator.
void redriven(std::int64_t count);

// Values read at scrape time (they live in the store): the age of the oldest event not yet
// routed. A sampler sets them through the setters below; it runs on the scraping thread,
// before rendering.
void set_sampler(std::function<void()> sampler);
void set_outbox_lag_seconds(double seconds);

// Everything, in the text format (version 0.0.4), with the process's own metrics
// (process_cpu_seconds_total, process_resident_memory_bytes, ...) read from /proc now.
std::string scrape();

// The Content-Type of scrape()'s text.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace centli::obs::metrics
