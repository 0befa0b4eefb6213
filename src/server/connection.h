// Connection: one accepted TCP connection of HttpServer — its socket and strand, the
// deadlines that bound every read and write, the buffer requests are read into, and the
// pending read that notices a client leaving while its request is being answered. Internal
// to src/server (HttpServer and Exchange share it).
//
// Threads: everything but the constructor runs on the connection's strand.
//
// Deadlines: one timer (the watchdog) closes the socket when the read deadline passes, or
// when a write makes no progress for write_timeout. Moving a deadline later costs nothing;
// the watchdog re-arms when it wakes.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/exchange.h"

namespace askdb::server::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;
using Socket = net::basic_stream_socket<net::ip::tcp, Strand>;
using Timer = net::basic_waitable_timer<Clock, net::wait_traits<Clock>, Strand>;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `max_buffered`: bytes a client may send ahead while its request is answered.
  Connection(Socket socket, std::chrono::milliseconds write_timeout, size_t max_buffered);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Socket& socket() { return socket_; }
  Strand strand() { return socket_.get_executor(); }
  beast::flat_buffer& buffer() { return buffer_; }
  const std::string& remote_address() const { return remote_address_; }

  // Starts the watchdog; REQUIRES called once, before the first deadline matters.
  void start_watchdog();
  // The time by which the current read must complete; Clock::time_point::max(): none.
  void set_read_deadline(Clock::time_point deadline);
  bool timed_out() const { return timed_out_; }

  // Writes all of `buffers` (which must stay valid until it returns). On failure, or when
  // no byte is taken for write_timeout, closes the connection and returns false.
  net::awaitable<bool> write(std::vector<net::const_buffer> buffers);
  // The same for one piece of memory (not a coroutine: `bytes` must outlive the awaitable).
  net::awaitable<bool> write_bytes(std::string_view bytes) {
    return write(std::vector<net::const_buffer>{net::buffer(bytes.data(), bytes.size())});
  }
  // Writes a message, or only its head when `header_only`; fails like write().
  template <class Body>
  net::awaitable<bool> write_message(http::response<Body>& message, bool header_only);

  // Keeps a read pending so that a client closing the connection is noticed (lost() turns
  // true); bytes it sends meanwhile are kept in buffer(). Idempotent.
  void watch_peer();
  // Stops that read and waits until it has.
  net::awaitable<void> unwatch_peer();

  // The client can no longer be reached: it closed the connection, a write failed or timed
  // out, or the connection was closed. `hook` is called once when that happens (at once if
  // it already has), until cleared.
  bool lost() const { return lost_; }
  void set_lost_hook(std::function<void()> hook);
  void clear_lost_hook() { lost_hook_ = nullptr; }

  // The server began shutting down: an idle connection stops waiting (its wait is
  // cancelled); a busy one calls the stop hook once.
  enum class Phase { kIdle, kBusy };
  void set_phase(Phase phase) { phase_ = phase; }
  void server_stopping();
  void set_stop_hook(std::function<void()> hook) { stop_hook_ = std::move(hook); }
  void clear_stop_hook() { stop_hook_ = nullptr; }

  // Closes the socket now (idempotent); pending operations end with an error.
  void close();
  bool closed() const { return closed_; }
  // Sends FIN, reads and drops what the client still sends (up to `timeout`), then closes:
  // a client must not be reset before it reads a response it has not asked for yet.
  net::awaitable<void> linger_close(std::chrono::milliseconds timeout);

  // A condition-variable-like signal: notify_progress() wakes every wait_progress().
  // Waiters re-check their condition (all on the strand, so nothing is missed).
  net::awaitable<void> wait_progress();
  void notify_progress() { progress_.cancel(); }

  // The timer an event stream's writer sleeps on; wake_writer() wakes it.
  Timer& event_timer();
  void wake_writer();

 private:
  void arm_watchdog();
  void on_watchdog();
  void begin_write();
  void end_write() { writing_ = false; }
  void read_for_watch();
  void on_watch_read(const boost::system::error_code& ec, size_t n);
  void mark_lost();

  Socket socket_;
  Timer watchdog_;
  Timer progress_;  // never expires; cancelled to notify
  std::optional<Timer> event_timer_;
  beast::flat_buffer buffer_;
  std::string remote_address_;
  const std::chrono::milliseconds write_timeout_;
  const size_t max_buffered_;

  Clock::time_point read_deadline_ = Clock::time_point::max();
  Clock::time_point write_deadline_ = Clock::time_point::max();
  bool writing_ = false;
  bool timed_out_ = false;
  bool closed_ = false;
  bool lost_ = false;
  bool watching_ = false;
  bool unwatch_requested_ = false;
  Phase phase_ = Phase::kBusy;
  std::function<void()> lost_hook_;
  std::function<void()> stop_hook_;
};

template <class Body>
net::awaitable<bool> Connection::write_message(http::response<Body>& message, bool header_only) {
  http::response_serializer<Body> serializer(message);
  if (header_only) serializer.split(true);
  while (header_only ? !serializer.is_header_done() : !serializer.is_done()) {
    if (closed_) co_return false;
    begin_write();
    boost::system::error_code ec;
    co_await http::async_write_some(socket_, serializer,
                                    net::redirect_error(net::use_awaitable, ec));
    end_write();
    if (ec) {
      mark_lost();
      close();
      co_return false;
    }
  }
  co_return true;
}

}  // namespace askdb::server::detail
