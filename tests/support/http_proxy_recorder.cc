#include "support/http_proxy_recorder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

namespace askdb::test {
namespace {

constexpr size_t kMaxHead = 64 * 1024;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The value of the Content-Length header in a request head, 0 when absent.
size_t content_length(const std::string& head) {
  const std::string lowered = lower(head);
  const size_t at = lowered.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  return static_cast<size_t>(std::strtoull(head.c_str() + at + 17, nullptr, 10));
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

struct HttpProxyRecorder::Impl {
  int listen_fd = -1;
  int stop_fd = -1;  // an eventfd: readable once stop() is called
  uint16_t port = 0;
  std::thread thread;

  mutable std::mutex mu;  // guards the members below
  bool stopping = false;
  int connection_fd = -1;  // the connection being served, -1 when none
  std::vector<std::string> request_lines;

  void serve() {
    while (true) {
      pollfd fds[2] = {{listen_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[1].revents != 0) return;
      const int fd = ::accept(listen_fd, nullptr, nullptr);
      if (fd < 0) continue;
      {
        std::lock_guard lock(mu);
        if (stopping) {
          ::close(fd);
          return;
        }
        connection_fd = fd;
      }
      answer(fd);
      {
        std::lock_guard lock(mu);
        connection_fd = -1;
      }
      ::close(fd);
    }
  }

  // Reads one request on `fd`, records its request line and answers it.
  void answer(int fd) {
    const timeval five_seconds{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
    std::string data;
    char buf[4096];
    size_t head_end = std::string::npos;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos && data.size() < kMaxHead) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      data.append(buf, static_cast<size_t>(n));
    }
    if (head_end == std::string::npos) return;
    const std::string head = data.substr(0, head_end + 2);
    const std::string line = head.substr(0, head.find("\r\n"));
    {
      std::lock_guard lock(mu);
      request_lines.push_back(line);
    }
    // Read the body too, so that closing the connection does not reset it under the reply.
    const size_t body_wanted = content_length(head);
    size_t body_read = data.size() - (head_end + 4);
    while (body_read < body_wanted) {
      const ssize_t n = ::recv(fd, buf, std::min(sizeof buf, body_wanted - body_read), 0);
      if (n <= 0) return;
      body_read += static_cast<size_t>(n);
    }
    std::string reply;
    if (line.starts_with("CONNECT ")) {
      reply = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    } else {
      reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
              std::to_string(kBody.size()) + "\r\nConnection: close\r\n\r\n" + std::string(kBody);
    }
    if (!send_all(fd, reply)) return;
    // Let the client close first: wait for its end of the connection (or the timeout).
    ::shutdown(fd, SHUT_WR);
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
  }
};

HttpProxyRecorder::HttpProxyRecorder() : impl_(std::make_unique<Impl>()) {}

HttpProxyRecorder::~HttpProxyRecorder() {
  stop();
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  if (impl_->stop_fd >= 0) ::close(impl_->stop_fd);
}

Status HttpProxyRecorder::start() {
  if (impl_->listen_fd >= 0) return Error{ErrorCode::kInternal, "the proxy already started"};
  impl_->stop_fd = ::eventfd(0, EFD_CLOEXEC);
  impl_->listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (impl_->stop_fd < 0 || impl_->listen_fd < 0) {
    return Error{ErrorCode::kInternal,
                 std::string("the proxy could not make a socket: ") + std::strerror(errno)};
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(impl_->listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(impl_->listen_fd, 16) != 0 ||
      ::getsockname(impl_->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return Error{ErrorCode::kInternal,
                 std::string("the proxy could not listen on 127.0.0.1: ") + std::strerror(errno)};
  }
  impl_->port = ntohs(addr.sin_port);
  impl_->thread = std::thread([impl = impl_.get()] { impl->serve(); });
  return ok_status();
}

void HttpProxyRecorder::stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    if (impl_->connection_fd >= 0) ::shutdown(impl_->connection_fd, SHUT_RDWR);
  }
  if (impl_->stop_fd >= 0) {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(impl_->stop_fd, &one, sizeof one);
  }
  if (impl_->thread.joinable()) impl_->thread.join();
}

uint16_t HttpProxyRecorder::port() const { return impl_->port; }

std::string HttpProxyRecorder::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

std::vector<std::string> HttpProxyRecorder::request_lines() const {
  std::lock_guard lock(impl_->mu);
  return impl_->request_lines;
}

}  // namespace askdb::test
