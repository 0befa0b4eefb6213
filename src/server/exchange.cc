#include "server/exchange.h"

// GCC 12 reports false positives on Asio's coroutine frames (mismatched-new-delete:
// awaitable_frame_base has its own operator new/delete pair) and, through inlining, inside
// Beast (maybe-uninitialized). Neither is a real defect.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "server/exchange_internal.h"
#include "server/request_id.h"
#include "server/sse_format.h"

namespace askdb::server {

using detail::Clock;
using detail::Connection;
using detail::Timer;
namespace net = detail::net;
namespace beast = detail::beast;
namespace http = detail::http;

namespace {

bool has_no_body(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

bool header_is_safe(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c <= ' ' || c == ':' || c == 0x7f) return false;
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Calls a handler's callback; one that throws is a bug, logged rather than let loose in the
// middle of the server's own work.
void call_safely(const std::function<void()>& callback, const std::string& request_id) {
  try {
    callback();
  } catch (const std::exception& e) {
    spdlog::error("request {}: a callback threw: {}", request_id, e.what());
  } catch (...) {
    spdlog::error("request {}: a callback threw", request_id);
  }
}

// The Date header's value (RFC 9110 5.6.7), computed once a second per thread.
const std::string& http_date() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[40];
    std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                  tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    cached = text;
    cached_second = now;
  }
  return cached;
}

std::string hex_size(size_t n) {
  char digits[20];
  const auto result = std::to_chars(digits, digits + sizeof(digits), n, 16);
  return std::string(digits, result.ptr);
}

}  // namespace

// ----------------------------------------------------------------------------------------
// EventSink

EventSink::EventSink(size_t max_bytes, std::shared_ptr<const detail::ServerShared> server)
    : max_bytes_(max_bytes), server_(std::move(server)) {}

bool EventSink::enqueue(std::string frame, uint64_t* sequence) {
  std::lock_guard lock(mu_);
  if (closed_ || ended_ || overflowed_ || gone_) return false;
  if (!queue_.empty() && queued_bytes_ + frame.size() > max_bytes_) {
    if (!streaming_) return false;  // nothing reads the queue yet: refuse, nothing more
    overflowed_ = true;             // the client reads too slowly: the wake-up disconnects it
  } else {
    queued_bytes_ += frame.size();
    queue_.push_back(std::move(frame));
    ++pushed_;
    if (sequence != nullptr) *sequence = pushed_;
  }
  if (!wake_pending_ && wake_) {
    wake_pending_ = true;
    wake_();
  }
  return !overflowed_;
}

bool EventSink::push_event(std::string_view name, std::string_view data) {
  return enqueue(format_sse_event(name, data), nullptr);
}

bool EventSink::push_comment(std::string_view text) {
  return enqueue(format_sse_comment(text), nullptr);
}

void EventSink::close() {
  std::lock_guard lock(mu_);
  if (closed_) return;
  closed_ = true;
  if (!wake_pending_ && wake_) {
    wake_pending_ = true;
    wake_();
  }
}

bool EventSink::client_gone() const { return gone_.load(); }

bool EventSink::stopping() const { return server_->stopping.load(); }

// ----------------------------------------------------------------------------------------
// Exchange

struct Exchange::Impl {
  explicit Impl(std::shared_ptr<Connection> c)
      : connection(std::move(c)), strand(connection->strand()) {}

  std::shared_ptr<Connection> connection;
  const Strand strand;
  std::shared_ptr<const detail::ServerShared> server;
  http::request<http::string_body> request;
  RequestTarget target;
  Headers path_params;
  std::string_view route;
  std::string request_id = new_request_id();
  Clock::time_point start = Clock::now();
  Headers log_fields;  // add_log_field(): the user, the conversation ...

  // The answer.
  int status = 0;
  std::string body;
  std::string content_type;
  Headers respond_headers;  // from the last respond*() call
  Headers added_headers;    // from add_header()
  bool close_after = false;
  bool failed = false;

  // The event stream.
  std::shared_ptr<EventSink> sink;
  bool events_started = false;
  bool events_finished = false;
  bool keep_after_stream = false;

  std::vector<std::function<void()>> gone_callbacks;
  std::vector<std::function<void()>> stop_callbacks;
  bool over = false;

  bool is_head() const { return request.method() == http::verb::head; }
  bool keep_alive() const {
    return request.keep_alive() && !close_after && !server->stopping.load() && !connection->lost();
  }
  bool sink_closed() const {
    std::lock_guard lock(sink->mu_);
    return sink->closed_;
  }

  template <class Message>
  void set_common_headers(Message& message) const {
    for (const auto& [name, value] : server->options.response_headers) message.set(name, value);
    message.set(http::field::date, http_date());
    message.set("X-Request-Id", request_id);
    for (const Headers* list : {&respond_headers, &added_headers}) {
      for (const auto& [name, value] : *list) {
        if (beast::iequals(name, "Set-Cookie")) {
          message.insert(name, value);
        } else {
          message.set(name, value);
        }
      }
    }
  }

  void fire_gone() {
    sink->gone_ = true;
    std::vector<std::function<void()>> callbacks = std::move(gone_callbacks);
    gone_callbacks.clear();
    for (const auto& callback : callbacks) call_safely(callback, request_id);
  }

  void fire_stopping() {
    std::vector<std::function<void()>> callbacks = std::move(stop_callbacks);
    stop_callbacks.clear();
    for (const auto& callback : callbacks) call_safely(callback, request_id);
  }

  // The exchange is over: no more hooks, no more wake-ups posted to the strand.
  void end() {
    if (over) return;
    over = true;
    connection->clear_lost_hook();
    connection->clear_stop_hook();
    if (connection->lost()) sink->gone_ = true;
    std::lock_guard lock(sink->mu_);
    sink->ended_ = true;
    sink->closed_ = true;
    sink->wake_ = nullptr;
    sink->queue_.clear();
  }

  // One line per request: JSON fields request_id, method, path (without the query, which may
  // hold what a user typed), status, duration_ms, and the handler's own (user, conversation).
  // Probes that succeed (/healthz, /readyz, /metrics every few seconds) log at debug level.
  void access_log() const {
    if (!server->options.access_log) return;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    const std::string_view method = request.method_string();
    const bool probe = status < 300 && (target.path == "/healthz" || target.path == "/readyz" ||
                                        target.path == "/metrics");
    std::vector<LogField> fields = {{"request_id", request_id},
                                    {"method", method},
                                    {"path", target.raw_path},
                                    {"status", status},
                                    {"duration_ms", ms}};
    for (const auto& [key, value] : log_fields) fields.emplace_back(key, value);
    log_event(probe ? spdlog::level::debug : spdlog::level::info,
              std::string(method) + " " + target.raw_path + " " + std::to_string(status), fields);
  }
};

Exchange::Exchange(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Exchange::~Exchange() {
  if (impl_) impl_->end();
}

void Exchange::add_log_field(std::string key, std::string value) {
  impl_->log_fields.emplace_back(std::move(key), std::move(value));
}

std::string_view Exchange::method() const { return impl_->request.method_string(); }
std::string_view Exchange::path() const { return impl_->target.path; }
std::string_view Exchange::raw_path() const { return impl_->target.raw_path; }

const std::vector<std::pair<std::string, std::string>>& Exchange::query_params() const {
  return impl_->target.query;
}

std::optional<std::string_view> Exchange::query(std::string_view name) const {
  for (const auto& [key, value] : impl_->target.query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view Exchange::header(std::string_view name) const {
  auto it = impl_->request.find(name);
  return it == impl_->request.end() ? std::string_view() : it->value();
}

bool Exchange::has_header(std::string_view name) const {
  return impl_->request.find(name) != impl_->request.end();
}

Headers Exchange::headers() const {
  Headers out;
  for (const auto& field : impl_->request) {
    out.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

const std::string& Exchange::body() const { return impl_->request.body(); }
int Exchange::http_version() const { return static_cast<int>(impl_->request.version()); }
const std::string& Exchange::remote_address() const { return impl_->connection->remote_address(); }
const std::string& Exchange::request_id() const { return impl_->request_id; }
std::chrono::steady_clock::time_point Exchange::start_time() const { return impl_->start; }

std::string_view Exchange::path_param(std::string_view name) const {
  for (const auto& [key, value] : impl_->path_params) {
    if (key == name) return value;
  }
  return {};
}

void Exchange::set_path_params(Headers params) { impl_->path_params = std::move(params); }

std::string_view Exchange::route() const { return impl_->route; }
void Exchange::set_route(std::string_view route) { impl_->route = route; }

void Exchange::respond(int status, std::string body, std::string_view content_type,
                       const Headers& headers) {
  Impl& x = *impl_;
  if (x.events_started) {
    spdlog::warn("request {}: respond({}) after start_events() is ignored", x.request_id, status);
    return;
  }
  if (status < 200 || status > 599) {
    spdlog::error("request {}: respond() with status {}; answering 500", x.request_id, status);
    status = 500;
  }
  x.status = status;
  x.body = std::move(body);
  x.content_type = std::string(content_type);
  x.respond_headers.clear();
  for (const auto& [name, value] : headers) {
    if (header_is_safe(name, value)) {
      x.respond_headers.emplace_back(name, value);
    } else {
      spdlog::warn("request {}: a response header was dropped (control characters in it)",
                   x.request_id);
    }
  }
}

void Exchange::respond_json(int status, const nlohmann::json& body, const Headers& headers) {
  respond(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
          "application/json", headers);
}

void Exchange::respond_error(int status, std::string_view code, std::string_view message,
                             const Headers& headers) {
  nlohmann::json body = {{"error",
                          {{"code", std::string(code)},
                           {"message", std::string(message)},
                           {"request_id", impl_->request_id}}}};
  respond_json(status, body, headers);
}

void Exchange::add_header(std::string name, std::string value) {
  if (!header_is_safe(name, value)) {
    spdlog::warn("request {}: a response header was dropped (control characters in it)",
                 impl_->request_id);
    return;
  }
  impl_->added_headers.emplace_back(std::move(name), std::move(value));
}

bool Exchange::responded() const { return impl_->status != 0; }
int Exchange::status() const { return impl_->status; }

net::awaitable<bool> Exchange::start_events() {
  Impl& x = *impl_;
  if (x.events_started) co_return !x.events_finished && !x.connection->lost();
  x.events_started = true;
  x.status = 200;
  if (x.connection->lost()) {
    x.events_finished = true;
    co_return false;
  }
  const unsigned version = x.request.version();
  const bool chunked = version >= 11;
  x.keep_after_stream = chunked && x.keep_alive();

  http::response<http::empty_body> head{http::status::ok, version};
  x.set_common_headers(head);
  head.set(http::field::content_type, "text/event-stream; charset=utf-8");
  head.set(http::field::cache_control, "no-cache");
  head.set("X-Accel-Buffering", "no");
  if (chunked) head.chunked(true);
  head.keep_alive(x.keep_after_stream);
  if (!x.keep_after_stream) head.set(http::field::connection, "close");

  const bool written = co_await x.connection->write_message(head, /*header_only=*/true);
  if (!written || x.is_head()) {
    x.events_finished = true;
    x.sink->completed_ = written;
    co_return written;
  }
  x.connection->watch_peer();
  x.sink->writer_done_ = false;
  {
    std::lock_guard lock(x.sink->mu_);
    x.sink->streaming_ = true;
  }
  if (HttpObserver* observer = x.server->options.observer) observer->stream_opened();
  net::co_spawn(x.connection->strand(),
                detail::ExchangeAccess::run_event_writer(
                    x.connection, x.sink, chunked, x.server->options.event_keepalive_interval),
                net::detached);
  co_return true;
}

net::awaitable<bool> Exchange::send_event(std::string_view name, std::string_view data) {
  Impl& x = *impl_;
  if (!x.events_started || x.events_finished) co_return false;
  uint64_t sequence = 0;
  if (!x.sink->enqueue(format_sse_event(name, data), &sequence)) co_return false;
  while (x.sink->written_ < sequence && !x.sink->writer_done_) {
    co_await x.connection->wait_progress();
  }
  co_return x.sink->written_ >= sequence;
}

net::awaitable<bool> Exchange::send_comment(std::string_view text) {
  Impl& x = *impl_;
  if (!x.events_started || x.events_finished) co_return false;
  uint64_t sequence = 0;
  if (!x.sink->enqueue(format_sse_comment(text), &sequence)) co_return false;
  while (x.sink->written_ < sequence && !x.sink->writer_done_) {
    co_await x.connection->wait_progress();
  }
  co_return x.sink->written_ >= sequence;
}

bool Exchange::push_event(std::string_view name, std::string_view data) {
  return impl_->sink->push_event(name, data);
}

std::shared_ptr<EventSink> Exchange::event_sink() const { return impl_->sink; }

net::awaitable<bool> Exchange::events_closed() {
  Impl& x = *impl_;
  if (!x.events_started) co_return false;
  while (!x.events_finished && !x.sink_closed() && !x.connection->lost()) {
    co_await x.connection->wait_progress();
  }
  co_return co_await finish_events();
}

net::awaitable<bool> Exchange::finish_events() {
  Impl& x = *impl_;
  if (!x.events_started) co_return false;
  if (!x.events_finished) {
    x.events_finished = true;
    {
      std::lock_guard lock(x.sink->mu_);
      x.sink->closed_ = true;
    }
    x.connection->wake_writer();
    while (!x.sink->writer_done_) co_await x.connection->wait_progress();
    co_await x.connection->unwatch_peer();
  }
  co_return x.sink->completed_;
}

bool Exchange::events_started() const { return impl_->events_started; }

bool Exchange::client_gone() const { return impl_->sink->gone_.load(); }

void Exchange::on_client_gone(std::function<void()> callback) {
  Impl& x = *impl_;
  if (x.over) return;
  if (x.sink->gone_.load()) {
    call_safely(callback, x.request_id);
    return;
  }
  x.gone_callbacks.push_back(std::move(callback));
  x.connection->watch_peer();
}

bool Exchange::stopping() const { return impl_->server->stopping.load(); }

void Exchange::on_stopping(std::function<void()> callback) {
  Impl& x = *impl_;
  if (x.over) return;
  if (x.server->stopping.load()) {
    call_safely(callback, x.request_id);
    return;
  }
  x.stop_callbacks.push_back(std::move(callback));
}

const Strand& Exchange::executor() const { return impl_->strand; }

// ----------------------------------------------------------------------------------------
// What the server does with an exchange

namespace detail {

std::unique_ptr<Exchange> ExchangeAccess::make(std::shared_ptr<Connection> connection,
                                               std::shared_ptr<const ServerShared> server,
                                               http::request<http::string_body> request,
                                               RequestTarget target) {
  auto impl = std::make_unique<Exchange::Impl>(std::move(connection));
  impl->server = std::move(server);
  impl->request = std::move(request);
  impl->target = std::move(target);
  impl->sink = std::shared_ptr<EventSink>(
      new EventSink(impl->server->options.max_event_queue_bytes, impl->server));

  Exchange::Impl* raw = impl.get();
  std::weak_ptr<Connection> weak_connection = impl->connection;
  std::weak_ptr<EventSink> weak_sink = impl->sink;
  Strand strand = impl->strand;
  // Called under the sink's mutex, from any thread, while the exchange is not over.
  impl->sink->wake_ = [weak_connection, weak_sink, strand]() {
    net::post(strand, [weak_connection, sink = weak_sink.lock()]() {
      if (!sink) return;
      bool overflowed = false;
      {
        std::lock_guard lock(sink->mu_);
        sink->wake_pending_ = false;
        if (sink->ended_) return;
        overflowed = sink->overflowed_;
      }
      std::shared_ptr<Connection> connection = weak_connection.lock();
      if (!connection) return;
      if (overflowed && !connection->closed()) {
        spdlog::warn("client {} reads events too slowly; disconnecting it",
                     connection->remote_address());
        connection->close();
      }
      connection->wake_writer();
      connection->notify_progress();
    });
  };
  impl->connection->set_lost_hook([raw]() { raw->fire_gone(); });
  impl->connection->set_stop_hook([raw]() { raw->fire_stopping(); });
  return std::unique_ptr<Exchange>(new Exchange(std::move(impl)));
}

void ExchangeAccess::close_after(Exchange& exchange) { exchange.impl_->close_after = true; }

void ExchangeAccess::handler_failed(Exchange& exchange, std::string_view what) {
  Exchange::Impl& x = *exchange.impl_;
  spdlog::error("request {} {} {} failed: {}", x.request_id, x.request.method_string(),
                x.target.raw_path, what);
  x.failed = true;
  if (x.events_started) return;
  x.added_headers.clear();
  exchange.respond_error(500, "internal",
                         "Something went wrong on the server. Quote request id " + x.request_id +
                             " when reporting it.");
}

net::awaitable<bool> ExchangeAccess::complete(Exchange& exchange) {
  Exchange::Impl& x = *exchange.impl_;
  Connection& connection = *x.connection;
  bool keep = false;

  if (x.events_started) {
    if (x.failed) {
      // The handler broke off a stream: no terminating chunk, so the client sees it cut.
      connection.close();
    } else {
      const bool delivered = co_await exchange.finish_events();
      keep = delivered && x.keep_after_stream && !x.server->stopping.load() && !connection.lost();
    }
  } else {
    co_await connection.unwatch_peer();
    if (x.status == 0) {
      spdlog::error("request {} {} {}: the handler returned without answering", x.request_id,
                    x.request.method_string(), x.target.raw_path);
      x.added_headers.clear();
      exchange.respond_error(500, "internal",
                             "The server did not answer this request (a bug). Quote request id " +
                                 x.request_id + " when reporting it.");
    }
    keep = x.keep_alive();

    http::response<http::string_body> response{static_cast<http::status>(x.status),
                                               x.request.version()};
    x.set_common_headers(response);
    const bool bodiless = has_no_body(x.status);
    if (!bodiless) {
      if (!x.content_type.empty()) response.set(http::field::content_type, x.content_type);
      response.content_length(x.body.size());
      response.body() = std::move(x.body);
    }
    response.keep_alive(keep);
    if (keep) {
      const auto idle =
          std::chrono::duration_cast<std::chrono::seconds>(x.server->options.idle_timeout);
      response.set(http::field::keep_alive, "timeout=" + std::to_string(idle.count()));
    } else {
      response.set(http::field::connection, "close");
    }
    const bool written = co_await connection.write_message(response, x.is_head() || bodiless);
    keep = keep && written;
  }

  x.access_log();
  if (HttpObserver* observer = x.server->options.observer) observer->request_done(exchange);
  x.end();
  co_return keep;
}

}  // namespace detail

namespace {

net::awaitable<bool> write_frames(Connection& connection, const std::vector<std::string>& frames,
                                  bool chunked) {
  std::vector<net::const_buffer> buffers;
  buffers.reserve(frames.size() + 2);
  size_t total = 0;
  for (const std::string& frame : frames) total += frame.size();
  std::string size_line;
  if (chunked) {
    size_line = hex_size(total) + "\r\n";
    buffers.push_back(net::buffer(size_line));
  }
  for (const std::string& frame : frames) buffers.push_back(net::buffer(frame));
  if (chunked) buffers.push_back(net::buffer("\r\n", 2));
  co_return co_await connection.write(std::move(buffers));
}

}  // namespace

net::awaitable<void> detail::ExchangeAccess::run_event_writer(
    std::shared_ptr<Connection> connection, std::shared_ptr<EventSink> sink, bool chunked,
    std::chrono::milliseconds keepalive) {
  Clock::time_point last_write = Clock::now();
  std::vector<std::string> batch;
  for (;;) {
    bool closing = false;
    {
      std::lock_guard lock(sink->mu_);
      batch.swap(sink->queue_);
      sink->queued_bytes_ = 0;
      closing = sink->closed_;
    }
    if (connection->lost()) break;
    if (!batch.empty()) {
      const bool written = co_await write_frames(*connection, batch, chunked);
      if (!written) break;
      sink->written_ += batch.size();
      batch.clear();
      last_write = Clock::now();
      connection->notify_progress();
      continue;
    }
    if (closing) {
      bool ended = true;
      if (chunked) {
        static constexpr std::string_view kLastChunk = "0\r\n\r\n";
        ended = co_await connection->write_bytes(kLastChunk);
      }
      sink->completed_ = ended;
      break;
    }
    Timer& timer = connection->event_timer();
    timer.expires_at(keepalive.count() > 0 ? last_write + keepalive : Clock::time_point::max());
    boost::system::error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (!ec && keepalive.count() > 0 && Clock::now() - last_write >= keepalive) {
      std::string comment = format_sse_comment("keep-alive");
      std::lock_guard lock(sink->mu_);
      if (!sink->closed_) {
        sink->queued_bytes_ += comment.size();
        sink->queue_.push_back(std::move(comment));
        ++sink->pushed_;
      }
    }
  }
  sink->writer_done_ = true;
  if (HttpObserver* observer = sink->server_->options.observer) observer->stream_closed();
  connection->notify_progress();
}

}  // namespace askdb::server
