// Helpers for the HTTP server's tests: a server on an ephemeral loopback port with its
// io_context on two threads, and a raw-socket client whose every read has a timeout, so a
// test fails instead of hanging. The client parses responses with Beast's parser, fed by
// hand, so it sees exactly what went over the wire.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server/http_server.h"

namespace askdb::server::testing {

namespace http = boost::beast::http;
using Response = http::response<http::string_body>;
using namespace std::chrono_literals;

// Polls `done` until it holds or `timeout` passes (a generous bound, never a timing claim).
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// Options with short limits, so that tests of timeouts finish quickly.
inline HttpServerOptions test_options() {
  HttpServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.access_log = false;
  return options;
}

class TestServer {
 public:
  explicit TestServer(HttpServer::Handler handler, HttpServerOptions options = test_options())
      : work_(boost::asio::make_work_guard(io_)) {
    auto started = HttpServer::start(io_, std::move(options), std::move(handler));
    if (!started.ok()) {
      ADD_FAILURE() << started.error().message;
    } else {
      server_ = std::move(*started);
    }
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  ~TestServer() {
    if (server_) {
      server_->wait_drained(std::chrono::milliseconds(0));
      server_.reset();
    }
    work_.reset();
    io_.stop();
    for (std::thread& thread : threads_) thread.join();
  }

  uint16_t port() const { return server_ ? server_->local_port() : 0; }
  HttpServer& server() { return *server_; }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_{2};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
};

class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ADD_FAILURE() << "connect: " << std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one whole response. nullopt when it does not arrive in time, or the connection
  // closes first. `head`: the request was HEAD (no body follows).
  std::optional<Response> read_response(bool head = false,
                                        std::chrono::milliseconds timeout = 10s) {
    begin_response(head);
    if (!read_until([this] { return parser_->is_done(); }, timeout)) return std::nullopt;
    Response response = parser_->release();
    parser_.reset();
    return response;
  }

  // Streaming: starts a response, then reads until its (partial) body contains `text`.
  void begin_response(bool head = false) {
    parser_ = std::make_unique<http::response_parser<http::string_body>>();
    parser_->eager(true);
    parser_->body_limit(64 * 1024 * 1024);
    if (head) parser_->skip(true);
    feed();
  }
  bool read_head(std::chrono::milliseconds timeout = 10s) {
    return read_until([this] { return parser_->is_header_done(); }, timeout);
  }
  bool read_body_until(std::string_view text, std::chrono::milliseconds timeout = 10s) {
    return read_until([&] { return parser_->get().body().find(text) != std::string::npos; },
                      timeout);
  }
  // Reads to the end of the streamed response (terminating chunk, or close for HTTP/1.0).
  bool read_to_end(std::chrono::milliseconds timeout = 10s) {
    return read_until([this] { return parser_->is_done(); }, timeout);
  }
  const Response& partial() const { return parser_->get(); }
  Response release() {
    Response response = parser_->release();
    parser_.reset();
    return response;
  }

  // True when the server closes the connection (EOF or reset) within `timeout`; bytes that
  // arrive meanwhile are kept in raw().
  bool wait_closed(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const int n = recv_some(deadline);
      if (n == 0 || n == -1) return true;
      if (n == -2) return false;
    }
  }
  const std::string& raw() const { return pending_; }

  // Sends FIN: the client is done sending (and, for the server, gone).
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  // Appends what arrives to pending_: >0 bytes, 0 EOF, -1 error, -2 timeout.
  int recv_some(std::chrono::steady_clock::time_point deadline) {
    if (fd_ < 0) return -1;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return -2;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready == 0) return -2;
    if (ready < 0) return -1;
    char buffer[16384];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n < 0) return -1;
    pending_.append(buffer, static_cast<size_t>(n));
    return static_cast<int>(n);
  }

  void feed() {
    while (!pending_.empty() && !parser_->is_done()) {
      boost::system::error_code ec;
      const size_t used = parser_->put(boost::asio::buffer(pending_), ec);
      pending_.erase(0, used);
      if (ec == http::error::need_more) return;
      if (ec) {
        ADD_FAILURE() << "bad response from the server: " << ec.message();
        return;
      }
      if (used == 0) return;
    }
  }

  bool read_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    feed();
    while (!done()) {
      const int n = recv_some(deadline);
      if (n == 0 || n == -1) {
        boost::system::error_code ec;
        if (parser_->is_header_done()) parser_->put_eof(ec);
        return !ec && done();
      }
      if (n == -2) return false;
      feed();
    }
    return true;
  }

  int fd_ = -1;
  std::string pending_;
  std::unique_ptr<http::response_parser<http::string_body>> parser_;
};

// One request on a fresh connection.
inline std::optional<Response> fetch(uint16_t port, std::string_view method,
                                     std::string_view target, std::string_view extra_headers = "",
                                     std::string_view body = "") {
  RawClient client(port);
  std::string request = std::string(method) + " " + std::string(target) +
                        " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n" +
                        std::string(extra_headers);
  if (!body.empty() || method == "POST") {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n";
  request += body;
  if (!client.send(request)) return std::nullopt;
  return client.read_response(method == "HEAD");
}

}  // namespace askdb::server::testing
