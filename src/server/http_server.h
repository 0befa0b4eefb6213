// HttpServer: askdb's HTTP/1.1 (and 1.0) server, on Boost.Beast. It accepts connections on
// one address, reads requests within limits (head and body timeouts, header and body sizes,
// a connection cap), hands each to the handler as an Exchange, and writes the answer with
// the security headers, an X-Request-Id and an access log line. It knows no routes: the
// handler is usually a Router's.
//
// Threads: the caller runs the io_context on as many threads as it likes; every connection
// is a coroutine on a strand of its own, so a handler never runs concurrently with itself
// for one connection, and no thread waits on a client. start(), begin_shutdown(),
// stopping(), local_port() and connection_count() may be called from any thread;
// wait_drained() from any thread that is not running the io_context.
//
// Shutdown: begin_shutdown() stops accepting, closes idle keep-alive connections, answers
// requests that arrive from then on with 503 `unavailable` and `Connection: close`, and tells
// open exchanges (stopping(), on_stopping()) so their handlers end streams. drained() /
// wait_drained() wait for the connections to finish, up to a grace period, then close the
// rest. The object may be destroyed at any time (that closes every connection at once);
// connections still finishing keep what they need alive, but the io_context must outlive
// them (destroy the server, then stop the io_context, or run it until it is out of work).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "server/exchange.h"
#include "server/security_headers.h"

namespace askdb::server {

// What an HttpServer tells whoever watches its work (metrics). The calls come from the
// connections' strands, on any number of threads at once: an implementation must be
// thread-safe and cheap, and must not throw.
class HttpObserver {
 public:
  virtual ~HttpObserver() = default;
  // A request is over: its answer was written (or could not be), or its event stream ended.
  // Called after the access log line; exchange.status() is what was answered, 200 for a stream.
  virtual void request_done(const Exchange& exchange) = 0;
  // A connection was admitted (connections refused with 503 are not), or it closed.
  virtual void connection_opened() = 0;
  virtual void connection_closed() = 0;
  // An event stream started writing events to its client, or stopped.
  virtual void stream_opened() = 0;
  virtual void stream_closed() = 0;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IPv4 or IPv6 address, or a name to resolve
  uint16_t port = 8080;            // 0: an ephemeral port, see local_port()

  // The whole request head must arrive within this, from the connection's start or from the
  // first byte of a later request (slowloris).
  std::chrono::milliseconds header_timeout{std::chrono::seconds(30)};
  // The whole body must arrive within this, once the head is read.
  std::chrono::milliseconds body_timeout{std::chrono::seconds(60)};
  // An idle keep-alive connection is closed after this.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // A write that makes no progress for this long (a client that stopped reading) drops the
  // connection.
  std::chrono::milliseconds write_timeout{std::chrono::seconds(60)};
  // After a response that closes the connection, unread request bytes are read and dropped
  // for up to this long, so the client is not reset before it reads the response.
  std::chrono::milliseconds linger_timeout{std::chrono::seconds(2)};
  // An open event stream with nothing to send gets a ": keep-alive" comment this often;
  // 0 turns it off.
  std::chrono::milliseconds event_keepalive_interval{std::chrono::seconds(15)};

  size_t max_header_bytes = 16 * 1024;         // request line and headers: 431 beyond
  size_t max_body_bytes = 1024 * 1024;         // 413 beyond, before the body is read when it can be
  size_t max_connections = 20000;              // beyond: 503 and close
  size_t max_event_queue_bytes = 1024 * 1024;  // events queued for one slow client, at most

  // Sent with every response; starts as the security headers.
  Headers response_headers = default_security_headers();
  bool access_log = true;  // one info line per request: method, path, status, ms, request id
  // Told of requests, connections and streams; null: nobody. It must outlive the server and
  // every connection (which may outlive the server: see "Shutdown" above).
  HttpObserver* observer = nullptr;
};

class HttpServer {
 public:
  using Handler = std::function<boost::asio::awaitable<void>(Exchange&)>;

  // Binds, listens and starts accepting (once the io_context runs). Returns Error{kConfig}
  // saying what to do when the address cannot be used: "127.0.0.1:8080 is already in use;
  // stop the other program or choose another port with --port".
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io,
                                                   HttpServerOptions options, Handler handler);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Stops accepting and closes every connection now (no grace); does not wait.
  ~HttpServer();

  uint16_t local_port() const;
  // Connections open now (those refused with 503 not counted).
  size_t connection_count() const;

  // See "Shutdown" above. Idempotent.
  void begin_shutdown();
  bool stopping() const;
  // Begins the shutdown if needed and waits until every connection is closed, or `grace`
  // passed; then closes the rest. Returns true when they all finished within the grace.
  boost::asio::awaitable<bool> drained(std::chrono::milliseconds grace);
  // The same, blocking; REQUIRES not called from a thread running the io_context. After a
  // forced close it waits up to 2 s more for the connections to let go.
  bool wait_drained(std::chrono::milliseconds grace);

  struct Impl;

 private:
  explicit HttpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace askdb::server
