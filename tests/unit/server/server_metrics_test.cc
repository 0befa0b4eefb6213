// ServerMetrics: what an answer records (stage times, outcome, LLM calls, tokens and cost,
// guard refusals, SQL errors), what the HTTP server reports to it over real loopback HTTP
// (route patterns, "static", "unmatched", methods, statuses, open streams and connections),
// the pools and the process read at scrape time; and the whole text valid.

// GCC 12: false positives on Asio's coroutine frames (see src/server/connection.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "server/server_metrics.h"

#include <gtest/gtest.h>

#include <ctime>
#include <mutex>

#include "chat/pipeline.h"
#include "pg/pool.h"
#include "server/process_stats.h"
#include "server/router.h"
#include "support/prometheus_text.h"
#include "unit/server/http_test_support.h"

namespace askdb::server {
namespace {

namespace net = boost::asio;
using askdb::testing::parse_prometheus_text;
using askdb::testing::PromText;
using testing::fetch;
using testing::RawClient;
using testing::TestServer;
using testing::wait_until;

PromText scrape(const ServerMetrics& metrics) {
  const std::string text = metrics.render();
  PromText parsed = parse_prometheus_text(text);
  std::string problems;
  for (const std::string& p : parsed.problems) problems += p + "\n";
  EXPECT_TRUE(parsed.problems.empty()) << problems << "in:\n" << text;
  return parsed;
}

chat::Attempt attempt(std::string sql, std::string refusal, bool database_error,
                      std::string sqlstate) {
  chat::Attempt a;
  a.sql = std::move(sql);
  a.error = refusal.empty() && !database_error ? "" : "it failed";
  a.refusal = std::move(refusal);
  a.database_error = database_error;
  a.sqlstate = std::move(sqlstate);
  return a;
}

TEST(ServerMetricsTest, AnAnswerRecordsStagesOutcomeLlmUseRefusalsAndSqlErrors) {
  ServerMetrics metrics("openai", "9.9.9");
  chat::AskResult r;
  r.timings_ms = {{"retrieve", 12}, {"write_sql", 800}, {"guard", 0.5}, {"run", 30},
                  {"answer", 1500}, {"total", 2400},    {"bogus", 1}};
  r.llm_calls = {{"write_sql", "m1", {100, 20}, 0.001}, {"answer", "m1", {300, 50}, std::nullopt}};
  r.attempts = {attempt("DELETE FROM t", "not_a_query", false, ""),
                attempt("SELECT nope FROM t", "", true, "42703"),
                attempt("SELECT 1 FROM t", "", true, ""),  // a lost connection: no SQLSTATE
                attempt("SELECT 2 FROM t", "", false, "")};
  metrics.record_answer(r, true);

  PromText m = scrape(metrics);
  for (const char* stage : {"retrieve", "write_sql", "guard", "run", "answer", "total"}) {
    EXPECT_EQ(m.value("askdb_stage_duration_seconds_count", {{"stage", stage}}), 1) << stage;
  }
  EXPECT_FALSE(m.has("askdb_stage_duration_seconds_count", {{"stage", "bogus"}}));
  EXPECT_DOUBLE_EQ(*m.value("askdb_stage_duration_seconds_sum", {{"stage", "write_sql"}}), 0.8);
  EXPECT_EQ(m.value("askdb_stage_duration_seconds_bucket", {{"stage", "write_sql"}, {"le", "0.5"}}),
            0);
  EXPECT_EQ(m.value("askdb_stage_duration_seconds_bucket", {{"stage", "write_sql"}, {"le", "1"}}),
            1);
  EXPECT_EQ(m.value("askdb_questions_total", {{"outcome", "answered"}}), 1);
  EXPECT_EQ(m.value("askdb_questions_total", {{"outcome", "failed"}}), 0);
  EXPECT_EQ(m.value("askdb_llm_calls_total",
                    {{"provider", "openai"}, {"model", "m1"}, {"stage", "write_sql"}}),
            1);
  EXPECT_EQ(m.value("askdb_llm_tokens_total",
                    {{"provider", "openai"}, {"model", "m1"}, {"kind", "input"}}),
            400);
  EXPECT_EQ(m.value("askdb_llm_tokens_total",
                    {{"provider", "openai"}, {"model", "m1"}, {"kind", "output"}}),
            70);
  EXPECT_DOUBLE_EQ(*m.value("askdb_llm_cost_usd_total", {{"provider", "openai"}, {"model", "m1"}}),
                   0.001);
  EXPECT_EQ(m.value("askdb_guard_rejections_total", {{"reason", "not_a_query"}}), 1);
  // Every reason is exported before it happens.
  EXPECT_EQ(m.value("askdb_guard_rejections_total", {{"reason", "denied_function"}}), 0);
  EXPECT_EQ(m.value("askdb_sql_errors_total", {{"sqlstate_class", "42"}}), 1);
  EXPECT_EQ(m.value("askdb_sql_errors_total", {{"sqlstate_class", "none"}}), 1);
  EXPECT_EQ(m.value("askdb_build_info", {{"version", "9.9.9"}}), 1);

  // SQL a person wrote: its guard and run times, no total, no question.
  chat::AskResult by_hand;
  by_hand.timings_ms = {{"guard", 1}, {"run", 2}, {"total", 3}};
  by_hand.attempts = {attempt("SELECT x", "", true, "57014")};
  metrics.record_answer(by_hand, false);
  chat::AskResult cancelled;
  cancelled.cancelled = true;
  cancelled.error = Error{ErrorCode::kLlm, "stopped"};
  metrics.record_answer(cancelled, true);
  chat::AskResult failed;
  failed.error = Error{ErrorCode::kLlm, "down"};
  metrics.record_answer(failed, true);
  chat::AskResult verified;
  verified.verified = chat::VerifiedMatch{"q", 0.9};
  metrics.record_answer(verified, true);

  m = scrape(metrics);
  EXPECT_EQ(m.value("askdb_stage_duration_seconds_count", {{"stage", "run"}}), 2);
  EXPECT_EQ(m.value("askdb_stage_duration_seconds_count", {{"stage", "total"}}), 1);
  EXPECT_EQ(m.value("askdb_sql_errors_total", {{"sqlstate_class", "57"}}), 1);
  EXPECT_EQ(m.value("askdb_questions_total", {{"outcome", "answered"}}), 1);
  EXPECT_EQ(m.value("askdb_questions_total", {{"outcome", "cancelled"}}), 1);
  EXPECT_EQ(m.value("askdb_questions_total", {{"outcome", "failed"}}), 1);
  EXPECT_EQ(m.value("askdb_questions_total", {{"outcome", "verified"}}), 1);
}

TEST(ServerMetricsTest, PoolsAndTheProcessAreReadAtScrapeTime) {
  ServerMetrics metrics("", "1.0");
  pg::Pool target("", "the target database", 3);
  pg::Pool store("", "the app store", 5);
  metrics.watch_pool("target", target);
  metrics.watch_pool("store", store);
  PromText m = scrape(metrics);
  EXPECT_EQ(m.value("askdb_pool_max_connections", {{"pool", "target"}}), 3);
  EXPECT_EQ(m.value("askdb_pool_max_connections", {{"pool", "store"}}), 5);
  EXPECT_EQ(m.value("askdb_pool_connections", {{"pool", "target"}, {"state", "idle"}}), 0);
  EXPECT_EQ(m.value("askdb_pool_connections", {{"pool", "store"}, {"state", "in_use"}}), 0);
  EXPECT_EQ(m.value("askdb_pool_waiting", {{"pool", "store"}}), 0);
  EXPECT_GT(m.value("process_resident_memory_bytes").value_or(0), 0);
  EXPECT_GT(m.value("process_open_fds").value_or(0), 0);
  EXPECT_GE(m.value("process_cpu_seconds_total").value_or(-1), 0);
  EXPECT_EQ(m.types.at("process_cpu_seconds_total"), "counter");
  EXPECT_EQ(m.types.at("askdb_pool_connections"), "gauge");
  EXPECT_EQ(m.types.at("askdb_stage_duration_seconds"), "histogram");
}

TEST(ProcessStatsTest, ReadsThisProcess) {
  const ProcessStats s = read_process_stats();
  EXPECT_GT(s.resident_memory_bytes, 1024 * 1024);
  EXPECT_GT(s.open_fds, 2);  // stdin, stdout, stderr at least
  EXPECT_GT(s.max_fds, 0);
  EXPECT_GT(s.cpu_seconds, 0);
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(s.start_time_seconds, now + 1);
  EXPECT_GT(s.start_time_seconds, now - 24 * 3600);  // a test process is not a day old
}

TEST(ServerMetricsTest, TheServerReportsRoutesStatusesStreamsAndConnections) {
  ServerMetrics metrics("", "1.0");
  std::mutex mu;
  std::shared_ptr<EventSink> stream;  // under mu
  Router router;
  router.get("/items/{id}", [](Exchange& ex) -> net::awaitable<void> {
    ex.respond(200, "item");
    co_return;
  });
  router.get("/events", [&](Exchange& ex) -> net::awaitable<void> {
    co_await ex.start_events();
    ex.push_event("hello", "1");
    {
      std::lock_guard lock(mu);
      stream = ex.event_sink();
    }
    co_await ex.events_closed();
  });
  router.set_fallback([](Exchange& ex) -> net::awaitable<void> {
    if (ex.path() == "/index.html") {
      ex.set_route("static");
      ex.respond(200, "<html>");
    } else {
      ex.respond_error(404, "not_found", "no such page.");
    }
    co_return;
  });
  HttpServerOptions options = testing::test_options();
  options.observer = &metrics;
  TestServer server(router.handler(), options);
  const uint16_t port = server.port();

  EXPECT_EQ(fetch(port, "GET", "/items/1")->result_int(), 200);
  EXPECT_EQ(fetch(port, "GET", "/items/two?x=1")->result_int(), 200);
  EXPECT_EQ(fetch(port, "HEAD", "/items/3")->result_int(), 200);
  EXPECT_EQ(fetch(port, "POST", "/items/1")->result_int(), 405);
  EXPECT_EQ(fetch(port, "BREW", "/items/1")->result_int(), 405);
  EXPECT_EQ(fetch(port, "GET", "/index.html")->result_int(), 200);
  EXPECT_EQ(fetch(port, "GET", "/secret/user-42")->result_int(), 404);

  auto requests = [&](const std::map<std::string, std::string>& labels) {
    return scrape(metrics).sum("askdb_http_requests_total", labels);
  };
  // The count is made once the answer is written: the client may read it a moment before.
  EXPECT_TRUE(wait_until([&] { return requests({}) == 7; })) << metrics.render();
  PromText m = scrape(metrics);
  EXPECT_EQ(m.value("askdb_http_requests_total",
                    {{"route", "/items/{id}"}, {"method", "GET"}, {"status", "200"}}),
            2);
  EXPECT_EQ(m.value("askdb_http_requests_total",
                    {{"route", "/items/{id}"}, {"method", "HEAD"}, {"status", "200"}}),
            1);
  EXPECT_EQ(m.value("askdb_http_requests_total",
                    {{"route", "unmatched"}, {"method", "POST"}, {"status", "405"}}),
            1);
  EXPECT_EQ(m.value("askdb_http_requests_total",
                    {{"route", "unmatched"}, {"method", "other"}, {"status", "405"}}),
            1);
  EXPECT_EQ(m.value("askdb_http_requests_total",
                    {{"route", "static"}, {"method", "GET"}, {"status", "200"}}),
            1);
  EXPECT_EQ(m.value("askdb_http_requests_total",
                    {{"route", "unmatched"}, {"method", "GET"}, {"status", "404"}}),
            1);
  EXPECT_EQ(m.value("askdb_http_request_duration_seconds_count", {{"route", "/items/{id}"}}), 3);
  // No raw path reaches a label.
  EXPECT_EQ(metrics.render().find("user-42"), std::string::npos);
  EXPECT_EQ(metrics.render().find("/items/1"), std::string::npos);

  // An open stream, then closed.
  RawClient client(port);
  ASSERT_TRUE(client.send("GET /events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n\r\n"));
  client.begin_response();
  ASSERT_TRUE(client.read_body_until("hello"));
  m = scrape(metrics);
  EXPECT_EQ(m.value("askdb_open_streams"), 1);
  EXPECT_GE(m.value("askdb_open_connections").value_or(0), 1);
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mu);
    return stream != nullptr;
  }));
  {
    std::lock_guard lock(mu);
    stream->close();
  }
  ASSERT_TRUE(client.read_to_end());
  EXPECT_TRUE(wait_until([&] { return scrape(metrics).value("askdb_open_streams") == 0; }));
  EXPECT_TRUE(wait_until([&] {
    return requests({{"route", "/events"}, {"method", "GET"}, {"status", "200"}}) == 1;
  }));
  client.close();
  EXPECT_TRUE(wait_until([&] { return scrape(metrics).value("askdb_open_connections") == 0; }));
}

}  // namespace
}  // namespace askdb::server
