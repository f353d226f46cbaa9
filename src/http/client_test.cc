#include "http/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stop_token>
#include <string>
#include <thread>

namespace centli::http {
namespace {

using namespace std::chrono_literals;

// A loopback listener that never accepts: the kernel completes the handshake, nobody answers.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 8);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() {
    close();
    if (accepted_ >= 0) ::close(accepted_);
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::uint16_t port() const { return port_; }
  // Blocks until a client connects; the connection is kept open and never answered.
  void accept_one() { accepted_ = ::accept(fd_, nullptr, nullptr); }

 private:
  int fd_ = -1;
  int accepted_ = -1;
  std::uint16_t port_ = 0;
};

TEST(ClientSend, TimesOutAgainstAListenerThatNeverAnswers) {
  SilentListener listener;
  Client client;
  auto begin = std::chrono::steady_clock::now();
  auto response = client.send({.url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/",
                               .body = "{}",
                               .timeout_ms = 200});
  auto elapsed = std::chrono::steady_clock::now() - begin;
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().find("timed out (exchange limit 200 ms)"), std::string::npos)
      << response.error();
  // Not before its time; how long after depends on the machine's load, so no upper bound:
  // without the timeout the call would never return.
  EXPECT_GE(elapsed, 200ms);
}

// Shutdown abandons webhook deliveries in flight (issue 9, item 3): a stop ends an exchange at
// once, long before its deadline, with an "aborted" failure the bus can tell from a timeout.
TEST(ClientSend, StopAbortsAnExchangeInFlight) {
  SilentListener listener;
  std::stop_source stop;
  std::thread stopper([&] {
    listener.accept_one();  // the exchange is under way: connected, writing or reading
    stop.request_stop();
  });
  Client client;
  auto response = client.send({.url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/",
                               .body = "{}",
                               .timeout_ms = 30'000},
                              stop.get_token());
  stopper.join();
  // "aborted", not "timed out": the stop ended it, not the 30 s deadline.
  ASSERT_FALSE(response.has_value());
  EXPECT_TRUE(response.error().starts_with("aborted")) << response.error();
}

TEST(ClientSend, StopRequestedBeforehandSendsNothing) {
  SilentListener listener;
  std::stop_source stop;
  stop.request_stop();
  Client client;
  auto response = client.send(
      {.url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/", .timeout_ms = 30'000},
      stop.get_token());
  ASSERT_FALSE(response.has_value());
  EXPECT_TRUE(response.error().starts_with("aborted")) << response.error();
}

// Host names are looked up on a thread of their own (so a stop or the deadline never waits
// for the system resolver); the lookup's addresses are then connected to as before.
TEST(ClientSend, LooksUpAHostNameAndConnectsToIt) {
  SilentListener listener;
  std::uint16_t port = listener.port();
  listener.close();
  Client client;
  auto response = client.send({.url = "http://localhost:" + std::to_string(port) + "/hook"});
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().find("connecting to localhost:" + std::to_string(port)),
            std::string::npos)
      << response.error();
  EXPECT_NE(response.error().find("refused"), std::string::npos) << response.error();
}

TEST(ClientSend, ReportsARefusedConnection) {
  SilentListener listener;
  std::uint16_t port = listener.port();
  listener.close();  // nothing listens on the port any more
  Client client;
  auto response = client.send({.url = "http://127.0.0.1:" + std::to_string(port) + "/hook"});
  ASSERT_FALSE(response.has_value());
  EXPECT_NE(response.error().find("connecting to 127.0.0.1"), std::string::npos)
      << response.error();
  EXPECT_NE(response.error().find("refused"), std::string::npos) << response.error();
}

TEST(ClientSend, RefusesRequestsItCannotSendSafely) {
  struct Case {
    ClientRequest request;
    std::string error_part;
  };
  const Case cases[] = {
      {{.url = "http://127.0.0.1:1/", .timeout_ms = 0}, "timeout_ms"},
      {{.url = "http://127.0.0.1:1/", .timeout_ms = 3'600'000}, "timeout_ms"},
      {{.url = "http://127.0.0.1:1/", .method = "PO ST"}, "bad HTTP method"},
      {{.url = "http://127.0.0.1:1/", .headers = {{"X-A", "1\r\nX-B: 2"}}}, "bad request header"},
      {{.url = "http://127.0.0.1:1/", .headers = {{"Content-Length", "3"}}}, "set by the client"},
      {{.url = "gopher://127.0.0.1/"}, "unsupported URL scheme"},
  };
  Client client;
  for (const auto& [request, error_part] : cases) {
    auto response = client.send(request);
    ASSERT_FALSE(response.has_value()) << request.url;
    EXPECT_NE(response.error().find(error_part), std::string::npos) << response.error();
  }
}

TEST(ParseUrl, RejectsBadUrlsWithAClearReason) {
  struct Case {
    std::string url;
    std::string error_part;
  };
  const Case cases[] = {
      {"ftp://example.com/x", "unsupported URL scheme 'ftp'"},
      {"example.com/hook", "no scheme"},
      {"http:///hook", "missing host"},
      {"http://:8080/hook", "missing host"},
      {"http://[]:8080/hook", "missing host"},
      {"http://example.com:/hook", "bad port"},
      {"http://example.com:0/hook", "bad port"},
      {"http://example.com:65536/hook", "bad port"},
      {"http://example.com:8o/hook", "bad port"},
      {"http://[::1/hook", "unclosed '['"},
      {"http://user:pw@example.com/", "user info"},
      {"http://example.com/a#frag", "fragment"},
      {"http://example.com/a b", "spaces"},
      {"http://example.com/" + std::string(3000, 'a'), "URL longer than"},
  };
  for (const auto& [url, error_part] : cases) {
    auto parsed = parse_url(url);
    ASSERT_FALSE(parsed.has_value()) << url;
    EXPECT_NE(parsed.error().find(error_part), std::string::npos) << url << ": " << parsed.error();
  }
}

TEST(ParseUrl, SplitsGoodUrls) {
  struct Case {
    std::string url;
    bool tls;
    std::string host;
    std::uint16_t port;
    std::string target;
  };
  const Case cases[] = {
      {"http://127.0.0.1:8080/hooks/a?x=1", false, "127.0.0.1", 8080, "/hooks/a?x=1"},
      {"https://hooks.example.com", true, "hooks.example.com", 443, "/"},
      {"HTTP://example.com?x=1", false, "example.com", 80, "/?x=1"},
      {"http://[::1]:9000/h", false, "::1", 9000, "/h"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_url(c.url);
    ASSERT_TRUE(parsed.has_value()) << c.url << ": " << parsed.error();
    EXPECT_EQ(parsed->tls, c.tls) << c.url;
    EXPECT_EQ(parsed->host, c.host) << c.url;
    EXPECT_EQ(parsed->port, c.port) << c.url;
    EXPECT_EQ(parsed->target, c.target) << c.url;
  }
}

}  // namespace
}  // namespace centli::http
