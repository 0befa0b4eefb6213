// HttpServer's graceful shutdown over real loopback HTTP: streams in flight finish within the
// grace, idle connections close, late requests get 503, and the rest is cut at the grace.

// GCC 12: false positives on Asio's coroutine frames (see src/server/connection.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <nlohmann/json.hpp>

#include "server/exchange.h"
#include "server/http_server.h"
#include "unit/server/http_test_support.h"

namespace askdb::server {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using testing::RawClient;
using testing::TestServer;
using testing::wait_until;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kStreamRequest =
    "GET /events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n\r\n";

// Streams "started", then ends with "bye" when the server begins shutting down.
HttpServer::Handler polite_stream() {
  return [](Exchange& ex) -> net::awaitable<void> {
    if (ex.path() != "/events") {
      ex.respond(200, "plain");
      co_return;
    }
    std::shared_ptr<EventSink> sink = ex.event_sink();
    ex.on_stopping([sink] {
      sink->push_event("bye", "the server is stopping");
      sink->close();
    });
    co_await ex.start_events();
    co_await ex.send_event("started", std::to_string(ex.stopping()));
    co_await ex.events_closed();
  };
}

TEST(HttpShutdownTest, StreamInFlightFinishesWithinTheGrace) {
  TestServer server(polite_stream());
  RawClient client(server.port());
  ASSERT_TRUE(client.send(kStreamRequest));
  client.begin_response();
  ASSERT_TRUE(client.read_body_until("data: 0\n\n"));

  auto drained = std::async(std::launch::async, [&] { return server.server().wait_drained(30s); });
  ASSERT_TRUE(client.read_to_end());  // the terminating chunk: a complete stream
  const auto response = client.release();
  EXPECT_NE(response.body().find("event: bye\ndata: the server is stopping\n\n"),
            std::string::npos);
  EXPECT_TRUE(client.wait_closed());
  EXPECT_TRUE(drained.get());
  EXPECT_TRUE(server.server().stopping());
}

TEST(HttpShutdownTest, IdleConnectionsAreClosed) {
  TestServer server(polite_stream());
  RawClient client(server.port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(client.read_response());
  server.server().begin_shutdown();
  EXPECT_TRUE(client.wait_closed());
  EXPECT_TRUE(server.server().wait_drained(30s));
}

TEST(HttpShutdownTest, RequestsArrivingDuringShutdownGet503) {
  TestServer server(polite_stream());
  RawClient client(server.port());
  ASSERT_TRUE(wait_until([&] { return server.server().connection_count() == 1; }));
  ASSERT_TRUE(client.send("GET /late HTTP/1.1\r\nHost: t\r\n"));  // half a head
  server.server().begin_shutdown();
  ASSERT_TRUE(client.send("\r\n"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 503);
  const json body = json::parse(response->body());
  EXPECT_EQ(body["error"]["code"], "unavailable");
  EXPECT_EQ(response->at(http::field::connection), "close");
  EXPECT_EQ(response->at("X-Content-Type-Options"), "nosniff");
  EXPECT_TRUE(client.wait_closed());
}

TEST(HttpShutdownTest, ConnectionOfAStreamClosesAfterIt) {
  TestServer server(polite_stream());
  RawClient client(server.port());
  ASSERT_TRUE(client.send(kStreamRequest));
  client.begin_response();
  ASSERT_TRUE(client.read_body_until("event: started"));
  server.server().begin_shutdown();
  ASSERT_TRUE(client.send("GET /after HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(client.read_to_end());
  client.release();
  // The stream ended cleanly, then the connection closed (the server is stopping): the
  // request sent behind it reached no handler.
  EXPECT_TRUE(client.wait_closed());
}

TEST(HttpShutdownTest, StreamsThatIgnoreShutdownAreCutAtTheGrace) {
  std::atomic<bool> gone{false};
  TestServer server([&](Exchange& ex) -> net::awaitable<void> {
    ex.on_client_gone([&] { gone = true; });
    co_await ex.start_events();
    co_await ex.send_event("started", "");
    co_await ex.events_closed();  // ignores on_stopping
  });
  RawClient client(server.port());
  ASSERT_TRUE(client.send(kStreamRequest));
  client.begin_response();
  ASSERT_TRUE(client.read_body_until("event: started"));
  EXPECT_FALSE(server.server().wait_drained(100ms));
  EXPECT_TRUE(client.wait_closed());
  EXPECT_TRUE(gone.load());
  EXPECT_EQ(server.server().connection_count(), 0u);
}

TEST(HttpShutdownTest, DrainedCanBeAwaited) {
  TestServer server(polite_stream());
  RawClient client(server.port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(client.read_response());
  std::future<bool> drained =
      net::co_spawn(server.io(), server.server().drained(30s), net::use_future);
  EXPECT_TRUE(drained.get());
  EXPECT_TRUE(client.wait_closed());
}

TEST(HttpShutdownTest, NoNewConnectionsAfterShutdown) {
  TestServer server(polite_stream());
  const uint16_t port = server.port();
  server.server().begin_shutdown();
  // The listening socket closes (on the io threads, soon): connecting is then refused.
  EXPECT_TRUE(wait_until([&] {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool refused = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0;
    ::close(fd);
    return refused;
  }));
}

}  // namespace
}  // namespace askdb::server
