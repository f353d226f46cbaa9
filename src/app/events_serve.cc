#include "app/events_serve.h"

#include <fstream>
#include <sstream>

#include "actions/dispatcher.h"
#include "events/admin.h"
#include "events/bus.h"
#include "store/events.h"

namespace centli::app {
namespace {

std::expected<std::string, std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected("cannot read rules file " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

http::Response json_reply(int status, std::string body, const std::string& correlation) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("X-Correlation-Id", correlation);
  return r;
}

}  // namespace

void add_events_serve_options(CLI::App& serve, EventsServeOptions& o) {
  serve.add_option("--rules", o.rules_file, "Event rules file (JSON, docs/events.md)");
  serve.add_option("--backoff-base-ms", o.backoff_base_ms, "First retry delay ceiling (ms)")
      ->check(CLI::Range(std::int64_t{0}, limits::kBackoffCapMsMax));
  serve.add_option("--backoff-cap-ms", o.backoff_cap_ms, "Largest retry delay (ms)")
      ->check(CLI::Range(std::int64_t{0}, limits::kBackoffCapMsMax));
  serve.add_option("--event-retention-days", o.retention_days, "Event archive retention (days)")
      ->check(CLI::Range(std::int64_t{1}, limits::kArchiveRetentionDaysMax));
  serve.add_flag(
      "--test-consumer", o.test_consumer,
      "TEST ONLY, needs CENTLI_TEST_MODE=1: register the test_consumer internal consumer");
  serve
      .add_option("--test-delivery-lease-ms", o.test_delivery_lease_ms,
                  "TEST ONLY, needs CENTLI_TEST_MODE=1: delivery lease (ms) instead of 60000")
      ->check(CLI::Range(std::int64_t{1}, limits::kDeliveryLeaseMs));
}

std::expected<void, std::string> start_events(Runtime& rt, const EventsServeOptions& o) {
  events::BusOptions bus;
  bus.backoff_base_ms = o.backoff_base_ms;
  bus.backoff_cap_ms = o.backoff_cap_ms;
  bus.retention_days = o.retention_days;
  if (!o.rules_file.empty()) {
    auto text = read_file(o.rules_file);
    if (!text) return std::unexpected(text.error());
    auto rules = events::parse_rules(*text);
    if (!rules) return std::unexpected(o.rules_file + ": " + rules.error());
    bus.rules = std::move(*rules);
  }
  if (o.test_delivery_lease_ms > 0) {
    const std::string lease = std::to_string(o.test_delivery_lease_ms);
    if (auto allowed = require_test_mode("--test-delivery-lease-ms",
                                         "{\"test_delivery_lease_ms\":" + lease + "}");
        !allowed) {
      return allowed;
    }
    bus.delivery_lease_ms = o.test_delivery_lease_ms;
  }
  if (o.test_consumer) {
    if (auto allowed = require_test_mode("--test-consumer", "{}"); !allowed) return allowed;
    rt.bus->register_consumer(
        "test_consumer", R"({"event_type":["TRANSFER_COMPLETED"]})",
        // Counts applications per event, so a test can see each applied exactly once.
        [](store::WriteTx& tx, const events::Envelope& e) -> std::expected<void, Error> {
          if (auto r = tx.inbox().test_count_application(e.event_id); !r) {
            return std::unexpected(Error{ErrorCode::kInternal, r.error().message, "", ""});
          }
          return {};
        });
  }
  return rt.bus->start(std::move(bus));
}

void add_events_routes(agents::Router& router, Runtime& rt) {
  auto handler = [&router, &rt](http::Request&& req, std::string correlation,
                                http::Responder respond) {
    auto fail = [&](Error e) {
      respond(agents::Router::render(actions::Dispatcher::problem(e, correlation), correlation));
    };
    auto caller = router.authenticate(req);
    if (!caller) return fail(caller.error());
    if (!caller->principal.has(auth::kAdmin)) {
      return fail(Error{ErrorCode::kForbidden, "this route needs the admin scope", "", ""});
    }
    std::string id;
    if (req.query.starts_with("id=")) {
      auto decoded = agents::Router::url_decode(std::string_view(req.query).substr(3));
      if (!decoded) return fail(Error::invalid("id", "malformed id"));
      id = *decoded;
    }
    if (req.method == "GET") {
      auto rows = events::dlq_list(*rt.store, id);
      if (!rows) return fail(Error{ErrorCode::kInternal, rows.error(), "", ""});
      return respond(json_reply(200, events::dead_letters_json(*rows), correlation));
    }
    auto n = req.method == "POST" ? events::dlq_redrive(*rt.store, id)
                                  : events::dlq_purge(*rt.store, id);
    if (!n) return fail(Error{ErrorCode::kUnavailable, n.error(), "", ""});
    const char* verb = req.method == "POST" ? "redriven" : "purged";
    respond(
        json_reply(200, std::string("{\"") + verb + "\":" + std::to_string(*n) + "}", correlation));
  };
  for (const char* method : {"GET", "POST", "DELETE"}) {
    router.add(agents::ExtraRoute{method, "/v1/admin/events/dlq", handler});
  }
}

}  // namespace centli::app
