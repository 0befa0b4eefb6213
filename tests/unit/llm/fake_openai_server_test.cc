// Tests of the fake OpenAI server itself: its scripting and its protocol, as seen by a plain
// HTTP client (the provider's own tests use it end to end).
#include "support/fake_openai_server.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "llm/http_client.h"
#include "llm/sse.h"
#include "support/fake_openai_script.h"

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

Exchange post(const FakeOpenAiServer& server, const std::string& question, bool stream,
              const std::string& path = "/chat/completions") {
  HttpRequest req;
  req.url = server.base_url() + path;
  req.headers = {{"Content-Type", "application/json"}};
  req.body = json{{"model", "m"},
                  {"stream", stream},
                  {"stream_options", {{"include_usage", true}}},
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

// The data of each SSE event in `body`.
std::vector<std::string> events_of(const std::string& body) {
  std::vector<std::string> out;
  llm::SseParser parser;
  EXPECT_TRUE(parser
                  .feed(body,
                        [&](const llm::SseEvent& e) {
                          out.push_back(e.data);
                          return true;
                        })
                  .ok());
  return out;
}

class FakeOpenAiServerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start().ok()); }
  FakeOpenAiServer server_;
};

TEST_F(FakeOpenAiServerTest, StreamsRealSseFraming) {
  server_.set_default_reply("SELECT one, two, three FROM t;");
  const Exchange x = post(server_, "q", true);
  ASSERT_TRUE(x.response.transport_ok());
  EXPECT_EQ(x.response.head.status, 200);
  EXPECT_EQ(x.response.head.content_type, "text/event-stream; charset=utf-8");
  EXPECT_EQ(x.response.head.header("transfer-encoding"), "chunked");
  const auto events = events_of(x.body);
  ASSERT_GE(events.size(), 5u);
  EXPECT_EQ(events.back(), "[DONE]");
  const json first = json::parse(events.front());
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
  const json usage = json::parse(events[events.size() - 2]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 8);  // 30 bytes / 4, rounded up
  EXPECT_EQ(usage["usage"]["prompt_tokens"], 1);
  std::string text;
  for (size_t i = 1; i + 3 < events.size(); ++i) {
    text += json::parse(events[i])["choices"][0]["delta"]["content"].get<std::string>();
  }
  EXPECT_EQ(text, "SELECT one, two, three FROM t;");
  EXPECT_EQ(json::parse(events[events.size() - 3])["choices"][0]["finish_reason"], "stop");
}

TEST_F(FakeOpenAiServerTest, HonoursStreamFalse) {
  server_.set_default_reply("SELECT 1;");
  const Exchange x = post(server_, "q", false);
  EXPECT_EQ(x.response.head.content_type, "application/json");
  const json body = json::parse(x.body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["choices"][0]["message"]["content"], "SELECT 1;");
  EXPECT_EQ(body["usage"]["total_tokens"], 4);
}

TEST_F(FakeOpenAiServerTest, RulesMatchInOrderOnceOrRepeatedly) {
  FakeRule once;
  once.match = "sales";
  once.reply = "first";
  server_.add_rule(once);
  FakeRule repeat;
  repeat.match = "sales";
  repeat.reply = "again";
  repeat.once = false;
  server_.add_rule(repeat);
  server_.set_default_reply("default");

  auto reply = [&](const std::string& q) {
    return json::parse(post(server_, q, false).body)["choices"][0]["message"]["content"]
        .get<std::string>();
  };
  EXPECT_EQ(reply("total sales?"), "first");
  EXPECT_EQ(reply("sales by month"), "again");
  EXPECT_EQ(reply("sales by year"), "again");
  EXPECT_EQ(reply("customers"), "default");
  EXPECT_EQ(server_.request_count(), 4u);
  EXPECT_EQ(server_.requests()[1].last_user_message(), "sales by month");
  server_.clear_requests();
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(FakeOpenAiServerTest, ErrorsUseOpenAiBodies) {
  FakeRule rule;
  rule.mode = FakeMode::kHttpError;
  rule.status = 401;
  server_.add_rule(rule);
  Exchange x = post(server_, "q", true);
  EXPECT_EQ(x.response.head.status, 401);
  const json body = json::parse(x.body);
  EXPECT_EQ(body["error"]["code"], "invalid_api_key");
  EXPECT_EQ(body["error"]["type"], "invalid_request_error");
  EXPECT_TRUE(body["error"]["param"].is_null());

  x = post(server_, "q", true, "/completions");
  EXPECT_EQ(x.response.head.status, 404);
  EXPECT_EQ(json::parse(x.body)["error"]["message"], "Invalid URL (POST /v1/completions)");
}

TEST_F(FakeOpenAiServerTest, RefusesABodyThatIsNotJson) {
  HttpRequest req;
  req.url = server_.base_url() + "/chat/completions";
  req.body = "{not json";
  const HttpResponse r = HttpClient().post(req, {});
  EXPECT_EQ(r.head.status, 400);
  EXPECT_NE(r.error_body.find("could not parse the JSON body"), std::string::npos);
}

TEST_F(FakeOpenAiServerTest, StopsWhileARequestHangs) {
  FakeRule rule;
  rule.mode = FakeMode::kHang;
  server_.add_rule(rule);
  HttpRequest req;
  req.url = server_.base_url() + "/chat/completions";
  req.body = R"({"model":"m","messages":[{"role":"user","content":"q"}]})";
  req.timeout_s = 10;
  std::thread client([&] {
    const HttpResponse r = HttpClient().post(req, {});
    EXPECT_FALSE(r.transport_ok());  // the server closed the connection without answering
  });
  while (server_.request_count() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server_.stop();
  client.join();
}

TEST(FakeOpenAiScriptTest, ParsesEveryField) {
  Result<FakeOpenAiScript> s = parse_fake_openai_script(R"({
      "default_reply": "SELECT 0;", "api_key": "sk-x", "models": ["a", "b"], "words_per_chunk": 3,
      "rules": [
        {"match": "revenue", "reply": "SELECT 1;", "once": false, "delay_ms": 5,
         "chunk_delay_ms": 1, "finish_reason": "length"},
        {"mode": "http_error", "status": 429, "headers": {"retry-after": "2"}},
        {"mode": "raw", "body": "data: [DONE]\n\n", "raw_chunk_bytes": 3,
         "content_type": "text/event-stream"},
        {"mode": "hang"}, {"mode": "json"}, {"mode": "cut_stream"}, {"mode": "malformed_chunk"}
      ]})",
                                                        "");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->options.default_reply, "SELECT 0;");
  EXPECT_EQ(s->options.api_key, "sk-x");
  EXPECT_EQ(s->options.models, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s->options.words_per_chunk, 3);
  ASSERT_EQ(s->rules.size(), 7u);
  EXPECT_EQ(s->rules[0].match, "revenue");
  EXPECT_FALSE(s->rules[0].once);
  EXPECT_EQ(s->rules[0].delay_ms, 5);
  EXPECT_EQ(s->rules[0].finish_reason, "length");
  EXPECT_EQ(s->rules[1].mode, FakeMode::kHttpError);
  EXPECT_EQ(s->rules[1].status, 429);
  EXPECT_EQ(s->rules[1].headers.at(0).second, "2");
  EXPECT_EQ(s->rules[2].mode, FakeMode::kRaw);
  EXPECT_EQ(s->rules[2].raw_chunk_bytes, 3u);
  EXPECT_EQ(s->rules[3].mode, FakeMode::kHang);
  EXPECT_EQ(s->rules[4].mode, FakeMode::kJson);
  EXPECT_EQ(s->rules[5].mode, FakeMode::kCutStream);
  EXPECT_EQ(s->rules[6].mode, FakeMode::kMalformedChunk);
}

TEST(FakeOpenAiScriptTest, AcceptsABareArrayOfRules) {
  Result<FakeOpenAiScript> s = parse_fake_openai_script(R"([{"reply": "x"}])", "");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->rules.size(), 1u);
  EXPECT_EQ(s->rules[0].mode, FakeMode::kStream);
}

TEST(FakeOpenAiScriptTest, ReadsBodyFilesRelativeToTheScript) {
  Result<FakeOpenAiScript> s = parse_fake_openai_script(
      R"([{"mode": "raw", "body_file": "openai-python/chat-completions-sse/INDEX.tsv"}])",
      std::string(ASKDB_SHARED_DATA) + "/llm-streams");
  if (!s.ok() && s.error().message.find("cannot read") != std::string::npos) GTEST_SKIP();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->rules[0].body.starts_with("hash_prefix"));
}

TEST(FakeOpenAiScriptTest, RejectsMistakesNamingTheField) {
  auto message = [](const char* text) {
    Result<FakeOpenAiScript> s = parse_fake_openai_script(text, "");
    EXPECT_FALSE(s.ok());
    return s.ok() ? std::string() : s.error().message;
  };
  EXPECT_NE(message("{").find("not valid JSON"), std::string::npos);
  EXPECT_EQ(message(R"({"rules": [{"mode": "sing"}]})"),
            "rules[0].mode: unknown mode \"sing\" (stream, json, http_error, malformed_chunk, "
            "cut_stream, hang, raw)");
  EXPECT_EQ(message(R"([{"replay": "x"}])"), "rules[0].replay is not a known field");
  EXPECT_EQ(message(R"([{"delay_ms": -1}])"), "rules[0].delay_ms must be a non-negative integer");
  EXPECT_EQ(message(R"({"words_per_chunk": 0})"), "words_per_chunk must be a positive integer");
  EXPECT_EQ(message(R"([{"mode": "http_error", "status": 99}])"),
            "rules[0].status must be an HTTP status (100-599)");
  EXPECT_NE(message(R"([{"body_file": "/nonexistent/x"}])").find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace askdb::test
