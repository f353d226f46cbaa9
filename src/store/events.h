// The event tables: the outbox (every committed event, kept as the archive until retention
// sweeps it, with what the dispatcher has routed), the deliveries the bus makes of each event for
// each target, dead letters, the inbox of internal consumers and replay requests. Formats and
// behaviour: docs/events.md; tables: docs/data.md.
//
// Every method runs in the caller's transaction and is not thread-safe (see store/port.h). A
// store failure is an Error; "nothing there" is an empty result, never an Error.
//
// Any number of serving processes may share one store (PostgreSQL): the methods a dispatcher or
// a worker decides with in a write (Outbox::unrouted, Deliveries::claim) skip the rows another
// process's open write holds instead of waiting for them, so processes share the work and none
// takes a row twice.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/port.h"

namespace centli::store {

// One event in the outbox.
struct OutboxEvent {
  // Increasing in append order; given by append, ignored by it. Commit order on SQLite only: on
  // PostgreSQL a transaction that appended earlier may commit after one that appended later.
  std::int64_t seq = 0;
  std::string event_id, event_type, source, user_id, correlation_id;
  std::int64_t created_ms = 0;
  std::string envelope;  // the whole envelope, JSON text
};

// What `centli events list` asks of the archive. Empty strings and zeros match anything.
struct ArchiveFilter {
  std::string event_type;
  std::string correlation_id;
  std::int64_t since_ms = 0;   // created at or after
  std::int64_t after_seq = 0;  // seq greater than
};

class Outbox {
 public:
  // Appends `e` with the next seq. Fails (kConstraint) when its event_id is already there, here
  // or at the savepoint's release (WriteTx).
  virtual Result<void> append(const OutboxEvent& e) = 0;
  // Up to `limit` events with seq > after_seq, in seq order.
  virtual Result<std::vector<OutboxEvent>> after(std::int64_t after_seq, std::int64_t limit) = 0;
  // Routing, the dispatcher's work: up to `limit` events not yet routed, in seq order. In a
  // write, the events are the dispatcher's until the write ends: on PostgreSQL they are locked
  // and a concurrent write's unrouted() skips them (FOR UPDATE SKIP LOCKED), so two processes
  // routing at once take disjoint events without waiting for each other. An event committed
  // after others with a higher seq is still listed, once it is committed.
  virtual Result<std::vector<OutboxEvent>> unrouted(std::int64_t limit) = 0;
  // Marks the events `seqs` routed: unrouted() lists them no more, and the retention sweep may
  // take them. Requires: a write; `seqs` are all the events unrouted() returned in this write,
  // in its order (SQLite keeps only the position of the last, its seq being commit order).
  virtual Result<void> mark_routed(std::span<const std::int64_t> seqs) = 0;
  // Up to `limit` events created in [from_ms, to_ms] with seq > after_seq, in seq order.
  virtual Result<std::vector<OutboxEvent>> window(std::int64_t from_ms, std::int64_t to_ms,
                                                  std::int64_t after_seq, std::int64_t limit) = 0;
  // Up to `limit` events that pass `filter`, in seq order.
  virtual Result<std::vector<OutboxEvent>> list(const ArchiveFilter& filter,
                                                std::int64_t limit) = 0;
  // Retention: deletes the routed events created before cut_ms that have no delivery row left
  // (Deliveries::sweep_delivered removes the delivered ones first). An event not yet routed is
  // never deleted.
  virtual Result<void> sweep(std::int64_t cut_ms) = 0;

 protected:
  ~Outbox() = default;
};

// A new delivery of one event to one target, pending from enqueued_ms.
struct DeliveryDraft {
  std::int64_t seq = 0;
  std::string event_id;
  std::string rule;
  std::string target;  // "<rule>/<index>"
  bool replay = false;
  std::int64_t enqueued_ms = 0;
};

// A pending delivery that is due (or claimed), with its event.
struct DueDelivery {
  std::int64_t delivery_id = 0;
  std::int64_t attempts = 0;  // made so far
  std::int64_t first_ms = 0;  // when it was enqueued (or redriven)
  bool replay = false;
  OutboxEvent event;
};

// A replay request written by a tool and not yet enqueued by the dispatcher.
struct ReplayRequest {
  std::int64_t replay_id = 0;
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  std::string rule;  // empty: every matching rule
};

class Deliveries {
 public:
  // Adds a pending delivery, due at once. A non-replay delivery of an (event, target) that
  // already has one is ignored, so dispatching an event twice enqueues it once.
  virtual Result<void> insert(const DeliveryDraft& d) = 0;
  // Up to `limit` pending deliveries of `target` due at now_ms, the earliest due first (then
  // by delivery_id). A plain read, also in a write: it locks nothing and changes nothing.
  virtual Result<std::vector<DueDelivery>> due(std::string_view target, std::int64_t now_ms,
                                               std::int64_t limit) = 0;
  // Takes up to `limit` pending deliveries of `target` due at now_ms, as due() lists them, and
  // leases them: their next_ms becomes lease_until_ms, so no claim takes them again before then
  // unless an outcome or release() moves them first. A claimer that dies leaves them to whoever
  // claims after the lease. On PostgreSQL rows another open write holds are skipped (FOR UPDATE
  // SKIP LOCKED), so concurrent claims of one target get disjoint deliveries without waiting.
  // Requires: a write; lease_until_ms > now_ms.
  virtual Result<std::vector<DueDelivery>> claim(std::string_view target, std::int64_t now_ms,
                                                 std::int64_t lease_until_ms,
                                                 std::int64_t limit) = 0;
  // Gives back a claimed delivery not attempted: when it is still pending and still under the
  // lease that ends at lease_until_ms (nobody claimed it since), it becomes due at now_ms with
  // its attempts unchanged; otherwise nothing changes.
  virtual Result<void> release(std::int64_t delivery_id, std::int64_t lease_until_ms,
                               std::int64_t now_ms) = 0;
  // The outcome of an attempt on a delivery still pending; a delivery no longer pending (purged,
  // already recorded) is left alone. mark_dead says whether it was still pending.
  virtual Result<void> mark_delivered(std::int64_t delivery_id, std::int64_t attempts,
                                      std::int64_t now_ms) = 0;
  virtual Result<void> mark_retry(std::int64_t delivery_id, std::int64_t attempts,
                                  std::int64_t next_ms, std::int64_t now_ms,
                                  std::string_view error) = 0;
  virtual Result<bool> mark_dead(std::int64_t delivery_id, std::int64_t attempts,
                                 std::int64_t now_ms, std::string_view error) = 0;
  // Retention: deletes the delivered deliveries of routed events created before cut_ms.
  virtual Result<void> sweep_delivered(std::int64_t cut_ms) = 0;

  // Records a replay request; returns its id (increasing).
  virtual Result<std::int64_t> add_replay(std::int64_t from_ms, std::int64_t to_ms,
                                          std::string_view rule, std::int64_t now_ms) = 0;
  // Up to `limit` requests not yet done, oldest first.
  virtual Result<std::vector<ReplayRequest>> open_replays(std::int64_t limit) = 0;
  virtual Result<void> finish_replay(std::int64_t replay_id, std::int64_t now_ms) = 0;

 protected:
  ~Deliveries() = default;
};

// A dead letter as written when its delivery gave up.
struct DeadLetterRecord {
  std::string dead_id;  // dlq-...
  std::int64_t delivery_id = 0;
  std::string event_id;
  std::string rule;
  std::string target;
  std::int64_t attempts = 0;
  std::string last_error;
  std::int64_t dead_ms = 0;
};

// A dead letter as listed, with its event from the archive.
struct DeadLetter {
  std::string dead_id;
  std::string event_id;
  std::string event_type;      // empty once the event is swept
  std::string correlation_id;  // empty once the event is swept
  std::string rule;
  std::string target;
  std::int64_t attempts = 0;
  std::string last_error;
  std::int64_t dead_ms = 0;
  std::string envelope;  // the event, as archived (empty once swept)
};

class DeadLetters {
 public:
  // Adds `d`, replacing any dead letter with the same dead_id or the same delivery_id.
  virtual Result<void> insert(const DeadLetterRecord& d) = 0;
  // Up to `limit` dead letters (only `dead_id` when not empty), oldest first.
  virtual Result<std::vector<DeadLetter>> list(std::string_view dead_id, std::int64_t limit) = 0;
  // Makes the deliveries of the dead letters (all, or the one named) pending again with fresh
  // attempts and first_ms = now_ms, and deletes those dead letters; returns how many. All or
  // nothing: on failure neither change is kept.
  virtual Result<std::int64_t> redrive(std::string_view dead_id, std::int64_t now_ms) = 0;
  // Deletes the dead letters (all, or the one named) and their deliveries; returns how many.
  // All or nothing, as redrive.
  virtual Result<std::int64_t> purge(std::string_view dead_id) = 0;

 protected:
  ~DeadLetters() = default;
};

// The events each internal consumer has applied, so each is applied once.
class Inbox {
 public:
  virtual Result<bool> contains(std::string_view consumer, std::string_view event_id) = 0;
  // Fails (kConstraint) when (consumer, event_id) is already there.
  virtual Result<void> insert(std::string_view consumer, std::string_view event_id,
                              std::int64_t now_ms) = 0;
  // Test-only (serve --test-consumer): adds one to the count of applications of event_id,
  // kept in meta as test_consumer:<event_id>, for the black-box tests to read.
  virtual Result<void> test_count_application(std::string_view event_id) = 0;

 protected:
  ~Inbox() = default;
};

}  // namespace centli::store
