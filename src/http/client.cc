// Blocking HTTP/1.1 client on Beast. Each step (connect, handshake, write, read) is started
// asynchronously and the call's own io_context is run until it completes, so Beast's stream
// timer enforces one deadline over the whole exchange and a stop request ends the run at once.
#include "http/client.h"

#include <netdb.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "util/limits.h"

namespace centli::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using SysError = boost::system::error_code;
using Deadline = std::chrono::steady_clock::time_point;

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool has_control_break(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::expected<std::uint16_t, std::string> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > 65535) {
    return std::unexpected("bad port '" + std::string(text) + "' in URL");
  }
  return static_cast<std::uint16_t>(value);
}

// Splits "host", "host:port", "[v6]" or "[v6]:port".
std::expected<void, std::string> parse_authority(std::string_view authority, Url& url) {
  if (authority.find('@') != std::string_view::npos) {
    return std::unexpected("user info in URL is not supported");
  }
  std::string_view host = authority;
  std::optional<std::string_view> port;
  if (authority.starts_with('[')) {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::unexpected("unclosed '[' in URL host");
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return std::unexpected("bad port in URL");
    if (!rest.empty()) port = rest.substr(1);
  } else if (std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::unexpected("missing host in URL");
  if (has_control_break(host) || host.find_first_of(" /?#") != std::string_view::npos) {
    return std::unexpected("bad host in URL");
  }
  url.host.assign(host);
  url.port = url.tls ? 443 : 80;
  if (port) {
    auto number = parse_port(*port);
    if (!number) return std::unexpected(number.error());
    url.port = *number;
  }
  return {};
}

SysError timed_out_as(const SysError& ec) {
  return ec == beast::error::timeout ? SysError(net::error::timed_out) : ec;
}

constexpr std::string_view kAborted = "aborted: the sender is stopping";

// Runs one asynchronous step to completion on the call's io_context. A stop requested before
// restart() is seen by the check; one requested later stops the io_context (the stop callback
// of send_http/send_https), so run() returns with the step unfinished: operation_aborted. The
// caller then returns without running the io_context again, so the step's handler, which
// refers to this frame, is destroyed without being called.
template <class Start>
SysError run_step(net::io_context& ioc, const std::stop_token& stop, Start&& start) {
  SysError result = net::error::would_block;
  start([&result](const SysError& ec, auto&&...) { result = ec; });
  ioc.restart();
  if (!stop.stop_requested()) ioc.run();
  if (result == net::error::would_block) return net::error::operation_aborted;
  return timed_out_as(result);
}

std::string failure(std::string_view step, const SysError& ec, int timeout_ms) {
  if (ec == net::error::timed_out) {
    return std::string(step) + " timed out (exchange limit " + std::to_string(timeout_ms) + " ms)";
  }
  return std::string(step) + " failed: " + ec.message();
}

bhttp::request<bhttp::string_body> build_request(const ClientRequest& request, const Url& url) {
  bhttp::request<bhttp::string_body> message;
  message.method_string(request.method);
  message.target(url.target);
  message.version(11);
  bool default_port = url.port == (url.tls ? 443 : 80);
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  message.set(bhttp::field::host, default_port ? host : host + ":" + std::to_string(url.port));
  for (const auto& [name, value] : request.headers) message.insert(name, value);
  if (message.find(bhttp::field::user_agent) == message.end()) {
    message.set(bhttp::field::user_agent, "centli");
  }
  message.set(bhttp::field::connection, "close");
  message.body() = request.body;
  message.prepare_payload();
  return message;
}

std::expected<void, std::string> check_request(const ClientRequest& request) {
  if (request.timeout_ms <= 0 || request.timeout_ms > limits::kClientTimeoutMsMax) {
    return std::unexpected("timeout_ms must be between 1 and " +
                           std::to_string(limits::kClientTimeoutMsMax));
  }
  if (!is_token(request.method)) return std::unexpected("bad HTTP method '" + request.method + "'");
  for (const auto& [name, value] : request.headers) {
    if (!is_token(name) || has_control_break(value)) {
      return std::unexpected("bad request header '" + name + "'");
    }
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return static_cast<char>(c | 0x20); });
    if (lower == "host" || lower == "content-length" || lower == "transfer-encoding" ||
        lower == "connection") {
      return std::unexpected("header '" + name + "' is set by the client itself");
    }
  }
  return {};
}

// A host name lookup on a thread of its own: getaddrinfo cannot be interrupted, so the caller
// waits for it only until its deadline or a stop and then leaves it behind (asio's resolver
// would instead join its thread when the call's io_context is destroyed).
struct Lookup {
  std::mutex mu;
  std::condition_variable_any cv;
  bool done = false;
  int rc = 0;
  std::vector<tcp::endpoint> found;
};

std::atomic<std::size_t> g_lookups_pending{0};

void run_lookup(const std::shared_ptr<Lookup>& lookup, const std::string& host,
                std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
  std::vector<tcp::endpoint> found;
  for (const addrinfo* a = list; rc == 0 && a != nullptr; a = a->ai_next) {
    tcp::endpoint endpoint;
    if (a->ai_addrlen > endpoint.capacity()) continue;
    std::memcpy(endpoint.data(), a->ai_addr, a->ai_addrlen);
    endpoint.resize(a->ai_addrlen);
    found.push_back(endpoint);
  }
  if (list != nullptr) ::freeaddrinfo(list);
  {
    std::lock_guard lock(lookup->mu);
    lookup->rc = rc;
    lookup->found = std::move(found);
    lookup->done = true;
  }
  lookup->cv.notify_all();
}

// Starts a lookup of url.host; fails when too many are still pending.
std::expected<std::shared_ptr<Lookup>, std::string> start_lookup(const Url& url) {
  if (g_lookups_pending.fetch_add(1) >= limits::kClientLookupsPendingMax) {
    g_lookups_pending.fetch_sub(1);
    return std::unexpected("resolving " + url.host + ": too many name lookups pending");
  }
  auto lookup = std::make_shared<Lookup>();
  try {
    std::thread([lookup, host = url.host, port = url.port] {
      run_lookup(lookup, host, port);
      g_lookups_pending.fetch_sub(1);
    }).detach();
  } catch (const std::exception& e) {
    g_lookups_pending.fetch_sub(1);
    return std::unexpected("resolving " + url.host + " failed: " + e.what());
  }
  return lookup;
}

// Resolves url.host, or takes it as an address literal without asking the resolver.
std::expected<std::vector<tcp::endpoint>, std::string> resolve(const Url& url, Deadline deadline,
                                                               const std::stop_token& stop,
                                                               int timeout_ms) {
  SysError ec;
  auto address = net::ip::make_address(url.host, ec);
  if (!ec) return std::vector<tcp::endpoint>{tcp::endpoint(address, url.port)};
  auto lookup = start_lookup(url);
  if (!lookup) return std::unexpected(lookup.error());
  Lookup& l = **lookup;
  std::unique_lock lock(l.mu);
  if (!l.cv.wait_until(lock, stop, deadline, [&l] { return l.done; })) {
    if (stop.stop_requested()) return std::unexpected(std::string(kAborted));
    return std::unexpected(failure("resolving " + url.host, net::error::timed_out, timeout_ms));
  }
  if (l.rc != 0) {
    return std::unexpected("resolving " + url.host + " failed: " + ::gai_strerror(l.rc));
  }
  if (l.found.empty()) return std::unexpected("resolving " + url.host + " found no address");
  return std::move(l.found);
}

// Writes the request and reads the response on a connected (and, for TLS, handshaken) stream.
template <class Stream>
std::expected<ClientResponse, std::string> exchange(net::io_context& ioc, Stream& stream,
                                                    beast::tcp_stream& tcp_layer,
                                                    const ClientRequest& request, const Url& url,
                                                    Deadline deadline,
                                                    const std::stop_token& stop) {
  auto message = build_request(request, url);
  tcp_layer.expires_at(deadline);
  SysError ec =
      run_step(ioc, stop, [&](auto handler) { bhttp::async_write(stream, message, handler); });
  if (ec) return std::unexpected(failure("writing the request", ec, request.timeout_ms));

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(limits::kClientResponseBodyBytesMax);
  parser.header_limit(static_cast<std::uint32_t>(limits::kClientResponseHeaderBytesMax));
  tcp_layer.expires_at(deadline);
  ec = run_step(ioc, stop,
                [&](auto handler) { bhttp::async_read_header(stream, buffer, parser, handler); });
  // The header is read on its own because Beast 1.74 loses its Content-Length limit check when
  // eager parsing runs past the header in the same buffer.
  auto length = ec ? boost::none : parser.content_length();
  if (ec == bhttp::error::body_limit || (length && *length > limits::kClientResponseBodyBytesMax)) {
    return std::unexpected("response body exceeds " +
                           std::to_string(limits::kClientResponseBodyBytesMax) + " bytes");
  }
  if (!ec && !parser.is_done()) {
    ec = run_step(ioc, stop,
                  [&](auto handler) { bhttp::async_read(stream, buffer, parser, handler); });
  }
  if (ec == bhttp::error::body_limit) {
    return std::unexpected("response body exceeds " +
                           std::to_string(limits::kClientResponseBodyBytesMax) + " bytes");
  }
  if (ec) return std::unexpected(failure("reading the response", ec, request.timeout_ms));
  auto response = parser.release();
  ClientResponse out{static_cast<int>(response.result_int()), std::move(response.body())};
  for (const auto& field : response) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c); });
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  return out;
}

}  // namespace

std::string_view ClientResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return {};
}

std::expected<Url, std::string> parse_url(std::string_view text) {
  if (text.size() > limits::kClientUrlBytesMax) {
    return std::unexpected("URL longer than " + std::to_string(limits::kClientUrlBytesMax) +
                           " bytes");
  }
  std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::unexpected("URL has no scheme");
  std::string scheme(text.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](char c) { return static_cast<char>(c | 0x20); });
  Url url;
  if (scheme == "https") {
    url.tls = true;
  } else if (scheme != "http") {
    return std::unexpected("unsupported URL scheme '" + scheme + "' (http or https)");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) return std::unexpected("fragment in URL");
  if (has_control_break(rest) || rest.find(' ') != std::string_view::npos) {
    return std::unexpected("URL contains spaces or control characters");
  }
  std::size_t path_start = rest.find_first_of("/?");
  auto authority = parse_authority(rest.substr(0, path_start), url);
  if (!authority) return std::unexpected(authority.error());
  url.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (url.target.starts_with('?')) url.target.insert(0, "/");
  return url;
}

struct Client::Impl {
  // Built once: loading the system trust store costs milliseconds. An SSL_CTX is safe to share
  // between threads once configured.
  ssl::context tls{ssl::context::tls_client};
  std::string tls_error;  // why https is unavailable, or empty

  std::expected<ClientResponse, std::string> send_http(const ClientRequest& request, const Url& url,
                                                       const std::stop_token& stop) const;
  std::expected<ClientResponse, std::string> send_https(const ClientRequest& request,
                                                        const Url& url,
                                                        const std::stop_token& stop);
};

Client::Client() : impl_(std::make_unique<Impl>()) {
  SysError ec;
  impl_->tls.set_default_verify_paths(ec);
  if (!ec) impl_->tls.set_verify_mode(ssl::verify_peer, ec);
  if (ec) impl_->tls_error = "https unavailable: " + ec.message();
}

Client::~Client() = default;

std::expected<ClientResponse, std::string> Client::send(const ClientRequest& request,
                                                        std::stop_token stop) const {
  if (auto checked = check_request(request); !checked) return std::unexpected(checked.error());
  auto url = parse_url(request.url);
  if (!url) return std::unexpected(url.error());
  try {
    auto response =
        url->tls ? impl_->send_https(request, *url, stop) : impl_->send_http(request, *url, stop);
    // Whatever step failed, a failure after a stop request is the stop's doing.
    if (!response && stop.stop_requested()) return std::unexpected(std::string(kAborted));
    return response;
  } catch (const std::exception& e) {
    return std::unexpected(std::string("HTTP client failure: ") + e.what());
  }
}

std::expected<ClientResponse, std::string> Client::Impl::send_http(
    const ClientRequest& request, const Url& url, const std::stop_token& stop) const {
  Deadline deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(request.timeout_ms);
  auto endpoints = resolve(url, deadline, stop, request.timeout_ms);
  if (!endpoints) return std::unexpected(endpoints.error());
  net::io_context ioc(1);
  // Declared after ioc, so it is unregistered before ioc is destroyed.
  std::stop_callback abort(stop, [&ioc] { ioc.stop(); });
  beast::tcp_stream stream(ioc);
  stream.expires_at(deadline);
  SysError ec =
      run_step(ioc, stop, [&](auto handler) { stream.async_connect(*endpoints, handler); });
  if (ec) {
    return std::unexpected(failure("connecting to " + url.host + ":" + std::to_string(url.port), ec,
                                   request.timeout_ms));
  }
  auto response = exchange(ioc, stream, stream, request, url, deadline, stop);
  SysError ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return response;
}

std::expected<ClientResponse, std::string> Client::Impl::send_https(const ClientRequest& request,
                                                                    const Url& url,
                                                                    const std::stop_token& stop) {
  if (!tls_error.empty()) return std::unexpected(tls_error);
  Deadline deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(request.timeout_ms);
  auto endpoints = resolve(url, deadline, stop, request.timeout_ms);
  if (!endpoints) return std::unexpected(endpoints.error());
  net::io_context ioc(1);
  std::stop_callback abort(stop, [&ioc] { ioc.stop(); });
  beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
  // SNI is for names only (RFC 6066); the certificate is checked against the host either way.
  SysError ec;
  net::ip::make_address(url.host, ec);
  if (ec && !SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
    return std::unexpected("TLS setup failed: cannot set server name");
  }
  stream.set_verify_callback(ssl::host_name_verification(url.host));
  beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_at(deadline);
  ec = run_step(ioc, stop, [&](auto handler) { tcp_layer.async_connect(*endpoints, handler); });
  if (ec) {
    return std::unexpected(failure("connecting to " + url.host + ":" + std::to_string(url.port), ec,
                                   request.timeout_ms));
  }
  tcp_layer.expires_at(deadline);
  ec = run_step(ioc, stop,
                [&](auto handler) { stream.async_handshake(ssl::stream_base::client, handler); });
  if (ec) return std::unexpected(failure("TLS handshake", ec, request.timeout_ms));
  // The peer closing without close_notify after a complete response is common and harmless.
  return exchange(ioc, stream, tcp_layer, request, url, deadline, stop);
}

}  // namespace centli::http
