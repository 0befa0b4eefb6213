// Server-Sent Events on an Exchange over real loopback HTTP: framing, events from other
// threads, keep-alive comments, and noticing clients that leave or stop reading.

// GCC 12: false positives on Asio's coroutine frames (see src/server/connection.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "server/exchange.h"
#include "server/http_server.h"
#include "server/sse_format.h"
#include "unit/server/http_test_support.h"

namespace askdb::server {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using testing::RawClient;
using testing::test_options;
using testing::TestServer;
using testing::wait_until;
using namespace std::chrono_literals;

constexpr const char* kStreamRequest =
    "GET /events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n\r\n";

// --- The wire format ------------------------------------------------------------------

TEST(SseFormatTest, EventWithNameAndOneLine) {
  EXPECT_EQ(format_sse_event("status", "{\"stage\":\"received\"}"),
            "event: status\ndata: {\"stage\":\"received\"}\n\n");
}

TEST(SseFormatTest, MultiLineDataBecomesSeveralDataLines) {
  EXPECT_EQ(format_sse_event("answer", "one\ntwo\r\nthree\rfour"),
            "event: answer\ndata: one\ndata: two\ndata: three\ndata: four\n\n");
  EXPECT_EQ(format_sse_event("x", "ends with newline\n"),
            "event: x\ndata: ends with newline\ndata: \n\n");
}

TEST(SseFormatTest, EmptyDataAndEmptyName) {
  EXPECT_EQ(format_sse_event("", ""), "data: \n\n");
  EXPECT_EQ(format_sse_event("", "hi"), "data: hi\n\n");
}

TEST(SseFormatTest, LineBreaksInTheNameAreRemoved) {
  EXPECT_EQ(format_sse_event("bad\nevent: forged", "x"), "event: badevent: forged\ndata: x\n\n");
}

TEST(SseFormatTest, Comments) {
  EXPECT_EQ(format_sse_comment("keep-alive"), ": keep-alive\n\n");
  EXPECT_EQ(format_sse_comment("a\nb"), ": a\n: b\n\n");
}

// --- Streams --------------------------------------------------------------------------

TEST(SseTest, EventsAreFramedAndTheConnectionIsReused) {
  TestServer server([](Exchange& ex) -> net::awaitable<void> {
    if (ex.path() != "/events") {
      ex.respond(200, "plain");
      co_return;
    }
    EXPECT_TRUE(co_await ex.start_events());
    EXPECT_TRUE(co_await ex.send_event("status", "line one\nline two"));
    EXPECT_TRUE(co_await ex.send_event("", "plain message"));
    EXPECT_TRUE(co_await ex.send_comment("ping"));
    ex.respond(500, "ignored once streaming");
  });
  RawClient client(server.port());
  ASSERT_TRUE(client.send(kStreamRequest));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->at(http::field::content_type), "text/event-stream; charset=utf-8");
  EXPECT_EQ(response->at(http::field::cache_control), "no-cache");
  EXPECT_EQ(response->at("X-Accel-Buffering"), "no");
  EXPECT_TRUE(response->chunked());
  EXPECT_EQ(response->at("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(response->at("Content-Security-Policy"), kContentSecurityPolicy);
  EXPECT_EQ(response->at("X-Request-Id").size(), 16u);
  EXPECT_EQ(response->body(),
            "event: status\ndata: line one\ndata: line two\n\n"
            "data: plain message\n\n"
            ": ping\n\n");
  // The terminating chunk ended the stream cleanly; the connection serves the next request.
  ASSERT_TRUE(client.send("GET /next HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto next = client.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "plain");
}

TEST(SseTest, Http10StreamEndsByClosing) {
  TestServer server([](Exchange& ex) -> net::awaitable<void> {
    co_await ex.start_events();
    co_await ex.send_event("a", "1");
    co_await ex.finish_events();
  });
  RawClient client(server.port());
  ASSERT_TRUE(client.send("GET /events HTTP/1.0\r\n\r\n"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->chunked());
  EXPECT_EQ(response->body(), "event: a\ndata: 1\n\n");
  EXPECT_TRUE(client.wait_closed());
}

TEST(SseTest, EventsPushedFromAnotherThreadArriveInOrder) {
  std::thread producer;
  TestServer server([&](Exchange& ex) -> net::awaitable<void> {
    std::shared_ptr<EventSink> sink = ex.event_sink();
    EXPECT_TRUE(ex.push_event("early", "queued before the head"));
    co_await ex.start_events();
    producer = std::thread([sink] {
      for (int i = 0; i < 200; ++i) {
        EXPECT_TRUE(sink->push_event("n", std::to_string(i)));
      }
      sink->close();
      EXPECT_FALSE(sink->push_event("late", "after close"));
    });
    EXPECT_TRUE(co_await ex.events_closed());
  });
  RawClient client(server.port());
  ASSERT_TRUE(client.send(kStreamRequest));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  std::string expected = "event: early\ndata: queued before the head\n\n";
  for (int i = 0; i < 200; ++i) expected += "event: n\ndata: " + std::to_string(i) + "\n\n";
  EXPECT_EQ(response->body(), expected);
  producer.join();
}

TEST(SseTest, WorkPostedToTheExchangeStrandCanSendEvents) {
  TestServer server([](Exchange& ex) -> net::awaitable<void> {
    co_await ex.start_events();
    std::thread other([&ex] {
      // Another thread hands work to the exchange's strand.
      net::post(ex.executor(), [&ex] {
        ex.push_event("from", "strand");
        ex.event_sink()->close();
      });
    });
    co_await ex.events_closed();
    other.join();
  });
  RawClient client(server.port());
  ASSERT_TRUE(client.send(kStreamRequest));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "event: from\ndata: strand\n\n");
}

TEST(SseTest, QuietStreamGetsKeepAliveComments) {
  HttpServerOptions options = test_options();
  options.event_keepalive_interval = 50ms;
  TestServer server(
      [](Exchange& ex) -> net::awaitable<void> {
        co_await ex.start_events();
        co_await ex.events_closed();  // until the client leaves
      },
      options);
  RawClient client(server.port());
  ASSERT_TRUE(client.send(kStreamRequest));
  client.begin_response();
  ASSERT_TRUE(client.read_body_until(": keep-alive\n\n: keep-alive\n\n"));
}

TEST(SseTest, ClientGoneFiresWhenTheClientLeavesAQuietStream) {
  std::atomic<bool> gone{false};
  std::atomic<bool> sink_saw_gone{false};
  std::atomic<bool> returned{false};
  std::atomic<bool> delivered{true};
  HttpServerOptions options = test_options();
  options.event_keepalive_interval = 0ms;  // nothing is written after the first event
  TestServer server(
      [&](Exchange& ex) -> net::awaitable<void> {
        auto sink = ex.event_sink();
        ex.on_client_gone([&, sink] {
          sink_saw_gone = sink->client_gone();
          gone = true;
        });
        co_await ex.start_events();
        co_await ex.send_event("hello", "world");
        delivered = co_await ex.events_closed();
        EXPECT_TRUE(ex.client_gone());
        EXPECT_FALSE(co_await ex.send_event("after", "gone"));
        returned = true;
      },
      options);
  RawClient client(server.port());
  ASSERT_TRUE(client.send(kStreamRequest));
  client.begin_response();
  ASSERT_TRUE(client.read_body_until("data: world\n\n"));
  EXPECT_FALSE(gone.load());
  client.close();
  EXPECT_TRUE(wait_until([&] { return gone.load(); }));
  EXPECT_TRUE(sink_saw_gone.load());
  EXPECT_TRUE(wait_until([&] { return returned.load(); }));
  EXPECT_FALSE(delivered.load());
  EXPECT_TRUE(wait_until([&] { return server.server().connection_count() == 0; }));
}

TEST(SseTest, ClientGoneFiresForAJsonRequestThatWatches) {
  std::atomic<bool> gone{false};
  TestServer server([&](Exchange& ex) -> net::awaitable<void> {
    // A long answer without a stream: wait until the client leaves.
    net::steady_timer wait(ex.executor(), net::steady_timer::time_point::max());
    ex.on_client_gone([&] {
      gone = true;
      wait.cancel();
    });
    boost::system::error_code ec;
    co_await wait.async_wait(net::redirect_error(net::use_awaitable, ec));
    ex.respond(200, "too late");
  });
  RawClient client(server.port());
  ASSERT_TRUE(client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(wait_until([&] { return server.server().connection_count() == 1; }));
  client.close();
  EXPECT_TRUE(wait_until([&] { return gone.load(); }));
  EXPECT_TRUE(wait_until([&] { return server.server().connection_count() == 0; }));
}

TEST(SseTest, PipelinedBytesDuringAStreamAreNotMistakenForLeaving) {
  TestServer server([](Exchange& ex) -> net::awaitable<void> {
    if (ex.path() == "/events") {
      co_await ex.start_events();
      net::steady_timer pause(ex.executor(), 50ms);
      co_await pause.async_wait(net::use_awaitable);
      EXPECT_FALSE(ex.client_gone());
      co_await ex.send_event("done", "1");
      co_return;
    }
    ex.respond(200, "second");
  });
  RawClient client(server.port());
  ASSERT_TRUE(client.send(std::string(kStreamRequest) + "GET /next HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto stream = client.read_response();
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->body(), "event: done\ndata: 1\n\n");
  auto next = client.read_response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "second");
}

TEST(SseTest, ClientThatStopsReadingIsDropped) {
  HttpServerOptions options = test_options();
  options.write_timeout = 300ms;
  std::atomic<bool> gone{false};
  std::atomic<int> sent{0};
  TestServer server(
      [&](Exchange& ex) -> net::awaitable<void> {
        ex.on_client_gone([&] { gone = true; });
        co_await ex.start_events();
        const std::string big(64 * 1024, 'x');
        while (sent < 100000 && co_await ex.send_event("rows", big)) ++sent;
      },
      options);
  RawClient client(server.port());
  ASSERT_TRUE(client.send(kStreamRequest));  // and never read
  EXPECT_TRUE(wait_until([&] { return gone.load(); }, 30s));
  EXPECT_LT(sent.load(), 100000);
}

TEST(SseTest, ProducerThatOutrunsTheClientIsCutOff) {
  HttpServerOptions options = test_options();
  options.max_event_queue_bytes = 256 * 1024;
  std::atomic<bool> refused{false};
  std::atomic<bool> gone{false};
  std::thread producer;
  TestServer server(
      [&](Exchange& ex) -> net::awaitable<void> {
        ex.on_client_gone([&] { gone = true; });
        co_await ex.start_events();
        producer = std::thread([&, sink = ex.event_sink()] {
          const std::string big(64 * 1024, 'y');
          for (int i = 0; i < 100000; ++i) {
            if (!sink->push_event("rows", big)) {
              refused = true;
              return;
            }
          }
        });
        co_await ex.events_closed();
      },
      options);
  RawClient client(server.port());
  ASSERT_TRUE(client.send(kStreamRequest));  // and never read
  EXPECT_TRUE(wait_until([&] { return refused.load(); }, 30s));
  EXPECT_TRUE(wait_until([&] { return gone.load(); }, 30s));
  producer.join();
}

TEST(SseTest, PushesBeforeAStreamAreBoundedWithoutDisconnecting) {
  HttpServerOptions options = test_options();
  options.max_event_queue_bytes = 1024;
  TestServer server(
      [](Exchange& ex) -> net::awaitable<void> {
        int accepted = 0;
        while (accepted < 1000 && ex.push_event("x", std::string(100, 'x'))) ++accepted;
        ex.respond(200, std::to_string(accepted));  // a plain answer after all
        co_return;
      },
      options);
  RawClient client(server.port());
  ASSERT_TRUE(client.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto response = client.read_response();
  ASSERT_TRUE(response);
  EXPECT_LT(std::stoi(response->body()), 1000);
  EXPECT_GT(std::stoi(response->body()), 0);
  EXPECT_TRUE(response->keep_alive());
}

TEST(SseTest, HandlerThatThrowsMidStreamCutsTheStream) {
  TestServer server([](Exchange& ex) -> net::awaitable<void> {
    co_await ex.start_events();
    co_await ex.send_event("status", "working");
    throw std::runtime_error("pipeline bug");
  });
  RawClient client(server.port());
  ASSERT_TRUE(client.send(kStreamRequest));
  client.begin_response();
  ASSERT_TRUE(client.read_body_until("data: working\n\n"));
  // No terminating chunk: the client can tell a cut stream from a finished one.
  EXPECT_FALSE(client.read_to_end());
  EXPECT_TRUE(client.wait_closed());
}

TEST(SseTest, HeadOfAStreamIsJustTheHead) {
  TestServer server([](Exchange& ex) -> net::awaitable<void> {
    EXPECT_TRUE(co_await ex.start_events());
    EXPECT_FALSE(co_await ex.send_event("x", "y"));
  });
  RawClient client(server.port());
  ASSERT_TRUE(client.send("HEAD /events HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto response = client.read_response(/*head=*/true);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->at(http::field::content_type), "text/event-stream; charset=utf-8");
}

}  // namespace
}  // namespace askdb::server
