// Exchange: one HTTP request and its response, handed by HttpServer to a handler. The
// handler reads the request, then either answers with respond*() (sent when the handler
// returns) or streams Server-Sent Events (start_events(), then send_event()/push_event()).
//
// Threads: an Exchange belongs to its connection's strand, executor(); the handler runs there
// and calls its methods from there, except the ones marked "any thread". EventSink is the
// handle for producers on other threads that may outlive the handler.
//
// Event streams: HTTP/1.1 streams use chunked framing, so the end of a stream is a terminating
// chunk a client can tell from a broken connection, and the connection can serve the next
// request; HTTP/1.0 clients get close-delimited framing. While a stream is open the server
// keeps a read pending on the socket, so a client that disconnects is noticed even when
// nothing is being written; a client that stops reading for `write_timeout` is dropped.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace askdb::server {

namespace detail {
class Connection;
struct ExchangeAccess;
struct ServerShared;
}  // namespace detail

using Headers = std::vector<std::pair<std::string, std::string>>;
using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

// The thread-safe producer side of an exchange's event stream. Events pushed before
// start_events() wait in the queue. Obtain it with Exchange::event_sink(); it stays valid (and
// harmless: pushes return false) after the exchange is over.
class EventSink {
 public:
  EventSink(const EventSink&) = delete;
  EventSink& operator=(const EventSink&) = delete;

  // Queues an event (see format_sse_event). Any thread. Returns false, queuing nothing, once
  // the stream is finished, the client is gone, or the queue would exceed
  // max_event_queue_bytes (once streaming, that means the client reads too slowly: it is
  // then disconnected).
  bool push_event(std::string_view name, std::string_view data);
  // Queues a comment line (": text"). Any thread; false as for push_event.
  bool push_comment(std::string_view text);
  // The producer is done: the stream ends once the queue is written, and Exchange::
  // events_closed() returns. Any thread; idempotent.
  void close();

  // Any thread.
  bool client_gone() const;
  bool stopping() const;  // the server is shutting down: end the stream soon

 private:
  friend class Exchange;
  friend struct detail::ExchangeAccess;
  EventSink(size_t max_bytes, std::shared_ptr<const detail::ServerShared> server);
  bool enqueue(std::string frame, uint64_t* sequence);

  const size_t max_bytes_;
  const std::shared_ptr<const detail::ServerShared> server_;
  std::atomic<bool> gone_{false};

  mutable std::mutex mu_;  // guards the members below
  std::vector<std::string> queue_;
  size_t queued_bytes_ = 0;
  uint64_t pushed_ = 0;     // frames accepted so far (their sequence numbers are 1..pushed_)
  bool closed_ = false;     // close() or finish_events(): nothing more is accepted
  bool ended_ = false;      // the exchange is over: nothing may be posted to its strand
  bool streaming_ = false;  // start_events() wrote the head: a writer drains the queue
  bool overflowed_ = false;
  bool wake_pending_ = false;
  std::function<void()> wake_;  // posts a wake-up to the writer on the strand

  // Strand only (the writer coroutine and the exchange).
  uint64_t written_ = 0;  // frames written to the socket
  bool writer_done_ = false;
  bool completed_ = false;  // the terminating chunk was written
};

class Exchange {
 public:
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;
  ~Exchange();

  // --- The request ---------------------------------------------------------------------
  std::string_view method() const;    // as sent: "GET", "POST"...
  std::string_view path() const;      // percent-decoded, without the query: "/a b"
  std::string_view raw_path() const;  // as sent, without the query: "/a%20b"
  // Decoded query parameters in order ('+' as space), and the first value of one.
  const std::vector<std::pair<std::string, std::string>>& query_params() const;
  std::optional<std::string_view> query(std::string_view name) const;
  // A request header's value (the first, when repeated); "" when absent. Case-insensitive.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  Headers headers() const;  // all of them, in order
  const std::string& body() const;
  int http_version() const;                                  // 10 or 11
  const std::string& remote_address() const;                 // "127.0.0.1", "::1"
  const std::string& request_id() const;                     // also sent as X-Request-Id
  std::chrono::steady_clock::time_point start_time() const;  // when the request head was read

  // A field for this request's access-log line ("user", "conversation"); keys are
  // snake_case, values never secrets.
  void add_log_field(std::string key, std::string value);

  // Path parameters: the {name} segments of the route that matched (set by Router), decoded.
  // "" when there is no such parameter.
  std::string_view path_param(std::string_view name) const;
  void set_path_params(Headers params);
  // The route that answers this request, for metrics: the Router's pattern
  // ("/api/v1/conversations/{id}"), a name a fallback gives itself ("static"), or "" when none
  // did. REQUIRES: `route` outlives the exchange (a Router's pattern, a string literal).
  std::string_view route() const;
  void set_route(std::string_view route);

  // --- Answering with one response (written when the handler returns) ------------------
  // A later call replaces an earlier one; ignored (and logged) once events have started.
  // Statuses 204 and 304 carry no body; a HEAD request gets the headers only.
  void respond(int status, std::string body,
               std::string_view content_type = "text/plain; charset=utf-8",
               const Headers& headers = {});
  void respond_json(int status, const nlohmann::json& body, const Headers& headers = {});
  // docs/api.md's error body: {"error": {"code", "message", "request_id"}}.
  void respond_error(int status, std::string_view code, std::string_view message,
                     const Headers& headers = {});
  // A header for the response or the event stream's head, kept across respond() calls.
  // Headers with CR, LF or NUL in them are dropped (and logged).
  void add_header(std::string name, std::string value);
  bool responded() const;
  int status() const;  // the status answered so far (0: none yet)

  // --- Answering with Server-Sent Events -----------------------------------------------
  // Writes the stream's head: 200, text/event-stream; charset=utf-8, Cache-Control:
  // no-cache, X-Accel-Buffering: no. Returns false when the client is gone. A second call
  // returns whether the stream is still open. For a HEAD request the head is all there is.
  boost::asio::awaitable<bool> start_events();
  // Queues an event and waits until it is written to the socket. Returns false (now, or once
  // it is known) when the client is gone or the stream is over. REQUIRES start_events().
  boost::asio::awaitable<bool> send_event(std::string_view name, std::string_view data);
  boost::asio::awaitable<bool> send_comment(std::string_view text);
  // Queues an event without waiting. Any thread, as long as the exchange exists (use
  // event_sink() for producers that may outlive the handler). Returns false when refused.
  bool push_event(std::string_view name, std::string_view data);
  std::shared_ptr<EventSink> event_sink() const;
  // Waits until a producer calls EventSink::close(), or the client is gone, or the server
  // closes the connection; then ends the stream like finish_events().
  boost::asio::awaitable<bool> events_closed();
  // Refuses further events, waits until the queued ones are written and ends the stream.
  // Returns true when everything was delivered. Called by the server when the handler
  // returns without it.
  boost::asio::awaitable<bool> finish_events();
  bool events_started() const;

  // --- The client and the server -------------------------------------------------------
  // Whether the client can no longer be reached: it disconnected (noticed while a stream is
  // open, or once on_client_gone() was called), stopped reading for write_timeout, or the
  // server closed the connection. Any thread.
  bool client_gone() const;
  // Calls `callback` once, on the strand, when the client is gone (at once if it already
  // is); never after the exchange is over. Starts watching the socket. The callback must not
  // throw.
  void on_client_gone(std::function<void()> callback);
  // Whether the server is shutting down (begin_shutdown()): end streams soon. Any thread.
  bool stopping() const;
  // Calls `callback` once, on the strand, when the server begins shutting down (at once if
  // it has); never after the exchange is over.
  void on_stopping(std::function<void()> callback);

  // The strand this exchange runs on: post or co_spawn work here to touch the exchange.
  const Strand& executor() const;

 private:
  friend struct detail::ExchangeAccess;
  struct Impl;
  explicit Exchange(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace askdb::server
