#include "llm/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_openai_server.h"

namespace askdb::llm {
namespace {

using test::FakeMode;
using test::FakeOpenAiServer;
using test::FakeRule;

// A TCP socket bound to 127.0.0.1 on an ephemeral port; listening (but never accepting) or
// not listening at all (connections to it are refused).
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listen_on_it) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    if (listen_on_it) {
      EXPECT_EQ(::listen(fd_, 16), 0);
    }
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~LoopbackSocket() { ::close(fd_); }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/x"; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

HttpRequest request_to(const std::string& url, std::string body = "{}") {
  HttpRequest r;
  r.url = url;
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/json"}};
  r.connect_timeout_s = 5;
  r.timeout_s = 10;
  return r;
}

std::string chat_body(const std::string& question, bool stream) {
  return R"({"model":"m","stream":)" + std::string(stream ? "true" : "false") +
         R"(,"messages":[{"role":"user","content":")" + question + R"("}]})";
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start().ok()); }

  std::string chat_url() const { return server_.base_url() + "/chat/completions"; }

  FakeOpenAiServer server_;
  HttpClient client_;
};

TEST(HttpClientHelpersTest, UrlHostPortAndSeconds) {
  EXPECT_EQ(url_host_port("https://api.openai.com/v1"), "api.openai.com:443");
  EXPECT_EQ(url_host_port("http://127.0.0.1:11434/v1"), "127.0.0.1:11434");
  EXPECT_EQ(url_host_port("http://[::1]:8080/"), "[::1]:8080");
  EXPECT_EQ(url_host_port("not a url"), "not a url");
  EXPECT_EQ(format_seconds(120), "120 s");
  EXPECT_EQ(format_seconds(1.5), "1.5 s");
  EXPECT_EQ(format_seconds(0.25), "0.25 s");
}

TEST(HttpClientStandaloneTest, ConnectionRefusedNamesTheHost) {
  LoopbackSocket closed(/*listen_on_it=*/false);
  const HttpResponse r = HttpClient().post(request_to(closed.url()), {});
  EXPECT_EQ(r.failure, HttpFailure::kConnect);
  EXPECT_EQ(r.failure_message, "could not connect to 127.0.0.1:" + std::to_string(closed.port()) +
                                   " (connection refused)");
}

TEST(HttpClientStandaloneTest, TotalTimeoutWhileWaitingForAnAnswer) {
  LoopbackSocket silent(/*listen_on_it=*/true);
  HttpRequest req = request_to(silent.url());
  req.timeout_s = 0.5;
  const auto start = std::chrono::steady_clock::now();
  const HttpResponse r = HttpClient().post(req, {});
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.failure, HttpFailure::kTimeout);
  EXPECT_EQ(r.failure_message, "timed out after 0.5 s waiting for 127.0.0.1:" +
                                   std::to_string(silent.port()) + " to answer");
  EXPECT_LT(took.count(), 5.0);  // bounded by the timeout, not by the server
}

TEST(HttpClientStandaloneTest, BadUrlIsReported) {
  HttpResponse r = HttpClient().post(request_to("ftp://127.0.0.1/x"), {});
  EXPECT_EQ(r.failure, HttpFailure::kBadUrl);
  EXPECT_NE(r.failure_message.find("ftp://127.0.0.1/x"), std::string::npos);
  r = HttpClient().post(request_to("http://"), {});
  EXPECT_EQ(r.failure, HttpFailure::kBadUrl);
}

TEST_F(HttpClientTest, StreamsTheBodyInPiecesAsItArrives) {
  FakeRule rule;
  rule.mode = FakeMode::kRaw;
  rule.body = "data: one\n\ndata: two\n\ndata: three\n\n";
  rule.raw_chunk_bytes = 5;
  rule.chunk_delay_ms = 2;
  rule.headers = {{"x-request-id", "req_123"}};
  server_.add_rule(rule);

  std::string got;
  int pieces = 0;
  const HttpResponse r =
      client_.post(request_to(chat_url(), chat_body("q", true)),
                   [&](const HttpHead& head, std::string_view piece) {
                     EXPECT_EQ(head.status, 200);
                     EXPECT_EQ(head.content_type, "text/event-stream; charset=utf-8");
                     EXPECT_EQ(head.header("x-request-id"), "req_123");
                     got.append(piece);
                     ++pieces;
                     return true;
                   });
  ASSERT_TRUE(r.transport_ok()) << r.failure_message;
  EXPECT_EQ(r.head.status, 200);
  EXPECT_EQ(got, rule.body);
  EXPECT_GT(pieces, 1);
}

TEST_F(HttpClientTest, SendsMethodHeadersAndBody) {
  HttpRequest req = request_to(chat_url(), chat_body("hello", false));
  req.headers.emplace_back("Authorization", "Bearer sk-abc");
  const HttpResponse r = client_.post(req, [](const HttpHead&, std::string_view) { return true; });
  ASSERT_TRUE(r.transport_ok());
  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/v1/chat/completions");
  EXPECT_EQ(seen[0].authorization, "Bearer sk-abc");
  EXPECT_EQ(seen[0].body, req.body);
  EXPECT_EQ(seen[0].last_user_message(), "hello");
}

TEST_F(HttpClientTest, ErrorStatusBodyIsCapturedNotStreamed) {
  FakeRule rule;
  rule.mode = FakeMode::kHttpError;
  rule.status = 503;
  server_.add_rule(rule);
  bool sink_called = false;
  const HttpResponse r = client_.post(request_to(chat_url(), chat_body("q", true)),
                                      [&](const HttpHead&, std::string_view) {
                                        sink_called = true;
                                        return true;
                                      });
  ASSERT_TRUE(r.transport_ok());
  EXPECT_FALSE(sink_called);
  EXPECT_EQ(r.head.status, 503);
  EXPECT_EQ(r.head.content_type, "application/json");
  EXPECT_NE(r.error_body.find("currently overloaded"), std::string::npos);
  EXPECT_FALSE(r.head.header("x-request-id").empty());
}

TEST_F(HttpClientTest, SinkCanStopTheTransfer) {
  FakeRule rule;
  rule.mode = FakeMode::kRaw;
  rule.body = std::string(10000, 'x');
  rule.raw_chunk_bytes = 100;
  rule.chunk_delay_ms = 1;
  server_.add_rule(rule);
  size_t got = 0;
  const HttpResponse r = client_.post(request_to(chat_url(), chat_body("q", true)),
                                      [&](const HttpHead&, std::string_view piece) {
                                        got += piece.size();
                                        return false;
                                      });
  EXPECT_TRUE(r.transport_ok());
  EXPECT_TRUE(r.stopped_by_sink);
  EXPECT_LT(got, rule.body.size());
}

TEST_F(HttpClientTest, SinkExceptionIsRethrownAfterCurlUnwinds) {
  EXPECT_THROW(client_.post(request_to(chat_url(), chat_body("q", true)),
                            [](const HttpHead&, std::string_view) -> bool {
                              throw std::runtime_error("sink failed");
                            }),
               std::runtime_error);
  // The client is still usable.
  const HttpResponse r = client_.post(request_to(chat_url(), chat_body("q", true)),
                                      [](const HttpHead&, std::string_view) { return true; });
  EXPECT_TRUE(r.transport_ok());
}

TEST_F(HttpClientTest, IdleTimeoutWhenTheStreamFallsSilent) {
  FakeRule rule;
  rule.mode = FakeMode::kRaw;
  rule.body = "data: first\n\ndata: second\n\n";
  rule.raw_chunk_bytes = 13;
  rule.chunk_delay_ms = 5000;  // silent far longer than the idle limit
  server_.add_rule(rule);
  HttpRequest req = request_to(chat_url(), chat_body("q", true));
  req.idle_timeout_s = 1;
  std::string got;
  const HttpResponse r = client_.post(req, [&](const HttpHead&, std::string_view piece) {
    got.append(piece);
    return true;
  });
  EXPECT_EQ(r.failure, HttpFailure::kIdleTimeout);
  EXPECT_EQ(r.failure_message, "127.0.0.1:" + std::to_string(server_.port()) +
                                   " sent nothing for 1 s in the middle of its reply");
  EXPECT_EQ(got, "data: first\n\n");
}

TEST_F(HttpClientTest, CutStreamIsABrokenReply) {
  FakeRule rule;
  rule.mode = FakeMode::kCutStream;
  rule.reply = "one two three four five six seven eight";
  server_.add_rule(rule);
  std::string got;
  const HttpResponse r = client_.post(request_to(chat_url(), chat_body("q", true)),
                                      [&](const HttpHead&, std::string_view piece) {
                                        got.append(piece);
                                        return true;
                                      });
  EXPECT_EQ(r.failure, HttpFailure::kBrokenReply) << r.failure_message;
  EXPECT_NE(r.failure_message.find("broke while reading the reply"), std::string::npos);
  EXPECT_TRUE(r.body_started);
  EXPECT_NE(got.find("data: "), std::string::npos);
}

TEST_F(HttpClientTest, CancelStopsAHangingRequest) {
  FakeRule rule;
  rule.mode = FakeMode::kHang;
  server_.add_rule(rule);
  std::promise<HttpResponse> done;
  auto call = client_.start(request_to(chat_url(), chat_body("q", true)), {},
                            [&](HttpResponse r) { done.set_value(std::move(r)); });
  // Wait until the server has the request, so the cancel hits a transfer in flight.
  for (int i = 0; i < 500 && server_.request_count() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(client_.in_flight(), 1u);
  call->cancel();
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const HttpResponse r = future.get();
  EXPECT_EQ(r.failure, HttpFailure::kCancelled);
  EXPECT_NE(r.failure_message.find("was cancelled"), std::string::npos);
  call->cancel();  // late: nothing happens
  EXPECT_EQ(client_.in_flight(), 0u);
}

TEST_F(HttpClientTest, ManyStreamsAtOnceOnOneTransferThread) {
  constexpr int kStreams = 200;
  FakeRule rule;
  rule.once = false;
  rule.reply = "one two three four five six seven eight nine ten";
  rule.chunk_delay_ms = 20;
  server_.add_rule(rule);
  std::mutex mu;
  std::vector<std::string> bodies(kStreams);
  std::atomic<int> finished{0};
  std::promise<void> all_done;
  for (int i = 0; i < kStreams; ++i) {
    client_.start(
        request_to(chat_url(), chat_body("q" + std::to_string(i), true)),
        [&, i](const HttpHead&, std::string_view piece) {
          std::lock_guard lock(mu);
          bodies[i].append(piece);
          return true;
        },
        [&](HttpResponse r) {
          EXPECT_TRUE(r.transport_ok()) << r.failure_message;
          if (++finished == kStreams) all_done.set_value();
        });
  }
  ASSERT_EQ(all_done.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  for (const auto& body : bodies) EXPECT_NE(body.find("data: [DONE]"), std::string::npos);
  EXPECT_EQ(client_.in_flight(), 0u);
}

TEST(HttpClientStandaloneTest, DestructorCancelsWhatIsInFlight) {
  LoopbackSocket listening(true);  // accepts nothing: the request waits
  std::promise<HttpResponse> done;
  {
    HttpClient client;
    HttpRequest req = request_to(listening.url());
    req.timeout_s = 60;
    client.start(req, {}, [&](HttpResponse r) { done.set_value(std::move(r)); });
  }
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  EXPECT_EQ(future.get().failure, HttpFailure::kCancelled);
}

}  // namespace
}  // namespace askdb::llm
