// The life of an LLM call that every provider shares (llm/exchange.h): retries with backoff and
// Retry-After, never after the first token; the queue and its bound; cancellation in each
// state; the first-byte and total timeouts. Driven through the OpenAI protocol against the fake
// OpenAI server on loopback, so real HTTP and real SSE are on the wire.
#include "llm/exchange.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "llm/openai.h"
#include "support/fake_openai_server.h"

namespace askdb::llm {
namespace {

using Clock = std::chrono::steady_clock;
using test::FakeMode;
using test::FakeOpenAiServer;
using test::FakeRule;

Request question(const std::string& text) {
  Request r;
  r.messages.push_back({Role::kUser, text});
  return r;
}

FakeRule http_error(int status, std::vector<std::pair<std::string, std::string>> headers = {}) {
  FakeRule r;
  r.mode = FakeMode::kHttpError;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class ExchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start().ok());
    options_.base_url = server_.base_url();
    policy_.timeout_s = 20;
    policy_.backoff_base_s = 0.01;
    policy_.backoff_max_s = 0.05;
  }

  std::unique_ptr<Provider> provider() const { return make_openai_provider(options_, policy_); }

  FakeOpenAiServer server_;
  OpenAiOptions options_;
  CallPolicy policy_;
};

TEST_F(ExchangeTest, ThrottlingAndServerErrorsAreRetriedUntilTheReplyComes) {
  server_.add_rule(http_error(429, {{"retry-after", "0"}}));
  server_.add_rule(http_error(503));
  server_.set_default_reply("SELECT 1;");
  auto r = provider()->complete(question("q"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "SELECT 1;");
  EXPECT_EQ(server_.request_count(), 3u);
}

TEST_F(ExchangeTest, RetryAfterIsWaitedFor) {
  server_.add_rule(http_error(429, {{"retry-after", "1"}}));
  const auto start = Clock::now();
  auto r = provider()->complete(question("q"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_GE(seconds_since(start), 0.95);  // the server asked for a second
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_F(ExchangeTest, RetryAfterMsIsReadToo) {
  HttpHead head;
  head.headers = {{"retry-after-ms", "1500"}, {"retry-after", "9"}};
  EXPECT_DOUBLE_EQ(retry_after_seconds(head), 1.5);
  head.headers = {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}};  // in the past
  EXPECT_EQ(retry_after_seconds(head), 0);
  head.headers = {{"retry-after", "soon"}};
  EXPECT_EQ(retry_after_seconds(head), -1);
  head.headers = {};
  EXPECT_EQ(retry_after_seconds(head), -1);
}

TEST_F(ExchangeTest, ARetryAfterLongerThanTheLimitEndsTheCallAndSaysSo) {
  server_.add_rule(http_error(429, {{"retry-after", "100"}}));
  const auto start = Clock::now();
  auto r = provider()->complete(question("q"));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "HTTP 429")) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "asked to wait 100 s")) << r.error().message;
  EXPECT_EQ(server_.request_count(), 1u);
  EXPECT_LT(seconds_since(start), 10.0);
}

TEST_F(ExchangeTest, GivesUpAfterMaxRetriesAndCountsTheAttempts) {
  FakeRule rule = http_error(500);
  rule.once = false;
  server_.add_rule(rule);
  auto r = provider()->complete(question("q"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLlm);
  EXPECT_TRUE(contains(r.error().message, "HTTP 500")) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "(after 3 attempts)")) << r.error().message;
  EXPECT_EQ(server_.request_count(), 3u);
}

TEST_F(ExchangeTest, ClientErrorsAreNotRetried) {
  server_.add_rule(http_error(401));
  auto r = provider()->complete(question("q"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(server_.request_count(), 1u);
  EXPECT_FALSE(contains(r.error().message, "attempts")) << r.error().message;
}

TEST_F(ExchangeTest, ARefusedConnectionIsRetriedThenReported) {
  const uint16_t port = server_.port();
  server_.stop();
  auto r = provider()->complete(question("q"));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "127.0.0.1:" + std::to_string(port)))
      << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "(after 3 attempts)")) << r.error().message;
}

TEST_F(ExchangeTest, NeverRetriesOnceTextHasReachedTheCaller) {
  FakeRule cut;
  cut.mode = FakeMode::kCutStream;
  cut.reply = "SELECT a, b, c, d, e, f FROM t WHERE x = 1";
  server_.add_rule(cut);
  std::string seen;
  auto r = provider()->stream(question("q"), [&](std::string_view d) { seen += d; });
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(seen.empty());
  EXPECT_EQ(server_.request_count(), 1u);  // a retry would have repeated the text
}

TEST_F(ExchangeTest, AFirstByteTimeoutIsRetriedAndNamed) {
  FakeRule hang;
  hang.mode = FakeMode::kHang;
  hang.once = false;
  server_.add_rule(hang);
  policy_.first_byte_timeout_s = 0.3;
  policy_.max_retries = 1;
  auto r = provider()->complete(question("q"));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "did not begin to answer within 0.3 s"))
      << r.error().message;
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_F(ExchangeTest, TheTotalTimeoutBoundsRetriesToo) {
  FakeRule hang;
  hang.mode = FakeMode::kHang;
  hang.once = false;
  server_.add_rule(hang);
  policy_.first_byte_timeout_s = 0.4;
  policy_.max_retries = 10;
  policy_.timeout_s = 1;
  const auto start = Clock::now();
  auto r = provider()->complete(question("q"));
  ASSERT_FALSE(r.ok());
  EXPECT_LT(seconds_since(start), 5.0);
  EXPECT_LE(server_.request_count(), 3u);
}

TEST_F(ExchangeTest, AFullQueueRefusesAtOnceWithBusy) {
  FakeRule slow;
  slow.mode = FakeMode::kHang;
  server_.add_rule(slow);
  policy_.max_concurrent = 1;
  policy_.max_queued = 0;
  auto p = provider();
  std::promise<Result<Reply>> first;
  auto call = p->start(question("slow"), {}, [&](Result<Reply> r) { first.set_value(r); });
  EXPECT_TRUE(p->at_capacity());
  auto second = p->complete(question("q"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kBusy);
  EXPECT_TRUE(contains(second.error().message, "llm.max_concurrent")) << second.error().message;
  call->cancel();
  auto r = first.get_future().get();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "cancelled")) << r.error().message;
  EXPECT_FALSE(p->at_capacity());
}

TEST_F(ExchangeTest, QueuedCallsRunInTurnWhenAPlaceFrees) {
  FakeRule slow;
  slow.match = "slow";
  slow.mode = FakeMode::kStream;
  slow.reply = "SELECT 1;";
  slow.delay_ms = 300;
  server_.add_rule(slow);
  server_.set_default_reply("SELECT 2;");
  policy_.max_concurrent = 1;
  policy_.max_queued = 4;
  auto p = provider();
  std::promise<Result<Reply>> first;
  std::promise<Result<Reply>> second;
  auto a = p->start(question("slow"), {}, [&](Result<Reply> r) { first.set_value(r); });
  auto b = p->start(question("fast"), {}, [&](Result<Reply> r) { second.set_value(r); });
  auto ra = first.get_future().get();
  auto rb = second.get_future().get();
  ASSERT_TRUE(ra.ok()) << ra.error().message;
  ASSERT_TRUE(rb.ok()) << rb.error().message;
  EXPECT_EQ(ra->text, "SELECT 1;");
  EXPECT_EQ(rb->text, "SELECT 2;");
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].last_user_message(), "slow");  // the second waited for the first
}

TEST_F(ExchangeTest, CancellingAQueuedCallEndsItAtOnce) {
  FakeRule slow;
  slow.mode = FakeMode::kHang;
  server_.add_rule(slow);
  policy_.max_concurrent = 1;
  auto p = provider();
  std::promise<Result<Reply>> first;
  std::promise<Result<Reply>> queued;
  auto a = p->start(question("slow"), {}, [&](Result<Reply> r) { first.set_value(r); });
  auto b = p->start(question("waits"), {}, [&](Result<Reply> r) { queued.set_value(r); });
  while (server_.request_count() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  b->cancel();
  auto rb = queued.get_future().get();
  ASSERT_FALSE(rb.ok());
  EXPECT_TRUE(contains(rb.error().message, "cancelled")) << rb.error().message;
  a->cancel();
  EXPECT_FALSE(first.get_future().get().ok());
  EXPECT_EQ(server_.request_count(), 1u);  // the queued call never reached the server
}

TEST_F(ExchangeTest, CancellingDuringTheWaitBeforeARetryEndsIt) {
  server_.add_rule(http_error(429, {{"retry-after", "10"}}));
  auto p = provider();
  std::promise<Result<Reply>> done;
  auto call = p->start(question("q"), {}, [&](Result<Reply> r) { done.set_value(r); });
  while (server_.request_count() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the 429 has arrived
  const auto start = Clock::now();
  call->cancel();
  auto r = done.get_future().get();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "cancelled")) << r.error().message;
  EXPECT_LT(seconds_since(start), 5.0);
  EXPECT_EQ(server_.request_count(), 1u);
}

TEST_F(ExchangeTest, DestroyingTheProviderEndsEveryCall) {
  FakeRule slow;
  slow.mode = FakeMode::kHang;
  slow.once = false;
  server_.add_rule(slow);
  policy_.max_concurrent = 1;
  std::promise<Result<Reply>> running;
  std::promise<Result<Reply>> queued;
  std::shared_ptr<Call> a;
  std::shared_ptr<Call> b;
  {
    auto p = provider();
    a = p->start(question("one"), {}, [&](Result<Reply> r) { running.set_value(r); });
    b = p->start(question("two"), {}, [&](Result<Reply> r) { queued.set_value(r); });
  }
  EXPECT_FALSE(running.get_future().get().ok());
  EXPECT_FALSE(queued.get_future().get().ok());
  a->cancel();  // late cancels are harmless
  b->cancel();
}

TEST_F(ExchangeTest, StatusAndTransportRetryRules) {
  for (int s : {408, 409, 425, 429, 500, 502, 503, 504, 529}) EXPECT_TRUE(is_status_retryable(s));
  for (int s : {400, 401, 403, 404, 413, 422, 501, 505}) EXPECT_FALSE(is_status_retryable(s));
  EXPECT_TRUE(is_transport_retryable(HttpFailure::kBrokenReply));
  EXPECT_TRUE(is_transport_retryable(HttpFailure::kFirstByteTimeout));
  EXPECT_FALSE(is_transport_retryable(HttpFailure::kTls));
  EXPECT_FALSE(is_transport_retryable(HttpFailure::kResolve));
}

}  // namespace
}  // namespace askdb::llm
