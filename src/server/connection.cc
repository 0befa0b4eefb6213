#include "server/connection.h"

// GCC 12 reports false positives on Asio's coroutine frames (mismatched-new-delete:
// awaitable_frame_base has its own operator new/delete pair) and, through inlining, inside
// Beast (maybe-uninitialized). Neither is a real defect.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/buffers_suffix.hpp>

namespace askdb::server::detail {
namespace {

constexpr size_t kWatchReadBytes = 512;
constexpr size_t kLingerReadBytes = 16 * 1024;
constexpr size_t kMaxLingerBytes = 16 * 1024 * 1024;

std::string address_of(Socket& socket) {
  boost::system::error_code ec;
  const net::ip::tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return "-";
  net::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

}  // namespace

Connection::Connection(Socket socket, std::chrono::milliseconds write_timeout, size_t max_buffered)
    : socket_(std::move(socket)),
      watchdog_(socket_.get_executor()),
      progress_(socket_.get_executor(), Clock::time_point::max()),
      remote_address_(address_of(socket_)),
      write_timeout_(write_timeout),
      max_buffered_(max_buffered) {}

void Connection::start_watchdog() { arm_watchdog(); }

void Connection::arm_watchdog() {
  Clock::time_point when = read_deadline_;
  if (writing_) when = std::min(when, write_deadline_);
  watchdog_.expires_at(when);
  watchdog_.async_wait(
      [self = shared_from_this()](const boost::system::error_code&) { self->on_watchdog(); });
}

void Connection::on_watchdog() {
  if (closed_) return;
  const Clock::time_point now = Clock::now();
  const bool read_late = read_deadline_ <= now;
  if (read_late || (writing_ && write_deadline_ <= now)) {
    timed_out_ = true;
    spdlog::debug("closing connection from {}: {} timed out", remote_address_,
                  read_late ? "read" : "write");
    close();
    return;
  }
  arm_watchdog();
}

void Connection::set_read_deadline(Clock::time_point deadline) {
  read_deadline_ = deadline;
  if (!closed_ && deadline < watchdog_.expiry()) watchdog_.cancel();
}

void Connection::begin_write() {
  writing_ = true;
  write_deadline_ = Clock::now() + write_timeout_;
  if (write_deadline_ < watchdog_.expiry()) watchdog_.cancel();
}

net::awaitable<bool> Connection::write(std::vector<net::const_buffer> buffers) {
  beast::buffers_suffix<std::vector<net::const_buffer>> rest(buffers);
  while (beast::buffer_bytes(rest) > 0) {
    if (closed_) co_return false;
    begin_write();
    boost::system::error_code ec;
    const size_t n =
        co_await socket_.async_write_some(rest, net::redirect_error(net::use_awaitable, ec));
    end_write();
    if (ec) {
      mark_lost();
      close();
      co_return false;
    }
    rest.consume(n);
  }
  co_return true;
}

void Connection::watch_peer() {
  if (watching_ || closed_ || lost_) return;
  if (buffer_.size() > max_buffered_) return;
  unwatch_requested_ = false;
  watching_ = true;
  read_for_watch();
}

void Connection::read_for_watch() {
  socket_.async_read_some(buffer_.prepare(kWatchReadBytes),
                          [self = shared_from_this()](const boost::system::error_code& ec,
                                                      size_t n) { self->on_watch_read(ec, n); });
}

void Connection::on_watch_read(const boost::system::error_code& ec, size_t n) {
  if (!ec) {
    buffer_.commit(n);
    // A client may send its next request early (pipelining); it is kept for later. One that
    // sends more than a request head's worth is not read further (TCP pushes back on it).
    if (!unwatch_requested_ && !closed_ && buffer_.size() <= max_buffered_) {
      read_for_watch();
      return;
    }
    watching_ = false;
    notify_progress();
    return;
  }
  watching_ = false;
  if (!(ec == net::error::operation_aborted && unwatch_requested_)) {
    spdlog::debug("client {} went away: {}", remote_address_, ec.message());
    mark_lost();
  }
  notify_progress();
}

net::awaitable<void> Connection::unwatch_peer() {
  if (!watching_) co_return;
  unwatch_requested_ = true;
  boost::system::error_code ignored;
  socket_.cancel(ignored);
  while (watching_) co_await wait_progress();
}

void Connection::set_lost_hook(std::function<void()> hook) {
  lost_hook_ = std::move(hook);
  if (lost_) mark_lost();
}

void Connection::mark_lost() {
  lost_ = true;
  if (lost_hook_) {
    std::function<void()> hook = std::move(lost_hook_);
    lost_hook_ = nullptr;
    hook();
  }
  notify_progress();
}

void Connection::server_stopping() {
  if (closed_) return;
  if (phase_ == Phase::kIdle) {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    return;
  }
  if (stop_hook_) {
    std::function<void()> hook = std::move(stop_hook_);
    stop_hook_ = nullptr;
    hook();
  }
  notify_progress();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  watchdog_.cancel();
  if (event_timer_) event_timer_->cancel();
  mark_lost();
}

net::awaitable<void> Connection::linger_close(std::chrono::milliseconds timeout) {
  if (closed_) co_return;
  boost::system::error_code ec;
  socket_.shutdown(net::socket_base::shutdown_send, ec);
  if (!ec) {
    set_read_deadline(Clock::now() + timeout);
    buffer_.clear();
    size_t discarded = 0;
    while (!closed_ && discarded < kMaxLingerBytes) {
      const size_t n = co_await socket_.async_read_some(
          buffer_.prepare(kLingerReadBytes), net::redirect_error(net::use_awaitable, ec));
      if (ec) break;
      discarded += n;
    }
  }
  close();
}

net::awaitable<void> Connection::wait_progress() {
  boost::system::error_code ignored;
  co_await progress_.async_wait(net::redirect_error(net::use_awaitable, ignored));
}

Timer& Connection::event_timer() {
  if (!event_timer_) event_timer_.emplace(socket_.get_executor());
  return *event_timer_;
}

void Connection::wake_writer() {
  if (event_timer_) event_timer_->cancel();
}

}  // namespace askdb::server::detail
