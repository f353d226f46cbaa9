// HTTP/1.1 server on Boost.Beast: keep-alive, a pool of I/O threads, graceful stop.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "http/message.h"

namespace centli::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  unsigned threads = 0;       // 0: one per core
};

// Builds the response sent for a request the server refuses before the handler sees it
// (body over the limit, malformed HTTP). `status` is 400 or 413; `code` a stable error code.
using RefusalFactory =
    std::function<Response(int status, std::string_view code, std::string_view detail)>;

class Server {
 public:
  Server(ServerOptions options, Handler handler, RefusalFactory refuse);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens. Fails with a message when the address cannot be bound.
  std::expected<void, std::string> start();
  // The bound port (after start()).
  std::uint16_t port() const;
  // Runs the I/O threads until stop(); returns after every in-flight request was answered.
  void run();
  // Thread-safe and signal-safe to call from another thread: stops accepting, lets in-flight
  // requests finish (bounded), then makes run() return.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centli::http
