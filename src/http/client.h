// Blocking HTTP/1.1 client for outgoing webhooks: one request, one response, one deadline.
// No Beast types here; only client.cc includes Beast and Asio.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace centli::http {

struct ClientRequest {
  std::string url;  // http://host[:port]/path?query or https://...
  std::string method = "POST";
  std::vector<std::pair<std::string, std::string>> headers{};  // Host, Content-Length: set
  std::string body{};
  int timeout_ms = 5000;  // whole exchange: resolve, connect, TLS handshake, write, read
};

struct ClientResponse {
  int status = 0;
  std::string body{};
  std::vector<std::pair<std::string, std::string>> headers{};  // names in lower case

  // The first value of the header `name` (lower case), or "" when absent.
  std::string_view header(std::string_view name) const;
};

// A URL split into what a connection needs.
struct Url {
  bool tls = false;        // https
  std::string host;        // name or address, IPv6 without brackets
  std::uint16_t port = 0;  // explicit, or 80 / 443 by scheme
  std::string target;      // path and query, "/" when the URL has none
};

// Parses an absolute http or https URL. Fails with a message naming the fault: unsupported
// scheme, missing host, bad port, user info, fragment, or a URL over limits::kClientUrlBytesMax.
std::expected<Url, std::string> parse_url(std::string_view url);

class Client {
 public:
  Client();
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends the request and waits for the whole response. Any status is a success (the caller
  // decides what a 500 means); a failure is a message: invalid request or URL, resolve,
  // connect, TLS or I/O error, timeout after request.timeout_ms (at most
  // limits::kClientTimeoutMsMax), or a response body over limits::kClientResponseBodyBytesMax.
  // When `stop` is requested the call returns at once, whatever step it is in (name lookup
  // included), with a message starting "aborted"; the peer may have received some or all of
  // the request. https verifies the server certificate against the system trust store and the
  // host name, with SNI. Thread-safe: each call uses its own io_context and connection. A host
  // name is looked up on a thread of its own that the call leaves behind on its deadline or a
  // stop (at most limits::kClientLookupsPendingMax such lookups at once); an address literal
  // needs no lookup.
  std::expected<ClientResponse, std::string> send(const ClientRequest& request,
                                                  std::stop_token stop = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace centli::http
