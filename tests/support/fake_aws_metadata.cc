// The fake ECS and EC2 credential endpoints (see fake_aws_metadata.h). Thread-safety: the
// server's sockets live on its io thread; configuration and the request log behind a mutex.
#include "support/fake_aws_metadata.h"

// GCC 12 false positives inside Boost.Beast and Asio's coroutine frames; see
// fake_openai_server.cc.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <ctime>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

namespace askdb::test {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using net::awaitable;
using net::ip::tcp;
using json = nlohmann::ordered_json;

constexpr const char* kCredentialsPrefix = "/latest/meta-data/iam/security-credentials/";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A reply decided under the lock, sent afterwards.
struct Answer {
  Answer(int s, std::string type, std::string b, bool c = false)
      : status(s), content_type(std::move(type)), body(std::move(b)), close(c) {}

  int status = 200;
  std::string content_type;
  std::string body;
  bool close = false;  // close the connection without replying
};

}  // namespace

std::string FakeAwsRequest::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

struct FakeAwsMetadataServer::Impl {
  explicit Impl(FakeAwsMetadataOptions o) : options(std::move(o)) {}

  const FakeAwsMetadataOptions options;
  net::io_context io{1};
  std::optional<tcp::acceptor> acceptor;
  std::set<tcp::socket*> open_sockets;  // io thread only
  std::thread thread;
  std::atomic<uint16_t> port{0};
  bool started = false;
  bool stopped = false;

  mutable std::mutex mu;  // guards everything below
  FakeAwsCredentials credentials;
  std::deque<FakeAwsFault> faults;
  int delay_ms = 0;
  std::vector<FakeAwsRequest> requests;
  std::set<std::string> tokens;  // IMDS session tokens handed out
  int next_token = 1;
  int served = 0;

  awaitable<void> accept_loop();
  awaitable<void> session(tcp::socket socket);
  Answer decide(const http::request<http::string_body>& request);
  Answer credentials_answer(bool imds);
};

Answer FakeAwsMetadataServer::Impl::credentials_answer(bool imds) {
  // REQUIRES: mu held.
  if (!faults.empty()) {
    const FakeAwsFault fault = faults.front();
    faults.pop_front();
    switch (fault) {
      case FakeAwsFault::kStatus500:
        return {500, "application/json",
                R"({"code":"InternalError","message":"fake failure injected"})"};
      case FakeAwsFault::kClose:
        return {0, "", "", true};
      case FakeAwsFault::kNotJson:
        return {200, "text/html", "<html>gateway says hello</html>"};
    }
  }
  ++served;
  const std::string expiration =
      credentials.expiration.empty()
          ? iso8601(std::chrono::system_clock::now() + std::chrono::hours(6))
          : credentials.expiration;
  json body;
  if (imds) {
    body["Code"] = "Success";
    body["LastUpdated"] = iso8601(std::chrono::system_clock::now());
    body["Type"] = "AWS-HMAC";
  } else {
    body["RoleArn"] = "arn:aws:iam::123456789012:role/askdb-task";
  }
  body["AccessKeyId"] = credentials.access_key_id;
  body["SecretAccessKey"] = credentials.secret_access_key;
  body["Token"] = credentials.token;
  body["Expiration"] = expiration;
  return {200, imds ? "text/plain" : "application/json", body.dump(2)};
}

Answer FakeAwsMetadataServer::Impl::decide(const http::request<http::string_body>& request) {
  const std::string target(request.target());
  const std::string path = target.substr(0, target.find('?'));
  std::lock_guard lock(mu);
  if (path == options.ecs_path) {
    if (request.method() != http::verb::get) {
      return {405, "application/json", R"({"code":"MethodNotAllowed","message":"GET only"})"};
    }
    if (!options.ecs_authorization.empty() &&
        std::string(request[http::field::authorization]) != options.ecs_authorization) {
      return {401, "application/json",
              R"({"code":"AccessDeniedException","message":"invalid authorization token"})"};
    }
    return credentials_answer(false);
  }
  if (path == "/latest/api/token") {
    if (request.method() != http::verb::put) {
      return {405, "text/plain", ""};
    }
    const std::string ttl(request["X-aws-ec2-metadata-token-ttl-seconds"]);
    int seconds = 0;
    try {
      seconds = ttl.empty() ? 0 : std::stoi(ttl);
    } catch (...) {
      seconds = 0;
    }
    if (seconds < 1 || seconds > 21600) return {400, "text/plain", ""};
    if (options.imds_token_status != 200) return {options.imds_token_status, "text/plain", ""};
    std::string token = "AQAEAFakeImdsToken" + std::to_string(next_token++) + "==";
    tokens.insert(token);
    return {200, "text/plain", token};
  }
  if (path.starts_with("/latest/meta-data/")) {
    if (request.method() != http::verb::get) return {405, "text/plain", ""};
    const std::string token(request["X-aws-ec2-metadata-token"]);
    if (token.empty() ? !options.imds_v1_allowed : tokens.count(token) == 0) {
      return {401, "text/plain", ""};
    }
    if (path == kCredentialsPrefix) {
      if (options.role.empty()) return {404, "text/html", "<?xml version=\"1.0\"?>Not Found"};
      return {200, "text/plain", options.role};
    }
    if (path.starts_with(kCredentialsPrefix) &&
        path.substr(std::string(kCredentialsPrefix).size()) == options.role &&
        !options.role.empty()) {
      return credentials_answer(true);
    }
    return {404, "text/html", "<?xml version=\"1.0\"?>Not Found"};
  }
  return {404, "application/json", R"({"code":"NotFound","message":"no such path"})"};
}

awaitable<void> FakeAwsMetadataServer::Impl::accept_loop() {
  for (;;) {
    error_code ec;
    tcp::socket socket =
        co_await acceptor->async_accept(net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) co_return;
      continue;
    }
    net::co_spawn(io, session(std::move(socket)), net::detached);
  }
}

awaitable<void> FakeAwsMetadataServer::Impl::session(tcp::socket socket) {
  open_sockets.insert(&socket);
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    error_code ec;
    co_await http::async_read(socket, buffer, request, net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    {
      FakeAwsRequest recorded;
      recorded.method = std::string(request.method_string());
      recorded.target = std::string(request.target());
      for (const auto& field : request) {
        recorded.headers[lower(std::string(field.name_string()))] = std::string(field.value());
      }
      std::lock_guard lock(mu);
      requests.push_back(std::move(recorded));
    }
    int delay = 0;
    {
      std::lock_guard lock(mu);
      delay = delay_ms;
    }
    if (delay > 0) {
      net::steady_timer timer(io, std::chrono::milliseconds(delay));
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      if (!socket.is_open()) break;
    }
    Answer answer = decide(request);
    if (answer.close) break;
    http::response<http::string_body> response{static_cast<http::status>(answer.status),
                                               request.version()};
    response.set(http::field::server, "fake-aws-metadata");
    if (!answer.content_type.empty()) response.set(http::field::content_type, answer.content_type);
    response.keep_alive(request.keep_alive());
    response.body() = std::move(answer.body);
    response.prepare_payload();
    co_await http::async_write(socket, response, net::redirect_error(net::use_awaitable, ec));
    if (ec || !request.keep_alive()) break;
  }
  open_sockets.erase(&socket);
  error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

FakeAwsMetadataServer::FakeAwsMetadataServer(FakeAwsMetadataOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

FakeAwsMetadataServer::~FakeAwsMetadataServer() { stop(); }

Status FakeAwsMetadataServer::start() {
  if (impl_->started)
    return Error{ErrorCode::kInternal, "the fake AWS metadata server already started"};
  try {
    impl_->acceptor.emplace(impl_->io);
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor->open(endpoint.protocol());
    impl_->acceptor->set_option(net::socket_base::reuse_address(true));
    impl_->acceptor->bind(endpoint);
    impl_->acceptor->listen();
    impl_->port = impl_->acceptor->local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    return Error{ErrorCode::kInternal,
                 std::string("the fake AWS metadata server could not listen: ") + e.what()};
  }
  impl_->started = true;
  net::co_spawn(impl_->io, impl_->accept_loop(), net::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
  return ok_status();
}

void FakeAwsMetadataServer::stop() {
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  net::post(impl_->io, [impl = impl_.get()] {
    error_code ignored;
    impl->acceptor->close(ignored);
    for (tcp::socket* socket : impl->open_sockets) {
      socket->shutdown(tcp::socket::shutdown_both, ignored);
      socket->close(ignored);
    }
    impl->open_sockets.clear();
    impl->io.stop();
  });
  impl_->thread.join();
}

uint16_t FakeAwsMetadataServer::port() const { return impl_->port; }

std::string FakeAwsMetadataServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

void FakeAwsMetadataServer::set_credentials(FakeAwsCredentials credentials) {
  std::lock_guard lock(impl_->mu);
  impl_->credentials = std::move(credentials);
}

void FakeAwsMetadataServer::fail_next(FakeAwsFault fault, int count) {
  std::lock_guard lock(impl_->mu);
  for (int i = 0; i < count; ++i) impl_->faults.push_back(fault);
}

void FakeAwsMetadataServer::set_delay_ms(int ms) {
  std::lock_guard lock(impl_->mu);
  impl_->delay_ms = ms;
}

std::vector<FakeAwsRequest> FakeAwsMetadataServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

int FakeAwsMetadataServer::credentials_served() const {
  std::lock_guard lock(impl_->mu);
  return impl_->served;
}

}  // namespace askdb::test
