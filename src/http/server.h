// HTTP/1.1 server on Boost.Beast: keep-alive, a pool of I/O threads, graceful stop.
// Beast and Asio stay inside server.cc; this header only speaks http/message.h.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "http/message.h"
#include "util/limits.h"

namespace centli::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  unsigned threads = 0;       // 0: one per core
  // A keep-alive connection idle this long, or a request (or response) taking this long to
  // cross the wire, is closed. Values outside 1..limits::kIdleTimeoutMs mean the limit.
  int idle_timeout_ms = limits::kIdleTimeoutMs;
  // How long stop() lets requests in flight finish before it closes them. Values outside
  // 1..limits::kShutdownGraceMs mean the limit.
  int shutdown_grace_ms = limits::kShutdownGraceMs;
  // Test-only: the monotonic clock, in milliseconds, that idle deadlines are measured on; read
  // once when the server is built and then on each periodic sweep (every half second), so a
  // test can stand it still or move it past a deadline. Empty: std::chrono::steady_clock.
  std::function<std::int64_t()> test_clock_ms;
};

// Builds the response sent for a request the server refuses before the handler sees it, or
// when the handler throws. `status` and `code`: 413 "payload_too_large" (body over
// limits::kRequestBodyBytesMax), 431 "header_too_large" (header over
// limits::kRequestHeaderBytesMax), 400 "bad_request" (malformed HTTP, a missing or repeated
// Host, a Transfer-Encoding that does not end in chunked), 501 "not_implemented" (a transfer
// coding other than chunked before it), 500 "internal".
// Called on an I/O thread; must not throw (if it does, a bare JSON body is sent instead).
using RefusalFactory =
    std::function<Response(int status, std::string_view code, std::string_view detail)>;

// Requests on one connection are handled one at a time and answered in order; the handler is
// called on an I/O thread with a Request it may move from (nothing of it may be kept by
// reference), and its Responder may be called exactly once, from any thread. Responses carry
// Content-Type, Content-Length and the handler's headers (except ones that would break the
// framing: Content-Length, Content-Type, Connection, Transfer-Encoding, or CR/LF in a value).
// A refused request closes its connection; past limits::kConnectionsMax connections, new ones
// are closed at once.
class Server {
 public:
  Server(ServerOptions options, Handler handler, RefusalFactory refuse);
  // Requires: run() is not running. Closes what is left; a Responder called later does nothing.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Fails with a message when the address cannot be bound.
  std::expected<void, std::string> start();
  // The bound port (after start()).
  std::uint16_t port() const;
  // Runs the I/O threads until stop(); returns after every in-flight request was answered.
  void run();
  // Thread-safe; meant for a signal-waiting thread (not for a signal handler itself): stops
  // accepting, closes idle connections, lets in-flight requests finish with Connection: close
  // (for at most shutdown_grace_ms), then makes run() return. Before run(), makes the
  // next run() return at once.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centli::http
