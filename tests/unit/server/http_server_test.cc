// HttpServer and Exchange over real loopback HTTP: answers, request ids, limits, timeouts,
// keep-alive, failures of handlers and the connection cap.

// GCC 12: false positives on Asio's coroutine frames (see src/server/connection.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "server/http_server.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "core/log.h"
#include "server/exchange.h"
#include "unit/server/http_test_support.h"

namespace askdb::server {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using testing::fetch;
using testing::RawClient;
using testing::Response;
using testing::test_options;
using testing::TestServer;
using testing::wait_until;
using json = nlohmann::json;
using namespace std::chrono_literals;

HttpServer::Handler answer_ok() {
  return [](Exchange& ex) -> net::awaitable<void> {
    ex.respond(200, "ok " + std::string(ex.path()));
    co_return;
  };
}

json error_of(const Response& response) {
  json body = json::parse(response.body(), nullptr, false);
  EXPECT_TRUE(body.is_object()) << response.body();
  return body.is_object() && body.contains("error") ? body["error"] : json();
}

void expect_security_headers(const Response& response) {
  EXPECT_EQ(response["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(response["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(response["X-Frame-Options"], "DENY");
  EXPECT_EQ(response["Content-Security-Policy"], kContentSecurityPolicy);
}

TEST(HttpServerTest, AnswersAndSendsSecurityHeadersAndARequestId) {
  TestServer server(answer_ok());
  auto response = fetch(server.port(), "GET", "/hello");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "ok /hello");
  EXPECT_EQ(response->at(http::field::content_type), "text/plain; charset=utf-8");
  expect_security_headers(*response);
  const std::string date(response->at(http::field::date));
  EXPECT_EQ(date.size(), 29u) << date;  // "Tue, 24 Nov 2026 14:02:11 GMT"
  EXPECT_TRUE(date.ends_with(" GMT")) << date;
  const std::string id(response->at("X-Request-Id"));
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);

  auto again = fetch(server.port(), "GET", "/hello");
  ASSERT_TRUE(again);
  EXPECT_NE(again->at("X-Request-Id"), id);
}

TEST(HttpServerTest, ErrorBodiesFollowTheApiContract) {
  TestServer server([](Exchange& ex) -> net::awaitable<void> {
    ex.respond_error(400, "bad_request", "the question is empty", {{"X-Extra", "1"}});
    co_return;
  });
  auto response = fetch(server.port(), "POST", "/api/v1/x", "", "{}");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 400);
  EXPECT_EQ(response->at(http::field::content_type), "application/json");
  EXPECT_EQ(response->at("X-Extra"), "1");
  const json error = error_of(*response);
  EXPECT_EQ(error["code"], "bad_request");
  EXPECT_EQ(error["message"], "the question is empty");
  EXPECT_EQ(error["request_id"], std::string(response->at("X-Request-Id")));
  expect_security_headers(*response);
}

TEST(HttpServerTest, ExchangeShowsTheRequest) {
  json seen;
  TestServer server([&](Exchange& ex) -> net::awaitable<void> {
    seen["method"] = ex.method();
    seen["path"] = ex.path();
    seen["raw_path"] = ex.raw_path();
    seen["q"] = std::string(ex.query("q").value_or("-"));
    seen["missing"] = ex.query("nope").has_value();
    seen["query_count"] = ex.query_params().size();
    seen["header"] = ex.header("x-custom");
    seen["has_header"] = ex.has_header("X-CUSTOM");
    seen["absent_header"] = ex.header("x-absent");
    seen["body"] = ex.body();
    seen["remote"] = ex.remote_address();
    seen["version"] = ex.http_version();
    seen["recent"] = ex.start_time() <= std::chrono::steady_clock::now();
    seen["request_id"] = ex.request_id();
    bool found = false;
    for (const auto& [name, value] : ex.headers()) found = found || name == "X-Custom";
    seen["headers_listed"] = found;
    ex.respond_json(201, {{"ok", true}});
    co_return;
  });
  auto response = fetch(server.port(), "POST", "/a%20b/c?q=x+y%26z&flag&r=1", "X-Custom: value\r\n",
                        "the body");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 201);
  EXPECT_EQ(json::parse(response->body()), json({{"ok", true}}));
  EXPECT_EQ(seen["method"], "POST");
  EXPECT_EQ(seen["path"], "/a b/c");
  EXPECT_EQ(seen["raw_path"], "/a%20b/c");
  EXPECT_EQ(seen["q"], "x y&z");
  EXPECT_EQ(seen["missing"], false);
  EXPECT_EQ(seen["query_count"], 3);
  EXPECT_EQ(seen["header"], "value");
  EXPECT_EQ(seen["has_header"], true);
  EXPECT_EQ(seen["absent_header"], "");
  EXPECT_EQ(seen["body"], "the body");
  EXPECT_EQ(seen["remote"], "127.0.0.1");
  EXPECT_EQ(seen["version"], 11);
  EXPECT_EQ(seen["recent"], true);
  EXPECT_EQ(seen["headers_listed"], true);
  EXPECT_EQ(seen["request_id"], std::string(response->at("X-Request-Id")));
}

TEST(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  std::atomic<int> handled{0};
  TestServer server([&](Exchange& ex) -> net::awaitable<void> {
    ++handled;
    ex.respond(200, std::string(ex.path()));
    co_return;
  });
  RawClient client(server.port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.send("GET /r" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto response = client.read_response();
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(response->body(), "/r" + std::to_string(i));
    EXPECT_TRUE(response->keep_alive());
    EXPECT_EQ(response->at(http::field::keep_alive), "timeout=60");
  }
  EXPECT_EQ(handled.load(), 3);
  EXPECT_EQ(server.server().connection_count(), 1u);
}

TEST(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  TestServer server(answer_ok());
  RawClient client(server.port());
  ASSERT_TRUE(
      client.send("GET /one HTTP/1.1\r\nHost: t\r\n\r\nGET /two HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto first = client.read_response();
  auto second = client.read_response();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body(), "ok /one");
  EXPECT_EQ(second->body(), "ok /two");
}

TEST(HttpServerTest, Http10ClosesUnlessAskedToKeepAlive) {
  TestServer server(answer_ok());
  {
    RawClient client(server.port());
    ASSERT_TRUE(client.send("GET /old HTTP/1.0\r\n\r\n"));
    auto response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->version(), 10u);
    EXPECT_EQ(response->body(), "ok /old");
    EXPECT_TRUE(client.wait_closed());
  }
  RawClient client(server.port());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.send("GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto response = client.read_response();
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(response->at(http::field::connection), "keep-alive");
  }
}

TEST(HttpServerTest, HeadGetsHeadersWithoutBody) {
  TestServer server(answer_ok());
  RawClient client(server.port());
  ASSERT_TRUE(client.send("HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto head = client.read_response(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->at(http::field::content_length), "5");
  // The next response on the connection parses cleanly: no stray body bytes were sent.
  ASSERT_TRUE(client.send("GET /y HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto next = client.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "ok /y");
}

TEST(HttpServerTest, NoContentAndNotModifiedCarryNoBody) {
  TestServer server([](Exchange& ex) -> net::awaitable<void> {
    ex.respond(ex.path() == "/204" ? 204 : 304, "ignored");
    co_return;
  });
  RawClient client(server.port());
  for (const char* path : {"/204", "/304"}) {
    ASSERT_TRUE(client.send(std::string("GET ") + path + " HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto response = client.read_response();
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->body(), "");
    EXPECT_EQ(response->count(http::field::content_length), 0u) << path;
  }
}

TEST(HttpServerTest, HandlerThatThrowsGets500WithTheRequestId) {
  TestServer server([](Exchange& ex) -> net::awaitable<void> {
    ex.add_header("Set-Cookie", "must-not-leak=1");
    if (ex.path() == "/throw") throw std::runtime_error("boom");
    co_return;
  });
  auto response = fetch(server.port(), "GET", "/throw");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 500);
  const json error = error_of(*response);
  EXPECT_EQ(error["code"], "internal");
  const std::string id(response->at("X-Request-Id"));
  EXPECT_EQ(error["request_id"], id);
  EXPECT_NE(error["message"].get<std::string>().find(id), std::string::npos);
  EXPECT_EQ(error["message"].get<std::string>().find("boom"), std::string::npos);
  EXPECT_EQ(response->count(http::field::set_cookie), 0u);
  expect_security_headers(*response);
}

TEST(HttpServerTest, HandlerThatDoesNotAnswerGets500) {
  TestServer server([](Exchange&) -> net::awaitable<void> { co_return; });
  RawClient client(server.port());
  ASSERT_TRUE(client.send("GET /silent HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 500);
  EXPECT_EQ(error_of(*response)["code"], "internal");
  // The connection is still usable.
  ASSERT_TRUE(client.send("GET /silent HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_TRUE(client.read_response());
}

TEST(HttpServerTest, HeadersWithLineBreaksAreDropped) {
  TestServer server([](Exchange& ex) -> net::awaitable<void> {
    ex.add_header("X-Good", "yes");
    ex.add_header("X-Bad", "a\r\nInjected: yes");
    ex.respond(200, "ok");
    co_return;
  });
  auto response = fetch(server.port(), "GET", "/");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->at("X-Good"), "yes");
  EXPECT_EQ(response->count("X-Bad"), 0u);
  EXPECT_EQ(response->count("Injected"), 0u);
}

TEST(HttpServerTest, ExpectContinueGetsAnInterimAnswer) {
  TestServer server([](Exchange& ex) -> net::awaitable<void> {
    ex.respond(200, "got " + ex.body());
    co_return;
  });
  RawClient client(server.port());
  ASSERT_TRUE(client.send(
      "POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = client.read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100);
  ASSERT_TRUE(client.send("hello"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "got hello");
}

TEST(HttpServerTest, AddressInUseSaysWhatToDo) {
  TestServer first(answer_ok());
  net::io_context io;
  HttpServerOptions options = test_options();
  options.port = first.port();
  auto second = HttpServer::start(io, options, answer_ok());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kConfig);
  EXPECT_EQ(second.error().message,
            "127.0.0.1:" + std::to_string(first.port()) +
                " is already in use; stop the other program or choose another port with --port");
}

TEST(HttpServerTest, ListensOnIpv6Loopback) {
  net::io_context io;
  HttpServerOptions options = test_options();
  options.host = "::1";
  auto server = HttpServer::start(io, options, answer_ok());
  if (!server.ok()) GTEST_SKIP() << "no IPv6 here: " << server.error().message;
  EXPECT_GT((*server)->local_port(), 0);
}

TEST(HttpServerTest, UnresolvableHostSaysWhatToDo) {
  net::io_context io;
  HttpServerOptions options = test_options();
  options.host = "no-such-host.invalid";
  auto server = HttpServer::start(io, options, answer_ok());
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.error().message.find("--host"), std::string::npos) << server.error().message;
}

TEST(HttpServerTest, AccessLogLineHasMethodPathStatusTimeAndIdButNoBody) {
  std::ostringstream lines;
  auto previous = spdlog::default_logger();
  auto capture = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines));
  capture->set_formatter(make_log_formatter(LogFormat::kJson));
  spdlog::set_default_logger(capture);
  std::string id;
  {
    HttpServerOptions options = test_options();
    options.access_log = true;
    TestServer server(
        [](Exchange& ex) -> net::awaitable<void> {
          ex.respond(201, "response-secret");
          co_return;
        },
        options);
    auto response =
        fetch(server.port(), "POST", "/api/v1/things?token=query-secret", "", "body-secret");
    ASSERT_TRUE(response);
    id = std::string(response->at("X-Request-Id"));
    // The line is written before the connection is let go (and no longer touched after).
    ASSERT_TRUE(wait_until([&] { return server.server().connection_count() == 0; }));
  }
  spdlog::set_default_logger(previous);
  const std::string log = lines.str();
  const auto line = nlohmann::json::parse(log.substr(0, log.find('\n')), nullptr, false);
  ASSERT_TRUE(line.is_object()) << log;
  EXPECT_EQ(line.value("level", ""), "info") << log;
  EXPECT_EQ(line.value("message", ""), "POST /api/v1/things 201") << log;
  EXPECT_EQ(line.value("method", ""), "POST") << log;
  EXPECT_EQ(line.value("path", ""), "/api/v1/things") << log;
  EXPECT_EQ(line.value("status", 0), 201) << log;
  EXPECT_EQ(line.value("request_id", ""), id) << log;
  EXPECT_TRUE(line.contains("duration_ms")) << log;
  for (const char* secret : {"body-secret", "response-secret", "query-secret"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << log;
  }
}

// --- Limits ---------------------------------------------------------------------------

TEST(HttpLimitsTest, BodyOverTheLimitIsRefusedBeforeItIsSent) {
  std::atomic<bool> called{false};
  HttpServerOptions options = test_options();
  options.max_body_bytes = 1024;
  TestServer server(
      [&](Exchange& ex) -> net::awaitable<void> {
        called = true;
        ex.respond(200, "read it");
        co_return;
      },
      options);
  RawClient client(server.port());
  // The head alone: the answer must come without the body ever being sent.
  ASSERT_TRUE(client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 413);
  EXPECT_EQ(error_of(*response)["code"], "payload_too_large");
  EXPECT_FALSE(response->keep_alive());
  expect_security_headers(*response);
  EXPECT_FALSE(called.load());
}

TEST(HttpLimitsTest, ChunkedBodyGrowingPastTheLimitIs413) {
  std::atomic<bool> called{false};
  HttpServerOptions options = test_options();
  options.max_body_bytes = 1024;
  TestServer server(
      [&](Exchange& ex) -> net::awaitable<void> {
        called = true;
        ex.respond(200, "read it");
        co_return;
      },
      options);
  RawClient client(server.port());
  std::string request = "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 8; ++i) request += "3e8\r\n" + std::string(1000, 'x') + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_TRUE(client.send(request));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 413);
  EXPECT_EQ(error_of(*response)["code"], "payload_too_large");
  EXPECT_FALSE(called.load());
}

TEST(HttpLimitsTest, ChunkedBodyWithinTheLimitReachesTheHandler) {
  HttpServerOptions options = test_options();
  options.max_body_bytes = 1024;
  TestServer server(
      [](Exchange& ex) -> net::awaitable<void> {
        ex.respond(200, std::to_string(ex.body().size()));
        co_return;
      },
      options);
  RawClient client(server.port());
  ASSERT_TRUE(
      client.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "3e8\r\n" +
                  std::string(1000, 'x') + "\r\n0\r\n\r\n"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "1000");
}

TEST(HttpLimitsTest, HeadersOverTheLimitAre431) {
  HttpServerOptions options = test_options();
  options.max_header_bytes = 1024;
  TestServer server(answer_ok(), options);
  RawClient client(server.port());
  ASSERT_TRUE(
      client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 431);
  EXPECT_EQ(error_of(*response)["code"], "bad_request");
}

TEST(HttpLimitsTest, MalformedRequestsAre400) {
  TestServer server(answer_ok());
  {
    RawClient client(server.port());
    ASSERT_TRUE(client.send("THIS IS NOT HTTP\r\n\r\n"));
    auto response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 400);
    EXPECT_EQ(error_of(*response)["code"], "bad_request");
  }
  for (const char* head :
       {"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 6\r\n\r\n"}) {
    RawClient client(server.port());
    ASSERT_TRUE(client.send(head));
    auto response = client.read_response();
    ASSERT_TRUE(response) << head;
    EXPECT_EQ(response->result_int(), 400) << head;
    EXPECT_TRUE(client.wait_closed()) << head;
  }
  for (const char* target : {"/bad%zzescape", "/nul%00byte", "relative"}) {
    auto response = fetch(server.port(), "GET", target);
    ASSERT_TRUE(response) << target;
    EXPECT_EQ(response->result_int(), 400) << target;
  }
}

TEST(HttpLimitsTest, SlowlorisHeadIsCutOff) {
  HttpServerOptions options = test_options();
  options.header_timeout = 200ms;
  TestServer server(answer_ok(), options);
  RawClient client(server.port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: t\r\n"));  // never finished
  EXPECT_TRUE(client.wait_closed());
  EXPECT_EQ(client.raw(), "");
}

TEST(HttpLimitsTest, TrickledHeadIsCutOffToo) {
  HttpServerOptions options = test_options();
  options.header_timeout = 200ms;
  TestServer server(answer_ok(), options);
  RawClient client(server.port());
  // A byte every 20 ms keeps any per-read timeout happy; the head's deadline still ends it.
  bool closed = false;
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (!closed && std::chrono::steady_clock::now() < give_up) {
    if (!client.send("X")) break;
    closed = client.wait_closed(20ms);
  }
  EXPECT_TRUE(closed || client.wait_closed());
}

TEST(HttpLimitsTest, SilentNewConnectionIsClosed) {
  HttpServerOptions options = test_options();
  options.header_timeout = 200ms;
  TestServer server(answer_ok(), options);
  RawClient client(server.port());
  EXPECT_TRUE(client.wait_closed());
}

TEST(HttpLimitsTest, IdleKeepAliveConnectionIsClosed) {
  HttpServerOptions options = test_options();
  options.idle_timeout = 200ms;
  TestServer server(answer_ok(), options);
  RawClient client(server.port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(client.read_response());
  EXPECT_TRUE(client.wait_closed());
  EXPECT_TRUE(wait_until([&] { return server.server().connection_count() == 0; }));
}

TEST(HttpLimitsTest, SlowBodyIsCutOff) {
  HttpServerOptions options = test_options();
  options.body_timeout = 200ms;
  TestServer server(answer_ok(), options);
  RawClient client(server.port());
  ASSERT_TRUE(client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly ten.."));
  EXPECT_TRUE(client.wait_closed());
}

TEST(HttpLimitsTest, ConnectionsBeyondTheCapGet503) {
  HttpServerOptions options = test_options();
  options.max_connections = 2;
  TestServer server(answer_ok(), options);
  auto a = std::make_unique<RawClient>(server.port());
  RawClient b(server.port());
  for (RawClient* client : {a.get(), &b}) {
    ASSERT_TRUE(client->send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(client->read_response());
  }
  {
    RawClient c(server.port());
    ASSERT_TRUE(c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto refused = c.read_response();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->result_int(), 503);
    EXPECT_EQ(error_of(*refused)["code"], "unavailable");
    EXPECT_FALSE(refused->keep_alive());
    expect_security_headers(*refused);
    EXPECT_TRUE(c.wait_closed());
  }
  a.reset();  // a slot frees up
  ASSERT_TRUE(wait_until([&] { return server.server().connection_count() == 1; }));
  auto response = fetch(server.port(), "GET", "/again");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
}

}  // namespace
}  // namespace askdb::server
