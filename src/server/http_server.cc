#include "server/http_server.h"

// GCC 12 reports false positives on Asio's coroutine frames (mismatched-new-delete:
// awaitable_frame_base has its own operator new/delete pair) and, through inlining, inside
// Beast's parser (maybe-uninitialized). Neither is a real defect.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/basic_resolver.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "server/connection.h"
#include "server/exchange_internal.h"
#include "server/request_id.h"

namespace askdb::server {

using detail::Clock;
using detail::Connection;
using detail::ExchangeAccess;
using detail::Socket;
namespace net = detail::net;
namespace beast = detail::beast;
namespace http = detail::http;
using boost::system::error_code;
using net::ip::tcp;

namespace {

using Acceptor = net::basic_socket_acceptor<tcp, Strand>;

std::string endpoint_text(const net::ip::address& address, uint16_t port) {
  const std::string host = address.to_string();
  return address.is_v6() ? "[" + host + "]:" + std::to_string(port)
                         : host + ":" + std::to_string(port);
}

// Why the address cannot be used, and what to do about it.
Error bind_error(const std::string& where, const error_code& ec) {
  if (ec == net::error::address_in_use) {
    return make_error(ErrorCode::kConfig,
                      where +
                          " is already in use; stop the other program or choose another "
                          "port with --port");
  }
  if (ec == net::error::access_denied) {
    return make_error(ErrorCode::kConfig,
                      "cannot listen on " + where +
                          ": permission denied (ports below 1024 need privileges); choose a port "
                          "above 1024 with --port");
  }
  if (ec == boost::system::errc::address_not_available) {
    return make_error(ErrorCode::kConfig,
                      "cannot listen on " + where +
                          ": the address is not one of this machine's; use 127.0.0.1, 0.0.0.0 "
                          "or :: with --host");
  }
  if (ec == net::error::address_family_not_supported) {
    return make_error(ErrorCode::kConfig, "cannot listen on " + where +
                                              ": this machine has no IPv6; use an IPv4 "
                                              "address such as 127.0.0.1 with --host");
  }
  return make_error(ErrorCode::kConfig, "cannot listen on " + where + ": " + ec.message());
}

// A canned 503 for connections beyond max_connections: no Exchange, no parsing.
std::string overload_reply(const HttpServerOptions& options) {
  const std::string request_id = new_request_id();
  const nlohmann::json body = {
      {"error",
       {{"code", "unavailable"},
        {"message", "The server has too many open connections; try again in a moment."},
        {"request_id", request_id}}}};
  const std::string text = body.dump();
  std::string reply = "HTTP/1.1 503 Service Unavailable\r\n";
  for (const auto& [name, value] : options.response_headers) {
    reply += name + ": " + value + "\r\n";
  }
  reply += "X-Request-Id: " + request_id + "\r\n";
  reply += "Content-Type: application/json\r\nRetry-After: 5\r\nConnection: close\r\n";
  reply += "Content-Length: " + std::to_string(text.size()) + "\r\n\r\n";
  reply += text;
  return reply;
}

bool is_disconnect(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::operation_aborted ||
         ec == net::error::bad_descriptor || ec == http::error::partial_message;
}

// The request line and headers of a request whose body was not read (for an error answer).
http::request<http::string_body> head_of(const http::request<http::string_body>& request) {
  http::request<http::string_body> head;
  head.base() = request.base();
  return head;
}

RequestTarget fallback_target(std::string_view target) {
  RequestTarget out;
  out.raw_path = std::string(target.substr(0, target.find('?')));
  if (out.raw_path.empty()) out.raw_path = "-";
  out.path = out.raw_path;
  return out;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(net::io_context& io_context, HttpServerOptions options, Handler h)
      : io(io_context),
        shared(std::make_shared<detail::ServerShared>()),
        handler(std::move(h)),
        acceptor(net::make_strand(io_context)) {
    shared->options = std::move(options);
  }

  net::io_context& io;
  std::shared_ptr<detail::ServerShared> shared;
  const Handler handler;
  Acceptor acceptor;
  std::atomic<uint16_t> port{0};

  mutable std::mutex mu;  // guards live
  std::condition_variable drained_cv;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live;
  std::atomic<int64_t> last_refusal_log_s{0};

  const HttpServerOptions& options() const { return shared->options; }

  Status listen();
  net::awaitable<void> accept_loop();
  net::awaitable<void> session(std::shared_ptr<Connection> connection);
  // Reads and answers one request; returns whether the connection stays open.
  net::awaitable<bool> serve_one(std::shared_ptr<Connection> connection);
  net::awaitable<bool> answer_error(std::shared_ptr<Connection> connection,
                                    http::request<http::string_body> head, int status,
                                    std::string_view code, std::string message);
  net::awaitable<void> refuse(std::shared_ptr<Connection> connection);

  std::vector<std::shared_ptr<Connection>> snapshot() const;
  void begin_shutdown();
  void close_all();
  size_t count() const {
    std::lock_guard lock(mu);
    return live.size();
  }
};

Status HttpServer::Impl::listen() {
  const HttpServerOptions& o = options();
  error_code ec;
  net::ip::address address = net::ip::make_address(o.host, ec);
  if (ec) {
    tcp::resolver resolver(io);
    auto results = resolver.resolve(o.host, std::to_string(o.port), ec);
    if (ec || results.empty()) {
      return make_error(ErrorCode::kConfig,
                        "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                            ": the host name does not resolve (" +
                            (ec ? ec.message() : std::string("no address")) +
                            "); use an IP address such as 127.0.0.1 with --host");
    }
    address = results.begin()->endpoint().address();
  }
  const tcp::endpoint endpoint(address, o.port);
  const std::string where = endpoint_text(address, o.port);

  acceptor.open(endpoint.protocol(), ec);
  if (ec) return bind_error(where, ec);
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (address.is_v6() && address.is_unspecified()) {
    acceptor.set_option(net::ip::v6_only(false), ec);  // "::" takes IPv4 too
  }
  acceptor.bind(endpoint, ec);
  if (ec) return bind_error(where, ec);
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return bind_error(where, ec);
  port = acceptor.local_endpoint(ec).port();
  spdlog::debug("listening on {}", endpoint_text(address, port));
  return ok_status();
}

net::awaitable<void> HttpServer::Impl::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    error_code ec;
    Socket socket = co_await acceptor.async_accept(net::make_strand(io),
                                                   net::redirect_error(net::use_awaitable, ec));
    if (shared->stopping.load() || !acceptor.is_open()) co_return;
    if (ec) {
      if (ec == net::error::operation_aborted) co_return;
      // Out of file descriptors and the like: say so now and then, and do not spin.
      const int64_t now_s =
          std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
      if (now_s - last_refusal_log_s.exchange(now_s) >= 10) {
        spdlog::warn("accepting a connection failed: {}", ec.message());
      }
      net::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // events are small and must not wait
    auto connection = std::make_shared<Connection>(std::move(socket), options().write_timeout,
                                                   options().max_header_bytes);
    bool admitted = false;
    {
      std::lock_guard lock(mu);
      if (live.size() < options().max_connections) {
        live.emplace(connection.get(), connection);
        admitted = true;
      }
    }
    const Strand strand = connection->strand();
    if (admitted) {
      if (options().observer != nullptr) options().observer->connection_opened();
      net::co_spawn(strand, session(std::move(connection)), net::detached);
    } else {
      const int64_t now_s =
          std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
      if (now_s - last_refusal_log_s.exchange(now_s) >= 10) {
        spdlog::warn("{} connections are open (server.max_connections); refusing new ones with 503",
                     options().max_connections);
      }
      net::co_spawn(strand, refuse(std::move(connection)), net::detached);
    }
  }
}

net::awaitable<void> HttpServer::Impl::refuse(std::shared_ptr<Connection> connection) {
  connection->start_watchdog();
  connection->set_read_deadline(Clock::now() + options().linger_timeout);
  const std::string reply = overload_reply(options());
  if (co_await connection->write_bytes(reply)) {
    co_await connection->linger_close(options().linger_timeout);
  }
  connection->close();
}

net::awaitable<void> HttpServer::Impl::session(std::shared_ptr<Connection> connection) {
  auto self = shared_from_this();
  Connection& c = *connection;
  const HttpServerOptions& o = options();
  c.start_watchdog();
  c.set_read_deadline(Clock::now() + o.header_timeout);  // from accept to the first head
  bool first = true;
  for (;;) {
    if (c.buffer().size() == 0) {
      c.buffer().shrink_to_fit();  // an idle connection holds no buffer
      if (!first) c.set_read_deadline(Clock::now() + o.idle_timeout);
      error_code ec;
      if (!shared->stopping.load()) {
        c.set_phase(Connection::Phase::kIdle);
        co_await c.socket().async_wait(Socket::wait_read,
                                       net::redirect_error(net::use_awaitable, ec));
        c.set_phase(Connection::Phase::kBusy);
      }
      if (c.closed() || (ec && ec != net::error::operation_aborted)) break;
      if (shared->stopping.load()) {
        // Closing an idle connection; a request already on its way still gets its 503.
        const size_t available = c.socket().available(ec);
        if (ec || available == 0) break;
      }
    }
    if (!first) c.set_read_deadline(Clock::now() + o.header_timeout);
    first = false;
    const bool keep = co_await serve_one(connection);
    if (!keep) break;
  }
  c.close();
  if (o.observer != nullptr) o.observer->connection_closed();
  std::lock_guard lock(mu);
  live.erase(connection.get());
  if (live.empty()) drained_cv.notify_all();
}

net::awaitable<bool> HttpServer::Impl::answer_error(std::shared_ptr<Connection> connection,
                                                    http::request<http::string_body> head,
                                                    int status, std::string_view code,
                                                    std::string message) {
  std::optional<RequestTarget> target = parse_request_target(head.target());
  RequestTarget chosen = target ? std::move(*target) : fallback_target(head.target());
  std::unique_ptr<Exchange> exchange =
      ExchangeAccess::make(connection, shared, std::move(head), std::move(chosen));
  ExchangeAccess::close_after(*exchange);
  exchange->respond_error(status, code, message);
  co_await ExchangeAccess::complete(*exchange);
  exchange.reset();
  co_await connection->linger_close(options().linger_timeout);
  co_return false;
}

net::awaitable<bool> HttpServer::Impl::serve_one(std::shared_ptr<Connection> connection) {
  Connection& c = *connection;
  const HttpServerOptions& o = options();
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(std::min<size_t>(o.max_header_bytes, UINT32_MAX)));
  parser.body_limit(o.max_body_bytes);

  error_code ec;
  co_await http::async_read_header(c.socket(), c.buffer(), parser,
                                   net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    if (c.closed() || c.timed_out() || is_disconnect(ec)) {
      if (c.timed_out()) spdlog::debug("{}: request head not received in time", c.remote_address());
      co_return false;
    }
    if (ec == http::error::body_limit) {
      co_return co_await answer_error(connection, head_of(parser.get()), 413, "payload_too_large",
                                      "The request body is larger than the server accepts (" +
                                          std::to_string(o.max_body_bytes) +
                                          " bytes, server.max_body_bytes).");
    }
    if (ec == http::error::header_limit) {
      co_return co_await answer_error(connection, head_of(parser.get()), 431, "bad_request",
                                      "The request's headers are larger than the server accepts (" +
                                          std::to_string(o.max_header_bytes) + " bytes).");
    }
    http::request<http::string_body> unknown;
    unknown.version(11);
    unknown.method_string("-");
    co_return co_await answer_error(connection, std::move(unknown), 400, "bad_request",
                                    "The request is not valid HTTP (" + ec.message() + ").");
  }

  if (!parse_request_target(parser.get().target())) {
    co_return co_await answer_error(
        connection, head_of(parser.get()), 400, "bad_request",
        "The request's path is not valid (a malformed %-escape, or an encoded NUL).");
  }

  if (parser.get().count(http::field::transfer_encoding) > 0 && !parser.chunked()) {
    // A body whose end cannot be found (RFC 9112 6.3): reading on would misread the next
    // request.
    co_return co_await answer_error(
        connection, head_of(parser.get()), 400, "bad_request",
        "The request's Transfer-Encoding is not supported; send the body with Content-Length "
        "or chunked.");
  }

  if (!parser.is_done()) {
    if (parser.get().version() >= 11 &&
        beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      if (!co_await c.write_bytes(kContinue)) co_return false;
    }
    c.set_read_deadline(Clock::now() + o.body_timeout);
    co_await http::async_read(c.socket(), c.buffer(), parser,
                              net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (ec == http::error::body_limit) {
        co_return co_await answer_error(connection, head_of(parser.get()), 413, "payload_too_large",
                                        "The request body is larger than the server accepts (" +
                                            std::to_string(o.max_body_bytes) +
                                            " bytes, server.max_body_bytes).");
      }
      if (c.closed() || c.timed_out() || is_disconnect(ec)) {
        if (c.timed_out())
          spdlog::debug("{}: request body not received in time", c.remote_address());
        co_return false;
      }
      co_return co_await answer_error(connection, head_of(parser.get()), 400, "bad_request",
                                      "The request body is not valid HTTP (" + ec.message() + ").");
    }
  }
  c.set_read_deadline(Clock::time_point::max());

  http::request<http::string_body> request = parser.release();
  std::optional<RequestTarget> target = parse_request_target(request.target());
  std::unique_ptr<Exchange> exchange =
      ExchangeAccess::make(connection, shared, std::move(request), std::move(*target));

  if (shared->stopping.load()) {
    ExchangeAccess::close_after(*exchange);
    exchange->respond_error(503, "unavailable",
                            "The server is shutting down; try again in a moment.",
                            {{"Retry-After", "5"}});
  } else {
    bool threw = false;
    std::string what;
    try {
      co_await handler(*exchange);
    } catch (const std::exception& e) {
      threw = true;
      what = e.what();
    } catch (...) {
      threw = true;
      what = "an exception that is not a std::exception";
    }
    if (threw) ExchangeAccess::handler_failed(*exchange, what);
  }

  const bool keep = co_await ExchangeAccess::complete(*exchange);
  exchange.reset();
  if (!keep && !c.closed() && !c.lost()) co_await c.linger_close(o.linger_timeout);
  co_return keep;
}

std::vector<std::shared_ptr<Connection>> HttpServer::Impl::snapshot() const {
  std::vector<std::shared_ptr<Connection>> out;
  std::lock_guard lock(mu);
  out.reserve(live.size());
  for (const auto& [raw, weak] : live) {
    if (auto connection = weak.lock()) out.push_back(std::move(connection));
  }
  return out;
}

void HttpServer::Impl::begin_shutdown() {
  if (shared->stopping.exchange(true)) return;
  net::post(acceptor.get_executor(), [self = shared_from_this()]() {
    error_code ignored;
    self->acceptor.close(ignored);
  });
  for (std::shared_ptr<Connection>& connection : snapshot()) {
    const Strand strand = connection->strand();
    net::post(strand, [connection = std::move(connection)]() { connection->server_stopping(); });
  }
}

void HttpServer::Impl::close_all() {
  for (std::shared_ptr<Connection>& connection : snapshot()) {
    const Strand strand = connection->strand();
    net::post(strand, [connection = std::move(connection)]() { connection->close(); });
  }
}

// ----------------------------------------------------------------------------------------

Result<std::unique_ptr<HttpServer>> HttpServer::start(net::io_context& io,
                                                      HttpServerOptions options, Handler handler) {
  auto impl = std::make_shared<Impl>(io, std::move(options), std::move(handler));
  Status listening = impl->listen();
  if (!listening.ok()) return listening.error();
  net::co_spawn(impl->acceptor.get_executor(), impl->accept_loop(), net::detached);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  impl_->begin_shutdown();
  impl_->close_all();
}

uint16_t HttpServer::local_port() const { return impl_->port.load(); }

size_t HttpServer::connection_count() const { return impl_->count(); }

void HttpServer::begin_shutdown() { impl_->begin_shutdown(); }

bool HttpServer::stopping() const { return impl_->shared->stopping.load(); }

net::awaitable<bool> HttpServer::drained(std::chrono::milliseconds grace) {
  std::shared_ptr<Impl> impl = impl_;
  impl->begin_shutdown();
  const Clock::time_point deadline = Clock::now() + grace;
  const auto executor = co_await net::this_coro::executor;
  net::steady_timer timer(executor);
  while (impl->count() > 0 && Clock::now() < deadline) {
    timer.expires_after(
        std::min<Clock::duration>(std::chrono::milliseconds(20), deadline - Clock::now()));
    error_code ignored;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ignored));
  }
  if (impl->count() == 0) co_return true;
  spdlog::warn("{} connections still open after the shutdown grace; closing them", impl->count());
  impl->close_all();
  co_return false;
}

bool HttpServer::wait_drained(std::chrono::milliseconds grace) {
  impl_->begin_shutdown();
  std::unique_lock lock(impl_->mu);
  if (impl_->drained_cv.wait_for(lock, grace, [&] { return impl_->live.empty(); })) return true;
  const size_t left = impl_->live.size();
  lock.unlock();
  spdlog::warn("{} connections still open after the shutdown grace; closing them", left);
  impl_->close_all();
  lock.lock();
  impl_->drained_cv.wait_for(lock, std::chrono::seconds(2), [&] { return impl_->live.empty(); });
  return false;
}

}  // namespace askdb::server
