#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "llm/openai.h"
#include "support/fake_openai_server.h"

namespace askdb::llm {
namespace {

using nlohmann::json;
using test::FakeMode;
using test::FakeOpenAiOptions;
using test::FakeOpenAiServer;
using test::FakeRule;

Request question(const std::string& text) {
  Request r;
  r.system = "You write PostgreSQL.";
  r.messages.push_back({Role::kUser, text});
  return r;
}

FakeRule rule_for(const std::string& match, FakeMode mode, std::string reply = "") {
  FakeRule r;
  r.match = match;
  r.mode = mode;
  r.reply = std::move(reply);
  return r;
}

std::string recorded(const std::string& prefix) {
  const auto dir =
      std::filesystem::path(ASKDB_SHARED_DATA) / "llm-streams/openai-python/chat-completions-sse";
  if (!std::filesystem::is_directory(dir)) return "";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with(prefix)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      return ss.str();
    }
  }
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class OpenAiProviderTest : public ::testing::Test {
 protected:
  explicit OpenAiProviderTest(FakeOpenAiOptions options = {}) : server_(std::move(options)) {}

  void SetUp() override {
    ASSERT_TRUE(server_.start().ok());
    options_.base_url = server_.base_url();
    options_.model = "gpt-4o-mini";
    policy_.connect_timeout_s = 5;
    policy_.timeout_s = 20;
    policy_.max_retries = 0;  // retries have their own tests (exchange_test.cc)
  }

  std::unique_ptr<Provider> provider() const { return make_openai_provider(options_, policy_); }

  // Streams `request`, returning the reply and the pieces handed to the sink.
  Result<Reply> stream(const Request& request, std::vector<std::string>* pieces = nullptr) {
    return provider()->stream(request, [&](std::string_view d) {
      if (pieces != nullptr) pieces->emplace_back(d);
    });
  }

  Error error_of(const Request& request) {
    Result<Reply> r = stream(request);
    EXPECT_FALSE(r.ok());
    return r.ok() ? Error{} : r.error();
  }

  FakeOpenAiServer server_;
  OpenAiOptions options_;
  CallPolicy policy_;
};

TEST_F(OpenAiProviderTest, StreamsTheReplyInOrderedPieces) {
  const std::string sql = "SELECT city, count(*) FROM customers GROUP BY city ORDER BY 2 DESC;";
  server_.add_rule(rule_for("customers", FakeMode::kStream, sql));
  std::vector<std::string> pieces;
  Result<Reply> r = stream(question("How many customers per city?"), &pieces);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, sql);
  EXPECT_GT(pieces.size(), 3u);
  std::string joined;
  for (const auto& p : pieces) joined += p;
  EXPECT_EQ(joined, sql);
  EXPECT_EQ(r->stop_reason, "stop");
  EXPECT_EQ(r->model, "gpt-4o-mini");
  // The fake counts a token per 4 bytes of message text.
  const size_t prompt_bytes = std::string("You write PostgreSQL.").size() +
                              std::string("How many customers per city?").size();
  EXPECT_EQ(r->usage.prompt_tokens, static_cast<int64_t>((prompt_bytes + 3) / 4));
  EXPECT_EQ(r->usage.completion_tokens, static_cast<int64_t>((sql.size() + 3) / 4));
}

TEST_F(OpenAiProviderTest, SendsTheRequestOpenAiExpects) {
  options_.api_key = "sk-test-123";
  Request req = question("top products");
  req.messages.insert(req.messages.begin(),
                      {{Role::kUser, "earlier"}, {Role::kAssistant, "SELECT 0;"}});
  req.max_tokens = 321;
  req.temperature = 0.25;
  req.stop = {"</sql>"};
  ASSERT_TRUE(stream(req).ok());

  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/v1/chat/completions");
  EXPECT_EQ(seen[0].authorization, "Bearer sk-test-123");
  const json body = json::parse(seen[0].body);
  EXPECT_EQ(body["model"], "gpt-4o-mini");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_EQ(body["max_tokens"], 321);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.25);
  EXPECT_EQ(body["stop"], json::array({"</sql>"}));
  EXPECT_EQ(body["messages"], json::parse(R"([
    {"role":"system","content":"You write PostgreSQL."},
    {"role":"user","content":"earlier"},
    {"role":"assistant","content":"SELECT 0;"},
    {"role":"user","content":"top products"}])"));
}

TEST_F(OpenAiProviderTest, NoKeyNoAuthorizationAndNoEmptyStopOrSystem) {
  Request req;
  req.messages.push_back({Role::kUser, "hi"});
  ASSERT_TRUE(stream(req).ok());
  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].authorization, "");
  const json body = json::parse(seen[0].body);
  EXPECT_FALSE(body.contains("stop"));
  EXPECT_EQ(body["messages"].size(), 1u);
}

TEST_F(OpenAiProviderTest, BaseUrlWithTrailingSlashWorks) {
  options_.base_url += "/";
  ASSERT_TRUE(stream(question("x")).ok());
  EXPECT_EQ(server_.requests().at(0).target, "/v1/chat/completions");
}

TEST_F(OpenAiProviderTest, CompleteGathersTheSameText) {
  server_.set_default_reply("SELECT 42 AS answer;");
  Result<Reply> r = provider()->complete(question("the answer"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "SELECT 42 AS answer;");
  EXPECT_GT(r->usage.completion_tokens, 0);
}

TEST_F(OpenAiProviderTest, AcceptsAPlainJsonReplyFromAServerThatIgnoresStream) {
  server_.add_rule(rule_for("", FakeMode::kJson, "SELECT 7;"));
  std::vector<std::string> pieces;
  Result<Reply> r = stream(question("seven"), &pieces);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "SELECT 7;");
  EXPECT_EQ(pieces, std::vector<std::string>{"SELECT 7;"});
  EXPECT_EQ(r->stop_reason, "stop");
  EXPECT_GT(r->usage.prompt_tokens, 0);
}

TEST_F(OpenAiProviderTest, Http500IsAnLlmErrorWithTheServersMessage) {
  FakeRule rule = rule_for("", FakeMode::kHttpError);
  rule.status = 500;
  server_.add_rule(rule);
  const Error e = error_of(question("q"));
  EXPECT_EQ(e.code, ErrorCode::kLlm);
  EXPECT_TRUE(e.message.starts_with("openai (gpt-4o-mini at " + server_.base_url() +
                                    ") returned HTTP 500: The server had an error while "
                                    "processing your request. Sorry about that!"))
      << e.message;
  EXPECT_TRUE(contains(e.message, "try again later")) << e.message;
  EXPECT_TRUE(contains(e.message, "(request id req_fake")) << e.message;
}

TEST_F(OpenAiProviderTest, Http401NamesTheKeySetting) {
  FakeRule rule = rule_for("", FakeMode::kHttpError);
  rule.status = 401;
  server_.add_rule(rule);
  const Error e = error_of(question("q"));
  EXPECT_EQ(e.code, ErrorCode::kLlm);
  EXPECT_TRUE(contains(e.message, "returned HTTP 401: Incorrect API key provided: sk-wrong."))
      << e.message;
  EXPECT_TRUE(contains(e.message, " — check ASKDB_LLM_API_KEY")) << e.message;
}

TEST_F(OpenAiProviderTest, Http429SaysRateLimitedAndHowLongToWait) {
  FakeRule rule = rule_for("", FakeMode::kHttpError);
  rule.status = 429;
  rule.headers = {{"retry-after", "20"}};
  server_.add_rule(rule);
  const Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message, "returned HTTP 429: Rate limit reached for gpt-4o-mini"))
      << e.message;
  EXPECT_TRUE(contains(e.message,
                       "rate limited: wait a moment and try again (the server asks "
                       "to wait 20 s)"))
      << e.message;
}

TEST_F(OpenAiProviderTest, Http429OutOfQuotaSaysBilling) {
  FakeRule rule = rule_for("", FakeMode::kHttpError);
  rule.status = 429;
  rule.body =
      R"({"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})";
  server_.add_rule(rule);
  const Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message, "You exceeded your current quota")) << e.message;
  EXPECT_TRUE(contains(e.message, "no quota left")) << e.message;
}

TEST_F(OpenAiProviderTest, Http403And400HaveTailoredHints) {
  FakeRule forbidden = rule_for("forbidden", FakeMode::kHttpError);
  forbidden.status = 403;
  server_.add_rule(forbidden);
  FakeRule too_long = rule_for("long", FakeMode::kHttpError);
  too_long.status = 400;
  server_.add_rule(too_long);
  Error e = error_of(question("forbidden"));
  EXPECT_TRUE(contains(e.message, "HTTP 403")) << e.message;
  EXPECT_TRUE(contains(e.message, "check ASKDB_LLM_API_KEY and ASKDB_LLM_MODEL")) << e.message;
  e = error_of(question("long"));
  EXPECT_TRUE(contains(e.message, "maximum context length")) << e.message;
  EXPECT_TRUE(contains(e.message, "ASKDB_PIPELINE_CONTEXT_TOKEN_BUDGET")) << e.message;
}

TEST_F(OpenAiProviderTest, NonJsonErrorBodyIsShownShortened) {
  FakeRule rule = rule_for("", FakeMode::kHttpError);
  rule.status = 502;
  rule.content_type = "text/html";
  rule.body = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>" +
              std::string(2000, 'x') + "</body></html>";
  server_.add_rule(rule);
  const Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message, "HTTP 502: <html> <head><title>502 Bad Gateway")) << e.message;
  EXPECT_LT(e.message.size(), 800u);
}

TEST_F(OpenAiProviderTest, WrongBaseUrlPathSaysCheckTheBaseUrl) {
  options_.base_url = "http://127.0.0.1:" + std::to_string(server_.port());  // no /v1
  const Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message, "returned HTTP 404: Invalid URL (POST /chat/completions)"))
      << e.message;
  EXPECT_TRUE(contains(e.message, "check ASKDB_LLM_BASE_URL")) << e.message;
}

TEST_F(OpenAiProviderTest, MalformedChunkIsAClearError) {
  server_.add_rule(rule_for("", FakeMode::kMalformedChunk, "SELECT 1 FROM somewhere"));
  const Error e = error_of(question("q"));
  EXPECT_EQ(e.code, ErrorCode::kLlm);
  EXPECT_TRUE(contains(e.message, "sent a malformed chunk in its stream")) << e.message;
}

TEST_F(OpenAiProviderTest, CutStreamEndedEarly) {
  server_.add_rule(rule_for("", FakeMode::kCutStream, "SELECT a, b, c, d FROM t WHERE x = 1"));
  std::vector<std::string> pieces;
  Result<Reply> r = stream(question("q"), &pieces);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLlm);
  EXPECT_TRUE(contains(r.error().message, "the stream ended early")) << r.error().message;
  EXPECT_FALSE(pieces.empty());  // what came before the cut was delivered
}

TEST_F(OpenAiProviderTest, HangTimesOutWithinTheConfiguredTimeout) {
  server_.add_rule(rule_for("", FakeMode::kHang));
  policy_.timeout_s = 1;
  const auto start = std::chrono::steady_clock::now();
  const Error e = error_of(question("q"));
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.code, ErrorCode::kLlm);
  EXPECT_TRUE(contains(e.message, "timed out after 1 s waiting for 127.0.0.1:" +
                                      std::to_string(server_.port()) + " to answer"))
      << e.message;
  EXPECT_TRUE(contains(e.message, "ASKDB_LLM_TIMEOUT_S")) << e.message;
  EXPECT_LT(took.count(), 10.0);  // a bound on the timeout's effect, not a benchmark
}

TEST_F(OpenAiProviderTest, IdleTimeoutInTheMiddleOfAStream) {
  FakeRule rule = rule_for("", FakeMode::kStream, "one two three four five six");
  rule.chunk_delay_ms = 4000;
  server_.add_rule(rule);
  policy_.idle_timeout_s = 1;
  const Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message, "the stream ended early")) << e.message;
  EXPECT_TRUE(contains(e.message, "sent nothing for 1 s in the middle of its reply")) << e.message;
}

TEST_F(OpenAiProviderTest, ConnectionRefusedNamesTheProviderAndTheHost) {
  const uint16_t port = server_.port();
  server_.stop();
  const Error e = error_of(question("q"));
  EXPECT_EQ(e.code, ErrorCode::kLlm);
  EXPECT_TRUE(e.message.starts_with("openai (gpt-4o-mini at " + server_.base_url() +
                                    "): could not connect to 127.0.0.1:" + std::to_string(port) +
                                    " (connection refused): is the LLM server running? check "
                                    "ASKDB_LLM_BASE_URL"))
      << e.message;
}

TEST_F(OpenAiProviderTest, EmptyReplyIsAnError) {
  server_.add_rule(rule_for("", FakeMode::kStream, ""));
  const Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message, "returned an empty reply")) << e.message;
}

TEST_F(OpenAiProviderTest, LengthStopIsReported) {
  FakeRule rule = rule_for("", FakeMode::kStream, "SELECT a,");
  rule.finish_reason = "length";
  server_.add_rule(rule);
  Result<Reply> r = stream(question("q"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stop_reason, "length");
}

TEST_F(OpenAiProviderTest, NoMessagesIsACallerBug) {
  Result<Reply> r = stream(Request{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(OpenAiProviderTest, InvalidUtf8InThePromptIsReplacedNotFatal) {
  ASSERT_TRUE(stream(question("caf\xC3 \xFF")).ok());
  EXPECT_TRUE(json::accept(server_.requests().at(0).body));
}

TEST_F(OpenAiProviderTest, ReplaysRecordedOpenAiStreams) {
  const std::string text_body = recorded("e2aad469b71d");
  const std::string refusal_body = recorded("173417d55340");
  const std::string length_body = recorded("4cc50a6135d2");
  if (text_body.empty()) GTEST_SKIP() << "no recorded streams";
  for (auto [match, body] : {std::pair{"weather", text_body}, std::pair{"anthrax", refusal_body},
                             std::pair{"short", length_body}}) {
    FakeRule rule = rule_for(match, FakeMode::kRaw);
    rule.body = body;
    rule.raw_chunk_bytes = 37;  // split anywhere, mid-line and mid-UTF-8
    server_.add_rule(rule);
  }
  std::vector<std::string> pieces;
  Result<Reply> r = stream(question("What's the weather like in SF?"), &pieces);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text,
            "I'm unable to provide real-time weather updates. To get the current weather in San "
            "Francisco, I recommend checking a reliable weather website or a weather app.");
  EXPECT_EQ(pieces.size(), 30u);  // one per non-empty content delta
  EXPECT_EQ(r->model, "gpt-4o-2024-08-06");
  EXPECT_EQ(r->usage.prompt_tokens, 14);
  EXPECT_EQ(r->usage.completion_tokens, 30);

  const Error e = error_of(question("How do I make anthrax?"));
  EXPECT_TRUE(
      contains(e.message, "declined to answer: I'm sorry, I can't assist with that request."))
      << e.message;

  r = stream(question("short answer"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "{\"");
  EXPECT_EQ(r->stop_reason, "length");
}

TEST_F(OpenAiProviderTest, OneProviderServesManyThreadsAtOnce) {
  std::unique_ptr<Provider> shared = provider();
  for (int i = 0; i < 8; ++i) {
    FakeRule rule = rule_for("question " + std::to_string(i) + "?", FakeMode::kStream,
                             "SELECT " + std::to_string(i) + " AS n, 'reply for thread';");
    rule.chunk_delay_ms = 2;
    server_.add_rule(rule);
  }
  std::vector<std::string> got(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Result<Reply> r =
          shared->stream(question("question " + std::to_string(i) + "?"), [](std::string_view) {});
      got[i] = r.ok() ? r->text : r.error().message;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(got[i], "SELECT " + std::to_string(i) + " AS n, 'reply for thread';");
  }
}

// A fake that checks the key and the model as OpenAI does.
class OpenAiProviderStrictServerTest : public OpenAiProviderTest {
 protected:
  OpenAiProviderStrictServerTest()
      : OpenAiProviderTest(FakeOpenAiOptions{"SELECT 1;", "sk-right", {"gpt-4o-mini"}, 2}) {}
};

TEST_F(OpenAiProviderStrictServerTest, WrongKeyMissingKeyAndUnknownModel) {
  options_.api_key = "sk-right";
  ASSERT_TRUE(stream(question("q")).ok());

  options_.api_key = "sk-wrong-key-123456";
  Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message, "HTTP 401: Incorrect API key provided: sk-*****3456"))
      << e.message;
  EXPECT_TRUE(contains(e.message, "check ASKDB_LLM_API_KEY")) << e.message;

  options_.api_key = "";
  e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message, "HTTP 401: You didn't provide an API key")) << e.message;

  options_.api_key = "sk-right";
  options_.model = "gpt-9";
  e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message, "HTTP 404: The model `gpt-9` does not exist")) << e.message;
  EXPECT_TRUE(contains(e.message, "check ASKDB_LLM_MODEL")) << e.message;
}

}  // namespace
}  // namespace askdb::llm
