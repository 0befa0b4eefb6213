#include "llm/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/fake_openai_server.h"
#include "support/http_proxy_recorder.h"
#include "support/tls_test_server.h"

namespace askdb::llm {
namespace {

using test::FakeMode;
using test::FakeOpenAiServer;
using test::FakeRule;
using test::HttpProxyRecorder;
using test::TlsTestServer;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

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

// A body sink that appends every piece to `*out`.
BodySink append_to(std::string* out) {
  return [out](const HttpHead&, std::string_view piece) {
    out->append(piece);
    return true;
  };
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

TEST(HttpClientHelpersTest, DisplayUrlDropsUserInfoAndQuery) {
  EXPECT_EQ(display_url("https://user:s3cret@host.example/v1?api-key=abc#x"),
            "https://host.example/v1");
  EXPECT_EQ(display_url("http://127.0.0.1:11434/v1"), "http://127.0.0.1:11434/v1");
  EXPECT_EQ(display_url("https://host/v1/me@example"), "https://host/v1/me@example");
  EXPECT_EQ(display_url("https://token@host"), "https://host");
}

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

TEST_F(HttpClientTest, GetIsSentAsGetWithoutABody) {
  HttpRequest req = request_to(server_.base_url() + "/models", R"({"not":"sent"})");
  req.method = "GET";
  const HttpResponse r = client_.post(req, {});
  ASSERT_TRUE(r.transport_ok()) << r.failure_message;
  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/v1/models");
  EXPECT_EQ(seen[0].body, "");
  // The fake serves POST /v1/chat/completions only; its 404 names what it received.
  EXPECT_EQ(r.head.status, 404);
  EXPECT_NE(r.error_body.find("Invalid URL (GET /v1/models)"), std::string::npos) << r.error_body;
}

TEST_F(HttpClientTest, PutIsSentAsPutWithItsBody) {
  HttpRequest req = request_to(server_.base_url() + "/things/1", R"({"name":"put me"})");
  req.method = "PUT";
  const HttpResponse r = client_.post(req, {});
  ASSERT_TRUE(r.transport_ok()) << r.failure_message;
  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "PUT");
  EXPECT_EQ(seen[0].target, "/v1/things/1");
  EXPECT_EQ(seen[0].body, req.body);
  EXPECT_EQ(r.head.status, 404);
  EXPECT_NE(r.error_body.find("Invalid URL (PUT /v1/things/1)"), std::string::npos) << r.error_body;
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

TEST_F(HttpClientTest, FirstByteTimeoutWhenTheServerReadsTheRequestButNeverAnswers) {
  FakeRule rule;
  rule.mode = FakeMode::kHang;
  server_.add_rule(rule);
  HttpRequest req = request_to(chat_url(), chat_body("q", true));
  req.first_byte_timeout_s = 0.3;  // timeout_s stays 10
  const HttpResponse r = client_.post(req, {});
  EXPECT_EQ(r.failure, HttpFailure::kFirstByteTimeout) << r.failure_message;
  EXPECT_EQ(r.failure_message, "127.0.0.1:" + std::to_string(server_.port()) +
                                   " did not begin to answer within 0.3 s");
  EXPECT_EQ(r.head.status, 0);
  EXPECT_EQ(server_.request_count(), 1u);  // the request was read
}

TEST_F(HttpClientTest, FirstByteTimeoutDoesNotCutAStreamThatHasBegun) {
  FakeRule rule;
  rule.mode = FakeMode::kRaw;
  rule.body = "data: a\n\ndata: b\n\ndata: c\n\ndata: d\n\ndata: e\n\n";
  rule.raw_chunk_bytes = 9;   // one event a chunk: the head and "data: a" come at once,
  rule.chunk_delay_ms = 250;  // then four pauses, each shorter than idle_timeout_s
  server_.add_rule(rule);
  HttpRequest req = request_to(chat_url(), chat_body("q", true));
  req.first_byte_timeout_s = 0.4;
  req.idle_timeout_s = 5;
  std::string got;
  const auto begun = Clock::now();
  const HttpResponse r = client_.post(req, append_to(&got));
  ASSERT_TRUE(r.transport_ok()) << r.failure_message;
  EXPECT_EQ(r.head.status, 200);
  EXPECT_EQ(got, rule.body);
  // The server's pauses alone make the exchange outlast first_byte_timeout_s.
  EXPECT_GE(Clock::now() - begun, 1s);
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

// The id of `client`'s transfer thread, learnt from a done handler (a refused connection ends
// at once); a default id when none ran.
std::thread::id transfer_thread_of(const HttpClient& client) {
  LoopbackSocket closed(/*listen_on_it=*/false);
  std::promise<std::thread::id> id;
  client.start(request_to(closed.url()), {},
               [&id](HttpResponse) { id.set_value(std::this_thread::get_id()); });
  auto future = id.get_future();
  if (future.wait_for(10s) != std::future_status::ready) return {};
  return future.get();
}

TEST(HttpClientTimerTest, AfterRunsOnTheTransferThreadOnceTheDelayHasPassed) {
  HttpClient client;
  const std::thread::id transfer_thread = transfer_thread_of(client);
  ASSERT_NE(transfer_thread, std::thread::id{});
  ASSERT_NE(transfer_thread, std::this_thread::get_id());

  std::promise<std::pair<std::thread::id, Clock::time_point>> ran;
  const auto asked = Clock::now();
  client.after(0.3, [&ran] { ran.set_value({std::this_thread::get_id(), Clock::now()}); });
  auto future = ran.get_future();
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  const auto [thread, when] = future.get();
  EXPECT_EQ(thread, transfer_thread);
  EXPECT_GE(when - asked, 300ms);  // never early
}

TEST(HttpClientTimerTest, CancelledTimerNeverRuns) {
  HttpClient client;
  std::atomic<bool> cancelled_ran{false};
  const std::shared_ptr<HttpCall> handle = client.after(0.5, [&] { cancelled_ran = true; });
  handle->cancel();
  // Timers run in the order they fall due: once a later one has run, the first would have too.
  std::promise<void> later;
  client.after(0.7, [&later] { later.set_value(); });
  ASSERT_EQ(later.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(cancelled_ran);
  handle->cancel();  // late: nothing happens
}

// What llm/exchange relies on to end a call that waits to retry when its provider goes: the
// destructor runs the timers still pending, at once, on the transfer thread; a request such a
// timer starts is refused, and a timer it sets runs at once. A cancelled timer never runs.
TEST(HttpClientTimerTest, DestructorRunsPendingTimersAtOnce) {
  std::atomic<bool> cancelled_ran{false};
  std::promise<std::thread::id> pending_ran;
  std::promise<HttpResponse> refused;
  std::atomic<bool> nested_ran{false};
  std::thread::id transfer_thread;
  {
    HttpClient client;
    transfer_thread = transfer_thread_of(client);
    ASSERT_NE(transfer_thread, std::thread::id{});
    client.after(60, [&] { cancelled_ran = true; })->cancel();
    // A timer set after the cancel runs only once the cancel has been taken.
    std::promise<void> cancel_taken;
    client.after(0, [&cancel_taken] { cancel_taken.set_value(); });
    ASSERT_EQ(cancel_taken.get_future().wait_for(10s), std::future_status::ready);
    client.after(60, [&] {
      pending_ran.set_value(std::this_thread::get_id());
      client.start(request_to("http://127.0.0.1:9/x"), {},
                   [&refused](HttpResponse r) { refused.set_value(std::move(r)); });
      client.after(60, [&nested_ran] { nested_ran = true; });
    });
  }
  // The destructor has returned, not 60 s later: what it ran has run.
  auto pending = pending_ran.get_future();
  ASSERT_EQ(pending.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(pending.get(), transfer_thread);
  auto refusal = refused.get_future();
  ASSERT_EQ(refusal.wait_for(0s), std::future_status::ready);
  const HttpResponse r = refusal.get();
  EXPECT_EQ(r.failure, HttpFailure::kOther);
  EXPECT_EQ(r.failure_message, "the HTTP client is shutting down (request to 127.0.0.1:9)");
  EXPECT_TRUE(nested_ran);
  EXPECT_FALSE(cancelled_ran);
}

TEST(HttpClientTimerTest, ACancelStillQueuedWhenTheDestructorBeginsIsHonoured) {
  std::atomic<bool> cancelled_ran{false};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> holding;
  std::thread releaser;
  {
    HttpClient client;
    // Hold the transfer thread, so that the timer and its cancel below are still queued
    // when the destructor begins.
    client.after(0, [&holding, released] {
      holding.set_value();
      released.wait();
    });
    ASSERT_EQ(holding.get_future().wait_for(10s), std::future_status::ready);
    client.after(60, [&] { cancelled_ran = true; })->cancel();
    releaser = std::thread([&release] {
      std::this_thread::sleep_for(200ms);
      release.set_value();
    });
  }
  releaser.join();
  EXPECT_FALSE(cancelled_ran);
}

// Clears every proxy variable curl reads while it lives and restores them afterwards (the
// cases of this file may share one process); set() sets one for the test.
class ProxyEnvironment {
 public:
  ProxyEnvironment() {
    for (const char* name : kNames) {
      if (const char* value = std::getenv(name)) saved_.emplace_back(name, value);
      ::unsetenv(name);
    }
  }
  ~ProxyEnvironment() {
    for (const char* name : kNames) ::unsetenv(name);
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }
  ProxyEnvironment(const ProxyEnvironment&) = delete;
  ProxyEnvironment& operator=(const ProxyEnvironment&) = delete;

  void set(const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); }

 private:
  static constexpr const char* kNames[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                           "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
  std::vector<std::pair<std::string, std::string>> saved_;
};

// curl honours the proxy variables (no option of HttpRequest turns that off). The host names
// end in .invalid: a request that does not go to the proxy fails to resolve.
class HttpClientProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status started = proxy_.start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  ProxyEnvironment env_;  // first: restored after the client and the proxy are gone
  HttpProxyRecorder proxy_;
  HttpClient client_;
};

TEST_F(HttpClientProxyTest, HttpProxyGetsTheRequestInAbsoluteForm) {
  env_.set("http_proxy", proxy_.url());
  std::string got;
  const HttpResponse r =
      client_.post(request_to("http://askdb-proxy-test.invalid/x"), append_to(&got));
  ASSERT_TRUE(r.transport_ok()) << r.failure_message;
  EXPECT_EQ(r.head.status, 200);
  EXPECT_EQ(got, HttpProxyRecorder::kBody);
  EXPECT_EQ(proxy_.request_lines(),
            std::vector<std::string>(1, "POST http://askdb-proxy-test.invalid/x HTTP/1.1"));
}

// Loopback is not exempt: with http_proxy set, a local LLM (Ollama on 127.0.0.1, say) is
// reached through the proxy unless NO_PROXY names it.
TEST_F(HttpClientProxyTest, HttpProxyIsUsedForLoopbackToo) {
  LoopbackSocket closed(/*listen_on_it=*/false);  // going there directly is refused
  env_.set("http_proxy", proxy_.url());
  const HttpResponse r = client_.post(request_to(closed.url()), {});
  ASSERT_TRUE(r.transport_ok()) << r.failure_message;
  EXPECT_EQ(r.head.status, 200);
  EXPECT_EQ(proxy_.request_lines(),
            std::vector<std::string>(1, "POST " + closed.url() + " HTTP/1.1"));
}

TEST_F(HttpClientProxyTest, NoProxyCanExemptLoopback) {
  LoopbackSocket closed(/*listen_on_it=*/false);
  env_.set("http_proxy", proxy_.url());
  env_.set("NO_PROXY", "localhost,127.0.0.1");
  const HttpResponse r = client_.post(request_to(closed.url()), {});
  EXPECT_EQ(r.failure, HttpFailure::kConnect) << r.failure_message;
  EXPECT_TRUE(proxy_.request_lines().empty());
}

TEST_F(HttpClientProxyTest, UpperCaseHttpProxyIsIgnored) {
  LoopbackSocket closed(/*listen_on_it=*/false);
  env_.set("HTTP_PROXY", proxy_.url());  // curl reads http_proxy in lower case only
  const HttpResponse r = client_.post(request_to(closed.url()), {});
  EXPECT_EQ(r.failure, HttpFailure::kConnect) << r.failure_message;
  EXPECT_TRUE(proxy_.request_lines().empty());
}

TEST_F(HttpClientProxyTest, HttpsProxyIsAskedToConnectToTheHost) {
  env_.set("HTTPS_PROXY", proxy_.url());
  const HttpResponse r = client_.post(request_to("https://askdb-proxy-test.invalid/"), {});
  EXPECT_FALSE(r.transport_ok());
  EXPECT_NE(r.failure_message.find("askdb-proxy-test.invalid:443"), std::string::npos)
      << r.failure_message;
  EXPECT_NE(r.failure_message.find("502"), std::string::npos) << r.failure_message;
  EXPECT_EQ(proxy_.request_lines(),
            std::vector<std::string>(1, "CONNECT askdb-proxy-test.invalid:443 HTTP/1.1"));
}

TEST_F(HttpClientProxyTest, NoProxyHostsGoDirect) {
  env_.set("http_proxy", proxy_.url());
  env_.set("HTTPS_PROXY", proxy_.url());
  env_.set("NO_PROXY", "askdb-proxy-test.invalid");
  for (const char* url :
       {"http://askdb-proxy-test.invalid/x", "https://askdb-proxy-test.invalid/"}) {
    const HttpResponse r = client_.post(request_to(url), {});
    EXPECT_EQ(r.failure, HttpFailure::kResolve) << url << ": " << r.failure_message;
    EXPECT_EQ(r.failure_message, "could not resolve the host name askdb-proxy-test.invalid");
  }
  EXPECT_TRUE(proxy_.request_lines().empty());
}

// TLS peers are always verified; HttpRequest::ca_bundle says which CAs to trust.
class HttpClientTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Status started = server_.start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  HttpRequest trusting(std::string ca_bundle) const {
    HttpRequest req = request_to(server_.url());
    req.ca_bundle = std::move(ca_bundle);
    return req;
  }

  TlsTestServer server_;
  HttpClient client_;
};

TEST_F(HttpClientTlsTest, CertificateOfAnUnknownCaIsRefused) {
  const HttpResponse r = client_.post(trusting(""), {});
  EXPECT_EQ(r.failure, HttpFailure::kTls) << r.failure_message;
  const std::string where = "127.0.0.1:" + std::to_string(server_.port());
  EXPECT_NE(r.failure_message.find(where), std::string::npos) << r.failure_message;
  EXPECT_NE(r.failure_message.find("certificate"), std::string::npos) << r.failure_message;
  EXPECT_EQ(server_.handshakes(), 0);
  EXPECT_EQ(server_.requests(), 0);
}

TEST_F(HttpClientTlsTest, CaBundleMakesTheServerTrusted) {
  std::string got;
  const HttpResponse r = client_.post(trusting(server_.ca_file()), append_to(&got));
  ASSERT_TRUE(r.transport_ok()) << r.failure_message;
  EXPECT_EQ(r.head.status, 200);
  EXPECT_EQ(r.head.content_type, "application/json");
  EXPECT_EQ(got, TlsTestServer::kBody);
  EXPECT_EQ(server_.requests(), 1);
}

TEST_F(HttpClientTlsTest, MissingCaBundleIsNamed) {
  const std::string missing = server_.ca_file() + ".missing";
  const HttpResponse r = client_.post(trusting(missing), {});
  EXPECT_EQ(r.failure, HttpFailure::kTls) << r.failure_message;
  EXPECT_EQ(r.failure_message, "the CA bundle " + missing + " cannot be used to verify 127.0.0.1:" +
                                   std::to_string(server_.port()) +
                                   " (no such file or directory; it must be a readable PEM file "
                                   "of CA certificates)");
  EXPECT_EQ(server_.handshakes(), 0);
}

TEST_F(HttpClientTlsTest, CaBundleWithoutCertificatesIsNamed) {
  const std::string not_pem = server_.ca_file() + ".txt";
  std::ofstream(not_pem) << "not a certificate\n";
  const HttpResponse r = client_.post(trusting(not_pem), {});
  std::filesystem::remove(not_pem);
  EXPECT_EQ(r.failure, HttpFailure::kTls) << r.failure_message;
  EXPECT_EQ(r.failure_message, "the CA bundle " + not_pem + " cannot be used to verify 127.0.0.1:" +
                                   std::to_string(server_.port()) +
                                   " (it holds no PEM certificate; it must be a readable PEM file "
                                   "of CA certificates)");
  EXPECT_EQ(server_.handshakes(), 0);
}

}  // namespace
}  // namespace askdb::llm
