// `centli serve`: the HTTP server on the embedded store.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <thread>

#include "agents/doors.h"
#include "agents/router.h"
#include "app/commands.h"
#include "app/events_serve.h"
#include "app/local_server.h"
#include "app/market_serve.h"
#include "app/runtime.h"
#include "domain/money.h"
#include "http/server.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "store/events.h"
#include "util/clock.h"

namespace centli::app {
namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  RuntimeOptions runtime;
  unsigned threads = 0;
  std::string transfer_limit;
  std::string daily_limit;
  std::string log_level = "info";
  EventsServeOptions events;
  MarketServeOptions market;
};

std::expected<std::pair<std::string, std::uint16_t>, std::string> parse_listen(std::string_view s) {
  const auto colon = s.rfind(':');
  if (colon == std::string_view::npos) return std::unexpected("--listen needs HOST:PORT");
  unsigned port = 0;
  auto tail = s.substr(colon + 1);
  auto [p, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), port);
  if (ec != std::errc() || p != tail.data() + tail.size() || port > 65535) {
    return std::unexpected("--listen has a bad port");
  }
  std::string host(s.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

std::optional<obs::Level> parse_level(std::string_view s) {
  if (s == "debug") return obs::Level::kDebug;
  if (s == "info") return obs::Level::kInfo;
  if (s == "warn") return obs::Level::kWarn;
  if (s == "error") return obs::Level::kError;
  return std::nullopt;
}

std::expected<void, std::string> apply_limit(const std::string& text, std::int64_t& out,
                                             std::string_view flag) {
  if (text.empty()) return {};
  auto v = money::read_amount(text);
  if (!v) return std::unexpected(std::string(flag) + ": " + v.error());
  if (*v <= 0) return std::unexpected(std::string(flag) + " must be a positive amount");
  out = *v;
  return {};
}

int serve(ServeOptions o) {
  auto level = parse_level(o.log_level);
  auto listen = parse_listen(o.listen);
  if (!level || !listen) {
    std::cerr << "centli: "
              << (!level ? "--log-level is debug, info, warn or error" : listen.error()) << "\n";
    return kExitUsage;
  }
  for (auto r :
       {apply_limit(o.transfer_limit, o.runtime.banking.transfer_amount_minor_max,
                    "--transfer-limit"),
        apply_limit(o.daily_limit, o.runtime.banking.daily_outflow_minor_max, "--daily-limit")}) {
    if (!r) {
      std::cerr << "centli: " << r.error() << "\n";
      return kExitUsage;
    }
  }
  obs::set_level(*level);
  // Signals go to one thread that stops the server; every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto rt = open_runtime(o.runtime);
  if (!rt) {
    std::cerr << "centli: " << rt.error() << "\n";
    return kExitUnavailable;
  }
  Runtime& r = **rt;
  auto saga = start_market(r, o.market);
  if (!saga) {
    std::cerr << "centli: " << saga.error() << "\n";
    return kExitUsage;
  }
  if (auto bus = start_events(r, o.events); !bus) {
    std::cerr << "centli: " << bus.error() << "\n";
    return kExitUsage;
  }
  // Read at each scrape of /metrics: what only the store knows.
  obs::metrics::set_sampler([&store = *r.store] {
    auto reader = store.reader();
    auto oldest = reader.tx().outbox().unrouted(1);
    if (!oldest) return;
    const std::int64_t age_ms = oldest->empty() ? 0 : util::now_ms() - oldest->front().created_ms;
    obs::metrics::set_outbox_lag_seconds(static_cast<double>(std::max<std::int64_t>(age_ms, 0)) /
                                         1000.0);
  });
  agents::Router router(r.registry, *r.dispatcher, *r.tokens);
  agents::AgentDoors agent_doors(r.registry, *r.dispatcher);
  agent_doors.install(router);
  add_events_routes(router, r);
  http::Server server(
      {listen->first, listen->second, o.threads},
      [&router](http::Request&& req, http::Responder respond) {
        router.handle(std::move(req), std::move(respond));
      },
      agents::Router::refusal);
  if (auto started = server.start(); !started) {
    std::cerr << "centli: " << started.error() << "\n";
    return kExitUnavailable;
  }
  // Tools beside a server on the embedded store reach it through its data directory; a shared
  // store they open themselves.
  const std::string data_dir = o.runtime.store.shared() ? "" : r.store->data_dir();
  if (!data_dir.empty()) publish_local_server(data_dir, listen->first, server.port(), *r.tokens);
  std::thread signal_thread([&server, &data_dir, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    obs::log(obs::Level::kInfo, "stopping: signal received");
    if (!data_dir.empty()) withdraw_local_server(data_dir);  // first, so tools stop coming here
    server.stop();
  });
  const std::string details =
      "{\"listen\":\"" + listen->first + ":" + std::to_string(server.port()) +
      "\",\"schema_version\":" + std::to_string(r.store->schema_version()) + "}";
  obs::log(obs::Level::kInfo, "centli serving", {"", "", "", "", details});
  server.run();
  if (!data_dir.empty()) withdraw_local_server(data_dir);
  obs::metrics::set_sampler(nullptr);
  (*saga)->stop();
  r.bus->stop();
  r.store->close();
  obs::log(obs::Level::kInfo, "centli stopped cleanly");
  // The signal thread is parked in sigwait unless a signal ended the run.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return kExitOk;
}

}  // namespace

void add_serve(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Serve the HTTP API on the embedded store");
  auto o = std::make_shared<ServeOptions>();
  cmd->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->envname("CENTLI_LISTEN");
  add_store_flags(cmd, o->runtime.store, "Data directory (the embedded store)");
  cmd->add_flag("--demo", o->runtime.demo, "Load the demo bank on first start");
  cmd->add_option("--threads", o->threads, "I/O threads (default: one per core)");
  cmd->add_option("--transfer-limit", o->transfer_limit,
                  "Largest single transfer in major units (default 50000.00)");
  cmd->add_option("--daily-limit", o->daily_limit,
                  "Largest daily outflow to other people per person (default 100000.00)");
  cmd->add_option("--log-level", o->log_level, "debug, info, warn or error")
      ->envname("CENTLI_LOG_LEVEL");
  add_events_serve_options(*cmd, o->events);
  add_market_serve_options(*cmd, o->market);
  cmd->callback([o] { std::exit(serve(*o)); });
}

}  // namespace centli::app
