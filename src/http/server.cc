// HTTP/1.1 server: Beast's incremental parser feeding centli's plain Request, hand-written
// responses, one io_context run by a pool of threads, one strand per connection.
//
// Per connection, one request at a time: the next request is parsed only after the previous
// response is written, so pipelined requests are answered in order. Buffers (read buffer,
// response head) live as long as the connection and are reused. Timeouts do not arm a timer
// per operation: each connection publishes a deadline, and one sweep timer closes the late ones.
#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "util/limits.h"

namespace centli::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using SysError = boost::system::error_code;
using Strand = net::strand<net::io_context::executor_type>;

// How much the read buffer grows per read; a typical request fits in one read.
constexpr std::size_t kReadChunkBytes = 16 * 1024;
// Resolution of idle and drain deadlines; they are tens of seconds, so half a second is exact
// enough and keeps the sweep cheap.
constexpr int kSweepPeriodMs = 500;
// Pause before accepting again after accept() failed (for instance out of descriptors), so
// the loop does not spin.
constexpr int kAcceptRetryDelayMs = 50;
constexpr std::int64_t kNoDeadline = std::numeric_limits<std::int64_t>::max();
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

void append_number(std::string& out, std::uint64_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_safe_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// A header the handler added is written only if it cannot break the framing: a token name,
// no CR/LF/NUL in the value, and not one of the headers the server itself owns.
bool is_writable_header(std::string_view name, std::string_view value) {
  if (name.empty() || !is_safe_value(value)) return false;
  for (char c : name) {
    bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return false;
  }
  return !iequals(name, "content-length") && !iequals(name, "content-type") &&
         !iequals(name, "connection") && !iequals(name, "transfer-encoding");
}

// Why a request's header cannot be framed safely: the answer's status and detail.
struct FramingRefusal {
  int status;
  std::string detail;
};

// Parses one request straight into a centli Request: no intermediate Beast message.
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  explicit RequestParser(Request& out) : out_(out) {
    body_limit(limits::kRequestBodyBytesMax);
    header_limit(static_cast<std::uint32_t>(limits::kRequestHeaderBytesMax));
    eager(true);
  }
  int version() const { return version_; }
  bool expects_continue() const { return expects_continue_; }
  // Set when the header breaks a framing rule that Beast lets through (RFC 9112 sections 3.2
  // and 6.3); the parse then fails and the connection answers this and closes.
  const std::optional<FramingRefusal>& framing_refusal() const { return framing_refusal_; }

 private:
  void on_request_impl(bhttp::verb, beast::string_view method, beast::string_view target,
                       int version, SysError&) override {
    out_.method.assign(method.data(), method.size());
    out_.target.assign(target.data(), target.size());
    version_ = version;
  }
  void on_response_impl(int, beast::string_view, int, SysError& ec) override {
    ec = bhttp::error::bad_version;  // unreachable for a request parser
  }
  void on_field_impl(bhttp::field field, beast::string_view name, beast::string_view value,
                     SysError&) override {
    if (field == bhttp::field::host) ++host_fields_;
    if (field == bhttp::field::transfer_encoding) {
      if (!transfer_coding_.empty()) transfer_coding_.append(", ");
      transfer_coding_.append(value.data(), value.size());
      ++transfer_encoding_fields_;
    }
    auto& [key, text] = out_.headers.emplace_back();
    key.resize(name.size());
    std::transform(name.begin(), name.end(), key.begin(), [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
    });
    text.assign(value.data(), value.size());
    if (key == "expect" && iequals(text, "100-continue")) expects_continue_ = true;
  }
  void on_header_impl(SysError& ec) override {
    framing_refusal_ = check_framing();
    if (framing_refusal_) ec = bhttp::error::bad_field;
  }

  // Beast reads a body only for Content-Length or a final "chunked" coding; any other
  // Transfer-Encoding would leave the body bytes to be read as the next request.
  std::optional<FramingRefusal> check_framing() const {
    if (host_fields_ > 1) return FramingRefusal{400, std::string("more than one Host header")};
    if (host_fields_ == 0 && version_ >= 11)
      return FramingRefusal{400, std::string("an HTTP/1.1 request needs a Host header")};
    if (transfer_encoding_fields_ == 0) return std::nullopt;
    if (version_ < 11)
      return FramingRefusal{400, std::string("Transfer-Encoding is not allowed in HTTP/1.0")};
    std::string_view coding = trim_ows(transfer_coding_);
    if (transfer_encoding_fields_ == 1 && iequals(coding, "chunked")) return std::nullopt;
    std::size_t last_comma = coding.rfind(',');
    std::string_view last =
        trim_ows(last_comma == std::string_view::npos ? coding : coding.substr(last_comma + 1));
    if (!iequals(last, "chunked")) {
      return FramingRefusal{400, "Transfer-Encoding '" + std::string(coding) +
                                     "' does not end in chunked: the body length is unknown"};
    }
    return FramingRefusal{
        501, "Transfer-Encoding '" + std::string(coding) + "' is not supported: only chunked is"};
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, SysError& ec) override {
    // Checked here as well: with eager parsing, Beast 1.74 goes on past a header that failed
    // its Content-Length check and calls this with that error still set; a callback that
    // cleared `ec` (as Beast's own parser does) would lose the refusal.
    if (length && *length > limits::kRequestBodyBytesMax) {
      ec = bhttp::error::body_limit;
      return;
    }
    if (length) out_.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view body, SysError& ec) override {
    return append_body(body, ec);
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, SysError&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, SysError& ec) override {
    return append_body(body, ec);
  }
  void on_finish_impl(SysError&) override {}

  std::size_t append_body(beast::string_view body, SysError& ec) {
    if (out_.body.size() + body.size() > limits::kRequestBodyBytesMax) {
      ec = bhttp::error::body_limit;
      return 0;
    }
    out_.body.append(body.data(), body.size());
    return body.size();
  }

  Request& out_;
  int version_ = 11;
  bool expects_continue_ = false;
  int host_fields_ = 0;
  int transfer_encoding_fields_ = 0;
  std::string transfer_coding_;  // the Transfer-Encoding field values, joined by ", "
  std::optional<FramingRefusal> framing_refusal_;
};

class Connection;

// State shared by the listener, the connections and the Server facade. Connections and
// Responders hold it by shared_ptr, so the io_context outlives every socket.
struct Core : std::enable_shared_from_this<Core> {
  Core(ServerOptions options_in, Handler handler_in, RefusalFactory refuse_in)
      : options(std::move(options_in)),
        handler(std::move(handler_in)),
        refuse(std::move(refuse_in)),
        ioc(1),
        control(net::make_strand(ioc)),
        acceptor(control),
        sweep_timer(control),
        grace_timer(control),
        retry_timer(control) {}

  // The clock idle deadlines are measured on (ServerOptions::test_clock_ms, else steady).
  std::int64_t clock_ms() const {
    return options.test_clock_ms ? options.test_clock_ms() : steady_now_ms();
  }

  static int within(int value_ms, int max_ms) {
    return value_ms > 0 && value_ms <= max_ms ? value_ms : max_ms;
  }

  void accept();
  void on_accept(const SysError& ec, tcp::socket socket);
  void schedule_sweep();
  void sweep();
  void begin_stop();
  void finish();
  void close_everything();
  std::vector<std::shared_ptr<Connection>> snapshot();
  // Returns false when the connection cap is reached.
  bool enroll(Connection* connection, std::list<Connection*>::iterator& position);
  void withdraw(std::list<Connection*>::iterator position);
  Response refusal(int status, std::string_view code, std::string_view detail) const;

  const ServerOptions options;
  const Handler handler;
  const RefusalFactory refuse;
  const int idle_timeout_ms = within(options.idle_timeout_ms, limits::kIdleTimeoutMs);
  const int shutdown_grace_ms = within(options.shutdown_grace_ms, limits::kShutdownGraceMs);
  net::io_context ioc;  // the acceptor, the timers and the stop sequence
  // One io_context per I/O thread: a connection lives on one of them for its whole life, so
  // its handlers never hop threads and the contexts never contend for one scheduler lock.
  std::vector<std::unique_ptr<net::io_context>> workers;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> worker_guards;
  std::atomic<unsigned> next_worker{0};
  Strand control;
  tcp::acceptor acceptor;
  net::steady_timer sweep_timer;
  net::steady_timer grace_timer;
  net::steady_timer retry_timer;
  std::atomic<bool> stopping{false};             // responses now carry Connection: close
  std::atomic<bool> stop_requested{false};       // stop() ran once
  std::atomic<bool> retired{false};              // Server destroyed: late responses are dropped
  std::atomic<std::int64_t> now_ms{clock_ms()};  // coarse clock, refreshed by sweep
  std::uint16_t bound_port = 0;                  // written by start(), before run()
  bool finished = false;  // on control (or while no I/O thread runs): timers stay cancelled
  std::mutex mutex;
  std::list<Connection*> connections;  // guarded by mutex
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Core> core, tcp::socket socket)
      : core_(std::move(core)), socket_(std::move(socket)) {
    enrolled_ = core_->enroll(this, position_);
    SysError ec;
    auto endpoint = socket_.remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }
  ~Connection() {
    if (enrolled_) core_->withdraw(position_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool enrolled() const { return enrolled_; }
  const tcp::socket::executor_type& executor() { return executor_; }
  std::int64_t deadline_ms() const { return deadline_ms_.load(std::memory_order_relaxed); }

  // Everything below runs on the connection's strand.
  void start() {
    SysError ec;
    socket_.set_option(tcp::no_delay(true), ec);
    begin_request();
  }
  // For stop(): a connection waiting for the first byte of a request is closed now; any other
  // finishes its exchange, and its response says Connection: close.
  void close_if_idle() {
    bool waiting = state_ == State::kReading && buffer_.size() == 0;
    if (waiting && !(parser_ && parser_->got_some())) close();
  }
  void close_if_late() {
    if (deadline_ms() <= core_->now_ms.load(std::memory_order_relaxed)) close();
  }
  void close() {
    state_ = State::kClosed;
    set_deadline(kNoDeadline);
    SysError ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  enum class State { kReading, kContinuing, kHandling, kWriting, kDraining, kClosed };

  void set_deadline(std::int64_t deadline_ms) {
    deadline_ms_.store(deadline_ms, std::memory_order_relaxed);
  }
  void set_deadline_after(int delay_ms) {
    set_deadline(core_->now_ms.load(std::memory_order_relaxed) + delay_ms);
  }

  void begin_request() {
    request_ = Request{};
    parser_.emplace(request_);
    continue_sent_ = false;
    state_ = State::kReading;
    set_deadline_after(core_->idle_timeout_ms);
    parse_buffered();
  }

  void parse_buffered() {
    for (;;) {
      if (parser_->is_done()) return dispatch_request();
      if (parser_->is_header_done() && parser_->expects_continue() && !continue_sent_)
        return send_continue();
      if (buffer_.size() == 0) return read_some();
      SysError ec;
      std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) return read_some();
      if (ec) return refuse(ec);
      if (used == 0) return read_some();
    }
  }

  void read_some() {
    socket_.async_read_some(
        buffer_.prepare(kReadChunkBytes),
        [self = shared_from_this()](const SysError& ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(const SysError& ec, std::size_t n) {
    if (state_ == State::kClosed) return;
    if (ec) return close();
    buffer_.commit(n);
    if (state_ == State::kDraining) {
      drained_bytes_ += n;
      buffer_.consume(buffer_.size());
      if (drained_bytes_ > limits::kRefusalDrainBytesMax) return close();
      return read_some();
    }
    parse_buffered();
  }

  void send_continue() {
    continue_sent_ = true;
    state_ = State::kContinuing;
    net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](const SysError& ec, std::size_t) {
                       if (self->state_ == State::kClosed) return;
                       if (ec) return self->close();
                       self->state_ = State::kReading;
                       self->parse_buffered();
                     });
  }

  void dispatch_request() {
    request_.remote = remote_;
    std::size_t mark = request_.target.find('?');
    request_.path.assign(request_.target, 0, mark);
    if (mark != std::string::npos) request_.query.assign(request_.target, mark + 1);
    keep_alive_ = parser_->keep_alive();
    version_ = parser_->version();
    head_only_ = request_.method == "HEAD";
    state_ = State::kHandling;
    set_deadline(kNoDeadline);
    try {
      core_->handler(std::move(request_), make_responder());
    } catch (...) {
      // A throwing handler is a bug elsewhere; the client still gets an answer.
      respond(core_->refusal(500, "internal", "the request handler failed"));
    }
  }

  Responder make_responder() {
    return [self = shared_from_this()](Response response) {
      if (self->core_->retired.load(std::memory_order_relaxed)) return;
      net::dispatch(self->executor_, [self, response = std::move(response)]() mutable {
        self->respond(std::move(response));
      });
    };
  }

  void respond(Response&& response) {
    if (state_ != State::kHandling) return;  // closed meanwhile, or a second call
    response_ = std::move(response);
    bool keep = keep_alive_ && !core_->stopping.load(std::memory_order_relaxed);
    write_response(keep);
  }

  void refuse(const SysError& ec) {
    if (const auto& framing = parser_->framing_refusal()) {
      response_ = core_->refusal(framing->status,
                                 framing->status == 501 ? "not_implemented" : "bad_request",
                                 framing->detail);
    } else if (ec == bhttp::error::body_limit) {
      response_ = core_->refusal(
          413, "payload_too_large",
          "the request body exceeds " + std::to_string(limits::kRequestBodyBytesMax) + " bytes");
    } else if (ec == bhttp::error::header_limit) {
      response_ = core_->refusal(431, "header_too_large",
                                 "the request header exceeds " +
                                     std::to_string(limits::kRequestHeaderBytesMax) + " bytes");
    } else {
      response_ = core_->refusal(400, "bad_request", "malformed HTTP request: " + ec.message());
    }
    refusing_ = true;
    head_only_ = false;
    version_ = 11;
    write_response(false);
  }

  void write_response(bool keep) {
    keep_alive_ = keep;
    state_ = State::kWriting;
    set_deadline_after(core_->idle_timeout_ms);
    build_head();
    std::array<net::const_buffer, 2> buffers{
        net::buffer(head_),
        head_only_ ? net::const_buffer() : net::buffer(response_.body),
    };
    net::async_write(
        socket_, buffers,
        [self = shared_from_this()](const SysError& ec, std::size_t) { self->on_write(ec); });
  }

  void build_head() {
    int status = response_.status;
    if (status < 100 || status > 999) status = 500;
    head_.clear();
    head_.append("HTTP/1.1 ");
    append_number(head_, static_cast<std::uint64_t>(status));
    head_.push_back(' ');
    auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
    head_.append(reason.data(), reason.size());
    head_.append("\r\n");
    if (!response_.content_type.empty() && is_safe_value(response_.content_type)) {
      head_.append("Content-Type: ").append(response_.content_type).append("\r\n");
    }
    head_.append("Content-Length: ");
    append_number(head_, response_.body.size());
    head_.append("\r\n");
    for (const auto& [name, value] : response_.headers) {
      if (is_writable_header(name, value))
        head_.append(name).append(": ").append(value).append("\r\n");
    }
    if (!keep_alive_) {
      head_.append("Connection: close\r\n");
    } else if (version_ == 10) {
      head_.append("Connection: keep-alive\r\n");
    }
    head_.append("\r\n");
  }

  void on_write(const SysError& ec) {
    if (state_ == State::kClosed) return;
    if (ec) return close();
    if (refusing_) return drain();
    // A response whose write began before stop() still said keep-alive; the connection closes
    // now rather than wait, idle, for the grace period.
    if (!keep_alive_ || core_->stopping.load(std::memory_order_relaxed)) return close();
    begin_request();
  }

  // After a refusal the client may still be sending the body; reading and discarding it for a
  // bounded time lets the client read the refusal instead of a connection reset.
  void drain() {
    state_ = State::kDraining;
    set_deadline_after(limits::kRefusalDrainMs);
    drained_bytes_ = 0;
    buffer_.consume(buffer_.size());
    SysError ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    read_some();
  }

  const std::shared_ptr<Core> core_;
  tcp::socket socket_;
  tcp::socket::executor_type executor_ = socket_.get_executor();
  std::list<Connection*>::iterator position_;
  bool enrolled_ = false;
  std::atomic<std::int64_t> deadline_ms_{kNoDeadline};
  std::string remote_;

  // Strand-only state, reused across the requests of this connection.
  State state_ = State::kReading;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  Request request_;
  Response response_;
  std::string head_;
  std::size_t drained_bytes_ = 0;
  int version_ = 11;
  bool keep_alive_ = true;
  bool head_only_ = false;
  bool continue_sent_ = false;
  bool refusing_ = false;
};

bool Core::enroll(Connection* connection, std::list<Connection*>::iterator& position) {
  std::lock_guard lock(mutex);
  if (connections.size() >= limits::kConnectionsMax) return false;
  position = connections.insert(connections.end(), connection);
  return true;
}

void Core::withdraw(std::list<Connection*>::iterator position) {
  bool last = false;
  {
    std::lock_guard lock(mutex);
    connections.erase(position);
    last = connections.empty();
  }
  // Once the Server is gone nothing runs the control context; a step posted there would hold
  // the Core (which owns that context) and neither would ever be freed.
  if (last && stopping.load() && !retired.load()) {
    net::post(control, [core = shared_from_this()] { core->finish(); });
  }
}

// Live connections; the caller must drop the result outside `mutex`, since dropping the last
// reference runs ~Connection, which takes it.
std::vector<std::shared_ptr<Connection>> Core::snapshot() {
  std::vector<std::shared_ptr<Connection>> live;
  std::lock_guard lock(mutex);
  live.reserve(connections.size());
  for (Connection* connection : connections) {
    if (auto strong = connection->weak_from_this().lock()) live.push_back(std::move(strong));
  }
  return live;
}

Response Core::refusal(int status, std::string_view code, std::string_view detail) const {
  if (refuse) {
    try {
      return refuse(status, code, detail);
    } catch (...) {
      // Fall through to the plain refusal below.
    }
  }
  Response response;
  response.status = status;
  response.body = "{\"code\":\"" + std::string(code) + "\"}";
  return response;
}

void Core::accept() {
  const unsigned k = next_worker.fetch_add(1, std::memory_order_relaxed) % workers.size();
  acceptor.async_accept(workers[k]->get_executor(),
                        [core = shared_from_this()](const SysError& ec, tcp::socket socket) {
                          core->on_accept(ec, std::move(socket));
                        });
}

void Core::on_accept(const SysError& ec, tcp::socket socket) {
  if (stopping.load() || !acceptor.is_open()) return;
  if (ec) {
    retry_timer.expires_after(std::chrono::milliseconds(kAcceptRetryDelayMs));
    retry_timer.async_wait([core = shared_from_this()](const SysError& wait_ec) {
      if (!wait_ec) core->accept();
    });
    return;
  }
  auto connection = std::make_shared<Connection>(shared_from_this(), std::move(socket));
  if (connection->enrolled()) {
    net::dispatch(connection->executor(), [connection] { connection->start(); });
  }
  accept();
}

void Core::schedule_sweep() {
  sweep_timer.expires_after(std::chrono::milliseconds(kSweepPeriodMs));
  sweep_timer.async_wait([core = shared_from_this()](const SysError& ec) {
    if (ec || core->finished) return;
    core->sweep();
    core->schedule_sweep();
  });
}

void Core::sweep() {
  std::int64_t now = clock_ms();
  now_ms.store(now, std::memory_order_relaxed);
  std::vector<std::shared_ptr<Connection>> late;
  {
    std::lock_guard lock(mutex);
    for (Connection* connection : connections) {
      if (connection->deadline_ms() > now) continue;
      if (auto strong = connection->weak_from_this().lock()) late.push_back(std::move(strong));
    }
  }
  for (auto& connection : late) {
    net::post(connection->executor(), [connection] { connection->close_if_late(); });
  }
}

void Core::begin_stop() {
  SysError ec;
  acceptor.close(ec);
  retry_timer.cancel();
  bool none = false;
  {
    auto live = snapshot();
    none = live.empty();
    for (auto& connection : live) {
      net::post(connection->executor(), [connection] { connection->close_if_idle(); });
    }
  }
  grace_timer.expires_after(std::chrono::milliseconds(shutdown_grace_ms));
  grace_timer.async_wait([core = shared_from_this()](const SysError& wait_ec) {
    if (!wait_ec) core->finish();
  });
  if (none) finish();
}

void Core::finish() {
  if (finished) return;
  finished = true;
  sweep_timer.cancel();
  grace_timer.cancel();
  retry_timer.cancel();
  ioc.stop();
  worker_guards.clear();
  for (auto& worker : workers) worker->stop();
}

void Core::close_everything() {
  finished = true;
  SysError ec;
  acceptor.close(ec);
  sweep_timer.cancel();
  grace_timer.cancel();
  retry_timer.cancel();
  for (auto& connection : snapshot()) {
    net::post(connection->executor(), [connection] { connection->close(); });
  }
}

// Runs what is queued on a context with no work guard until it is empty; the handlers run.
std::size_t run_until_empty(net::io_context& ioc) {
  std::size_t ran = 0;
  for (;;) {
    try {
      ioc.restart();
      ran += ioc.run();
      return ran;
    } catch (...) {
      ++ran;  // as in run_io: a throwing handler must not stop the drain
    }
  }
}

void run_io(net::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (...) {
      // Handlers catch what they call; anything else must not take the I/O thread down.
    }
  }
}

}  // namespace

struct Server::Impl {
  std::shared_ptr<Core> core;
  std::atomic<bool> started{false};
};

Server::Server(ServerOptions options, Handler handler, RefusalFactory refuse)
    : impl_(std::make_unique<Impl>()) {
  if (options.threads == 0) options.threads = std::max(1u, std::thread::hardware_concurrency());
  impl_->core = std::make_shared<Core>(std::move(options), std::move(handler), std::move(refuse));
  Core& core = *impl_->core;
  for (unsigned i = 0; i < core.options.threads; ++i) {
    core.workers.push_back(std::make_unique<net::io_context>(1));
    core.worker_guards.push_back(net::make_work_guard(*core.workers.back()));
  }
}

Server::~Server() {
  Core& core = *impl_->core;
  core.retired.store(true);
  core.stopping.store(true);
  if (!impl_->started) return;
  // Close what is left and let the cancelled operations complete, so no queued handler keeps
  // a connection (and with it the io_context) alive. No I/O thread runs now, so `finished` can
  // be set here; it keeps a late stop() step from stopping this drain early.
  core.finished = true;
  core.worker_guards.clear();
  core.ioc.restart();
  net::post(core.control, [c = impl_->core] { c->close_everything(); });
  // A handler on one context can post to another (a closing connection posts finish() to the
  // control context), so run them all until one whole pass runs nothing: a handler left in a
  // queue would hold the Core, which owns the queue, and neither would ever be freed.
  for (;;) {
    std::size_t ran = run_until_empty(core.ioc);
    for (auto& worker : core.workers) ran += run_until_empty(*worker);
    if (ran == 0) break;
  }
}

std::expected<void, std::string> Server::start() {
  Core& core = *impl_->core;
  SysError ec;
  auto address = net::ip::make_address(core.options.host, ec);
  if (ec) return std::unexpected("invalid listen address '" + core.options.host + "'");
  tcp::endpoint endpoint(address, core.options.port);
  core.acceptor.open(endpoint.protocol(), ec);
  if (!ec) core.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) core.acceptor.bind(endpoint, ec);
  if (!ec) core.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    SysError ignored;
    core.acceptor.close(ignored);
    return std::unexpected("cannot listen on " + core.options.host + ":" +
                           std::to_string(core.options.port) + ": " + ec.message());
  }
  core.bound_port = core.acceptor.local_endpoint(ec).port();
  impl_->started.store(true);
  net::post(core.control, [c = impl_->core] {
    c->accept();
    c->schedule_sweep();
  });
  return {};
}

std::uint16_t Server::port() const { return impl_->core->bound_port; }

void Server::run() {
  if (!impl_->started) return;
  Core& core = *impl_->core;
  // stop() before start() only marked the server; the stop sequence begins now.
  if (core.stopping.load() && !core.stop_requested.exchange(true)) {
    net::post(core.control, [c = impl_->core] { c->begin_stop(); });
  }
  std::vector<std::thread> pool;
  for (auto& worker : core.workers) {
    pool.emplace_back([w = worker.get()] { run_io(*w); });
  }
  run_io(core.ioc);
  for (auto& thread : pool) thread.join();
}

void Server::stop() {
  Core& core = *impl_->core;
  core.stopping.store(true);
  // Before start() nothing runs; a posted step would only tie the Core to its own queue.
  if (!impl_->started.load() || core.stop_requested.exchange(true)) return;
  net::post(core.control, [c = impl_->core] { c->begin_stop(); });
}

}  // namespace centli::http
