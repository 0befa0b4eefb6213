// Tests of the fake Anthropic server itself, as a plain HTTP client sees it: the event stream's
// shapes, its checks (path, key, version, body), its error bodies and its scripting (the
// provider's own tests use it end to end).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "llm/http_client.h"
#include "llm/sse.h"
#include "support/fake_anthropic_server.h"

namespace askdb::test {
namespace {

using llm::HttpClient;
using llm::HttpHead;
using llm::HttpRequest;
using llm::HttpResponse;
using nlohmann::json;

struct Exchange {
  HttpResponse response;
  std::string body;
};

Exchange post(const FakeAnthropicServer& server, const std::string& question, bool stream,
              std::vector<std::pair<std::string, std::string>> headers = {{"anthropic-version",
                                                                           "2023-06-01"}},
              const std::string& path = "/v1/messages") {
  HttpRequest req;
  req.url = server.base_url() + path;
  req.headers = std::move(headers);
  req.headers.emplace_back("content-type", "application/json");
  req.body = json{{"model", "claude-sonnet-4-5"},
                  {"max_tokens", 100},
                  {"stream", stream},
                  {"messages", {{{"role", "user"}, {"content", question}}}}}
                 .dump();
  req.timeout_s = 10;
  Exchange out;
  out.response = HttpClient().post(req, [&](const HttpHead&, std::string_view piece) {
    out.body.append(piece);
    return true;
  });
  if (!out.response.head.is_success()) out.body = out.response.error_body;
  return out;
}

std::vector<llm::SseEvent> events_of(const std::string& body) {
  std::vector<llm::SseEvent> out;
  llm::SseParser parser;
  EXPECT_TRUE(parser
                  .feed(body,
                        [&](const llm::SseEvent& e) {
                          out.push_back(e);
                          return true;
                        })
                  .ok());
  return out;
}

std::vector<std::string> names_of(const std::vector<llm::SseEvent>& events) {
  std::vector<std::string> names;
  for (const auto& e : events) names.push_back(e.type);
  return names;
}

class AnthropicFakeServerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start().ok()); }
  FakeAnthropicServer server_;
};

TEST_F(AnthropicFakeServerTest, StreamsAnthropicsEventsNamedAsTheirData) {
  server_.set_default_reply("SELECT 1 AS one;");
  const Exchange x = post(server_, "q", true);
  ASSERT_EQ(x.response.head.status, 200);
  EXPECT_EQ(x.response.head.content_type, "text/event-stream; charset=utf-8");
  EXPECT_NE(x.response.head.header("request-id"), "");
  const auto events = events_of(x.body);
  EXPECT_EQ(names_of(events),
            (std::vector<std::string>{"message_start", "content_block_start", "ping",
                                      "content_block_delta", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop"}));
  std::string text;
  for (const auto& e : events) {
    const json data = json::parse(e.data);
    EXPECT_EQ(data["type"], e.type);
    if (e.type == "content_block_delta") text += data["delta"]["text"].get<std::string>();
    if (e.type == "message_start") {
      EXPECT_EQ(data["message"]["model"], "claude-sonnet-4-5");
    }
    if (e.type == "message_delta") {
      EXPECT_EQ(data["delta"]["stop_reason"], "end_turn");
    }
  }
  EXPECT_EQ(text, "SELECT 1 AS one;");
}

TEST_F(AnthropicFakeServerTest, AnswersAMessageWhenNotStreaming) {
  server_.set_default_reply("SELECT 2;");
  const Exchange x = post(server_, "q", false);
  ASSERT_EQ(x.response.head.status, 200);
  const json message = json::parse(x.body);
  EXPECT_EQ(message["type"], "message");
  EXPECT_EQ(message["content"][0]["text"], "SELECT 2;");
  EXPECT_GT(message["usage"]["input_tokens"].get<int>(), 0);
}

TEST_F(AnthropicFakeServerTest, ChecksPathVersionAndBody) {
  Exchange x =
      post(server_, "q", true, {{"anthropic-version", "2023-06-01"}}, "/v1/chat/completions");
  EXPECT_EQ(x.response.head.status, 404);
  EXPECT_EQ(json::parse(x.body)["error"]["type"], "not_found_error");

  x = post(server_, "q", true, {});
  EXPECT_EQ(x.response.head.status, 400);
  EXPECT_EQ(json::parse(x.body)["error"]["message"], "anthropic-version: header is required");
}

TEST_F(AnthropicFakeServerTest, ErrorBodiesAreAnthropics) {
  FakeAnthropicRule rule;
  rule.mode = FakeAnthropicMode::kHttpError;
  rule.status = 429;
  server_.add_rule(rule);
  const Exchange x = post(server_, "q", true);
  EXPECT_EQ(x.response.head.status, 429);
  EXPECT_EQ(x.response.head.header("retry-after"), "1");
  const json body = json::parse(x.body);
  EXPECT_EQ(body["type"], "error");
  EXPECT_EQ(body["error"]["type"], "rate_limit_error");
  EXPECT_TRUE(body["request_id"].is_string());
}

TEST_F(AnthropicFakeServerTest, ErrorEventEndsTheStream) {
  FakeAnthropicRule rule;
  rule.mode = FakeAnthropicMode::kErrorEvent;
  rule.reply = "one two three four";
  rule.error_after_deltas = 1;
  server_.add_rule(rule);
  const Exchange x = post(server_, "q", true);
  ASSERT_EQ(x.response.head.status, 200);
  const auto events = events_of(x.body);
  EXPECT_EQ(names_of(events), (std::vector<std::string>{"message_start", "content_block_start",
                                                        "ping", "content_block_delta", "error"}));
  EXPECT_EQ(json::parse(events.back().data),
            json::parse(
                R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
}

TEST_F(AnthropicFakeServerTest, RequiresTheConfiguredKeyAndRecordsRequests) {
  FakeAnthropicServer strict(FakeAnthropicOptions{"SELECT 1;", "sk-ant-k", {}, 2});
  ASSERT_TRUE(strict.start().ok());
  Exchange x = post(strict, "first", true);
  EXPECT_EQ(x.response.head.status, 401);
  EXPECT_EQ(json::parse(x.body)["error"]["message"], "x-api-key header is required");
  x = post(strict, "second", true, {{"anthropic-version", "2023-06-01"}, {"x-api-key", "nope"}});
  EXPECT_EQ(json::parse(x.body)["error"]["message"], "invalid x-api-key");
  x = post(strict, "third", true, {{"anthropic-version", "2023-06-01"}, {"x-api-key", "sk-ant-k"}});
  EXPECT_EQ(x.response.head.status, 200);

  const auto seen = strict.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].last_user_message(), "first");
  EXPECT_EQ(seen[0].api_key, "");
  EXPECT_EQ(seen[1].api_key, "nope");
  EXPECT_EQ(seen[2].anthropic_version, "2023-06-01");
  EXPECT_EQ(seen[2].target, "/v1/messages");
}

TEST_F(AnthropicFakeServerTest, RulesMatchTheLastUserMessageOnce) {
  FakeAnthropicRule rule;
  rule.match = "revenue";
  rule.reply = "SELECT sum(amount) FROM orders;";
  server_.add_rule(rule);
  EXPECT_EQ(json::parse(post(server_, "total revenue?", false).body)["content"][0]["text"],
            "SELECT sum(amount) FROM orders;");
  EXPECT_EQ(json::parse(post(server_, "total revenue?", false).body)["content"][0]["text"],
            "SELECT 1;");  // used up: the default reply
}

}  // namespace
}  // namespace askdb::test
