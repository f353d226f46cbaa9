// Operator tools over the bus's tables: dead letters (list, redrive, purge), the event archive
// (list, tail) and replay requests. Used by `centli events ...` beside a running server and by
// /v1/admin/events/dlq. They coordinate with the serving dispatcher only through rows: a
// redriven delivery is pending again and a replay request waits in `replay_requests`.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "store/events.h"
#include "store/store.h"

namespace centli::events {

// A dead letter as listed, with its event from the archive (store/events.h).
using DeadLetter = store::DeadLetter;

// Dead letters, oldest first, at most limits::kEventsListMax; only `dead_id` when not empty.
std::expected<std::vector<DeadLetter>, std::string> dlq_list(store::Store& store,
                                                             std::string_view dead_id);
// Makes the dead letters (all, or the one named) pending again with fresh attempts and age;
// the serving dispatcher delivers them. Returns how many.
std::expected<std::int64_t, std::string> dlq_redrive(store::Store& store, std::string_view dead_id);
// Deletes the dead letters (all, or the one named) and their deliveries. Returns how many.
std::expected<std::int64_t, std::string> dlq_purge(store::Store& store, std::string_view dead_id);
// {"dead_letters":[...]} for the CLI's --json and the admin route.
std::string dead_letters_json(const std::vector<DeadLetter>& rows);

// An event of the archive (the outbox).
using ArchivedEvent = store::OutboxEvent;

// Event type and correlation id (empty: any), since_ms, after_seq.
using EventFilter = store::ArchiveFilter;

// Archived events in commit order, at most limits::kEventsListMax.
std::expected<std::vector<ArchivedEvent>, std::string> list_events(store::Store& store,
                                                                   const EventFilter& filter);
// Asks the serving dispatcher to deliver again the events committed in [from_ms, to_ms] to the
// targets of every matching rule (or only `rule`), marked as replays. Returns the request id.
std::expected<std::int64_t, std::string> request_replay(store::Store& store, std::int64_t from_ms,
                                                        std::int64_t to_ms,
                                                        const std::string& rule);

}  // namespace centli::events
