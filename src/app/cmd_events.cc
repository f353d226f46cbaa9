// `centli events ...`: dead letters, the archive, replay and tail on a data directory. The store
// is opened shared, so these work beside a running server; they act through rows the server's
// dispatcher picks up (docs/events.md).
#include <chrono>
#include <iostream>
#include <thread>

#include "app/commands.h"
#include "app/store_flags.h"
#include "events/admin.h"
#include "util/clock.h"

namespace centli::app {
namespace {

struct EventsOptions {
  StoreFlags store;
  std::string id;
  bool json = false;
  std::string type, correlation_id, since, from, to, rule;
};

std::unique_ptr<store::Store> open_shared(const StoreFlags& flags) {
  auto store = store::Store::open(store_options(flags, /*create=*/false, /*exclusive=*/false));
  if (!store) {
    std::cerr << "centli: " << store.error() << "\n";
    std::exit(kExitUnavailable);
  }
  return std::move(*store);
}

int finish(store::Store& store, int rc) {
  store.close();
  return rc;
}

int dlq(const EventsOptions& o, std::string_view verb) {
  auto store = open_shared(o.store);
  if (verb == "list") {
    auto rows = events::dlq_list(*store, o.id);
    if (!rows) {
      std::cerr << "centli: " << rows.error() << "\n";
      return finish(*store, kExitUnavailable);
    }
    if (o.json) {
      std::cout << events::dead_letters_json(*rows) << "\n";
    } else {
      for (const auto& d : *rows) {
        std::cout << d.dead_id << "  " << util::format_iso8601_ms(d.dead_ms) << "  " << d.event_type
                  << "  " << d.event_id << "  " << d.target << "  attempts " << d.attempts << "  "
                  << d.last_error << "\n";
      }
    }
    return finish(*store, kExitOk);
  }
  auto n = verb == "redrive" ? events::dlq_redrive(*store, o.id) : events::dlq_purge(*store, o.id);
  if (!n) {
    std::cerr << "centli: " << n.error() << "\n";
    return finish(*store, kExitUnavailable);
  }
  if (!o.id.empty() && *n == 0) {
    std::cerr << "centli: no dead letter " << o.id << "\n";
    return finish(*store, kExitRefused);
  }
  if (o.json) {
    std::cout << "{\"" << (verb == "redrive" ? "redriven" : "purged") << "\":" << *n << "}\n";
  } else {
    std::cout << *n << (verb == "redrive" ? " redriven\n" : " purged\n");
  }
  return finish(*store, kExitOk);
}

bool parse_time(const std::string& text, std::int64_t& out, std::string_view flag) {
  auto ms = util::parse_iso8601_ms(text);
  if (!ms) {
    std::cerr << "centli: " << flag << " needs an ISO 8601 time (2026-02-17T10:30:00Z)\n";
    return false;
  }
  out = *ms;
  return true;
}

void print_event(const events::ArchivedEvent& e, bool json) {
  if (json) {
    std::cout << e.envelope << "\n";
  } else {
    std::cout << util::format_iso8601_ms(e.created_ms) << "  " << e.event_type << "  " << e.event_id
              << "  " << e.correlation_id << "\n";
  }
}

int list(const EventsOptions& o) {
  events::EventFilter f{o.type, o.correlation_id, 0, 0};
  if (!o.since.empty() && !parse_time(o.since, f.since_ms, "--since")) return kExitUsage;
  auto store = open_shared(o.store);
  auto rows = events::list_events(*store, f);
  if (!rows) {
    std::cerr << "centli: " << rows.error() << "\n";
    return finish(*store, kExitUnavailable);
  }
  for (const auto& e : *rows) print_event(e, o.json);
  return finish(*store, kExitOk);
}

int replay(const EventsOptions& o) {
  std::int64_t from_ms = 0, to_ms = 0;
  if (!parse_time(o.from, from_ms, "--from") || !parse_time(o.to, to_ms, "--to")) {
    return kExitUsage;
  }
  if (to_ms < from_ms) {
    std::cerr << "centli: --to is before --from\n";
    return kExitUsage;
  }
  auto store = open_shared(o.store);
  auto id = events::request_replay(*store, from_ms, to_ms, o.rule);
  if (!id) {
    std::cerr << "centli: " << id.error() << "\n";
    return finish(*store, kExitUnavailable);
  }
  std::cout << "replay " << *id << " requested; the serving dispatcher delivers it\n";
  return finish(*store, kExitOk);
}

// Follows new events until interrupted; starts after the newest event present.
int tail(const EventsOptions& o) {
  auto store = open_shared(o.store);
  events::EventFilter f;
  for (;;) {
    auto rows = events::list_events(*store, f);
    if (!rows) break;
    if (rows->empty()) break;
    f.after_seq = rows->back().seq;
  }
  for (;;) {
    auto rows = events::list_events(*store, f);
    if (!rows) {
      std::cerr << "centli: " << rows.error() << "\n";
      return finish(*store, kExitUnavailable);
    }
    for (const auto& e : *rows) print_event(e, o.json);
    if (!rows->empty()) f.after_seq = rows->back().seq;
    std::cout.flush();
    if (rows->empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

void add_events(CLI::App& app) {
  auto* ev = app.add_subcommand("events", "Event archive, dead letters and replay");
  ev->require_subcommand(1);
  auto o = std::make_shared<EventsOptions>();
  auto data = [o](CLI::App* c) {
    add_store_flags(c, o->store, "Data directory (the embedded store)");
    c->add_flag("--json", o->json, "JSON output");
  };
  auto* dlq_cmd = ev->add_subcommand("dlq", "Dead letters");
  dlq_cmd->require_subcommand(1);
  for (const char* verb : {"list", "redrive", "purge"}) {
    auto* c = dlq_cmd->add_subcommand(verb, std::string(verb) + " dead letters (all or --id)");
    data(c);
    c->add_option("--id", o->id, "One dead letter's id");
    c->callback([o, verb] { std::exit(dlq(*o, verb)); });
  }
  auto* list_cmd = ev->add_subcommand("list", "Archived events in commit order");
  data(list_cmd);
  list_cmd->add_option("--type", o->type, "Only this event type");
  list_cmd->add_option("--correlation-id", o->correlation_id, "Only this correlation id");
  list_cmd->add_option("--since", o->since, "Only events at or after this time (ISO 8601)");
  list_cmd->callback([o] { std::exit(list(*o)); });
  auto* replay_cmd = ev->add_subcommand("replay", "Deliver a time window of events again");
  data(replay_cmd);
  replay_cmd->add_option("--from", o->from, "Window start (ISO 8601)")->required();
  replay_cmd->add_option("--to", o->to, "Window end (ISO 8601)")->required();
  replay_cmd->add_option("--rule", o->rule, "Only this rule's targets");
  replay_cmd->callback([o] { std::exit(replay(*o)); });
  auto* tail_cmd = ev->add_subcommand("tail", "Follow new events as they commit");
  data(tail_cmd);
  tail_cmd->callback([o] { std::exit(tail(*o)); });
}

}  // namespace centli::app
