// End-to-end tests of the Anthropic protocol inside a provider
// (make_protocol_provider(make_anthropic_protocol(...))) against FakeAnthropicServer on
// loopback: real HTTP, real chunked event streams, Anthropic's real error bodies. One attempt
// each: retries are the exchange's, tested with it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "llm/anthropic.h"
#include "llm/exchange.h"
#include "support/fake_anthropic_server.h"

namespace askdb::llm {
namespace {

using nlohmann::json;
using test::FakeAnthropicMode;
using test::FakeAnthropicOptions;
using test::FakeAnthropicRule;
using test::FakeAnthropicServer;

Request question(const std::string& text) {
  Request r;
  r.system = "You write PostgreSQL.";
  r.messages.push_back({Role::kUser, text});
  return r;
}

FakeAnthropicRule rule_for(const std::string& match, FakeAnthropicMode mode,
                           std::string reply = "") {
  FakeAnthropicRule r;
  r.match = match;
  r.mode = mode;
  r.reply = std::move(reply);
  return r;
}

FakeAnthropicRule http_error(int status) {
  FakeAnthropicRule r = rule_for("", FakeAnthropicMode::kHttpError);
  r.status = status;
  return r;
}

std::string recorded(const std::string& name) {
  std::ifstream in(
      std::filesystem::path(ASKDB_SHARED_DATA) / "llm-streams/anthropic-sdk-python/sse" / name,
      std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class AnthropicProviderTest : public ::testing::Test {
 protected:
  explicit AnthropicProviderTest(FakeAnthropicOptions options = {}) : server_(std::move(options)) {}

  void SetUp() override {
    ASSERT_TRUE(server_.start().ok());
    options_.base_url = server_.base_url();
    options_.model = "claude-sonnet-4-5";
    options_.api_key = "sk-ant-test-key";
    policy_.connect_timeout_s = 5;
    policy_.timeout_s = 20;
    policy_.max_retries = 0;
  }

  std::unique_ptr<Provider> provider() const {
    return make_protocol_provider(make_anthropic_protocol(options_), policy_);
  }

  std::string who() const { return "anthropic (claude-sonnet-4-5 at " + server_.base_url() + ")"; }

  // Streams `request`, returning the reply and the pieces handed to the sink.
  Result<Reply> stream(const Request& request, std::vector<std::string>* pieces = nullptr) {
    return provider()->stream(request, [&](std::string_view d) {
      if (pieces != nullptr) pieces->emplace_back(d);
    });
  }

  Error error_of(const Request& request, std::vector<std::string>* pieces = nullptr) {
    Result<Reply> r = stream(request, pieces);
    EXPECT_FALSE(r.ok());
    if (r.ok()) return Error{};
    EXPECT_EQ(r.error().code, ErrorCode::kLlm);
    if (!options_.api_key.empty()) {
      EXPECT_FALSE(contains(r.error().message, options_.api_key)) << r.error().message;
    }
    return r.error();
  }

  FakeAnthropicServer server_;
  AnthropicOptions options_;
  CallPolicy policy_;
};

TEST_F(AnthropicProviderTest, OverloadBeforeAnyTextIsRetriedUntilTheReplyComes) {
  FakeAnthropicRule overloaded = rule_for("", FakeAnthropicMode::kHttpError);
  overloaded.status = 529;
  overloaded.headers = {{"retry-after", "0"}};
  server_.add_rule(overloaded);
  FakeAnthropicRule event = rule_for("", FakeAnthropicMode::kErrorEvent, "SELECT 2;");
  event.error_after_deltas = 0;  // overloaded_error before any text
  server_.add_rule(event);
  server_.add_rule(rule_for("", FakeAnthropicMode::kStream, "SELECT 1;"));
  policy_.max_retries = 2;
  policy_.backoff_base_s = 0.01;
  std::vector<std::string> pieces;
  Result<Reply> r = stream(question("q"), &pieces);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "SELECT 1;");
  std::string joined;
  for (const auto& p : pieces) joined += p;
  EXPECT_EQ(joined, "SELECT 1;");  // nothing from the failed attempts
  EXPECT_EQ(server_.requests().size(), 3u);
}

TEST_F(AnthropicProviderTest, StreamsTheReplyInOrderedPieces) {
  const std::string sql = "SELECT city, count(*) FROM customers GROUP BY city ORDER BY 2 DESC;";
  server_.add_rule(rule_for("customers", FakeAnthropicMode::kStream, sql));
  std::vector<std::string> pieces;
  Result<Reply> r = stream(question("How many customers per city?"), &pieces);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, sql);
  EXPECT_GT(pieces.size(), 3u);
  std::string joined;
  for (const auto& p : pieces) joined += p;
  EXPECT_EQ(joined, sql);
  EXPECT_EQ(r->stop_reason, "end_turn");
  EXPECT_EQ(r->model, "claude-sonnet-4-5");
  // The fake counts a token per 4 bytes of system and message text.
  const size_t prompt_bytes = std::string("You write PostgreSQL.").size() +
                              std::string("How many customers per city?").size();
  EXPECT_EQ(r->usage.prompt_tokens, static_cast<int64_t>((prompt_bytes + 3) / 4));
  EXPECT_EQ(r->usage.completion_tokens, static_cast<int64_t>((sql.size() + 3) / 4));
}

TEST_F(AnthropicProviderTest, ReportsTheUsageTheServerCounts) {
  FakeAnthropicRule rule = rule_for("", FakeAnthropicMode::kStream, "SELECT 1;");
  rule.input_tokens = 1234;
  rule.output_tokens = 56;
  rule.stop_reason = "max_tokens";
  server_.add_rule(rule);
  Result<Reply> r = stream(question("q"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->usage.prompt_tokens, 1234);
  EXPECT_EQ(r->usage.completion_tokens, 56);
  EXPECT_EQ(r->stop_reason, "max_tokens");
}

TEST_F(AnthropicProviderTest, SendsTheRequestAnthropicExpects) {
  Request req = question("top products");
  req.messages.insert(req.messages.begin(),
                      {{Role::kUser, "earlier"}, {Role::kAssistant, "SELECT 0;"}});
  req.max_tokens = 321;
  req.temperature = 0.25;
  req.stop = {"</sql>"};
  ASSERT_TRUE(stream(req).ok());

  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/v1/messages");
  EXPECT_EQ(seen[0].api_key, "sk-ant-test-key");
  EXPECT_EQ(seen[0].anthropic_version, "2023-06-01");
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(seen[0].accept, "text/event-stream");
  EXPECT_EQ(seen[0].last_user_message(), "top products");
  const json body = json::parse(seen[0].body);
  EXPECT_EQ(body["model"], "claude-sonnet-4-5");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["max_tokens"], 321);
  EXPECT_EQ(body["system"], "You write PostgreSQL.");
  EXPECT_EQ(body["stop_sequences"], json::array({"</sql>"}));
  EXPECT_EQ(body["messages"], json::parse(R"([
    {"role":"user","content":"earlier"},
    {"role":"assistant","content":"SELECT 0;"},
    {"role":"user","content":"top products"}])"));
}

TEST_F(AnthropicProviderTest, BaseUrlWithTrailingSlashWorks) {
  options_.base_url += "/";
  ASSERT_TRUE(stream(question("x")).ok());
  EXPECT_EQ(server_.requests().at(0).target, "/v1/messages");
}

TEST_F(AnthropicProviderTest, CompleteGathersTheSameText) {
  server_.set_default_reply("SELECT 42 AS answer;");
  Result<Reply> r = provider()->complete(question("the answer"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "SELECT 42 AS answer;");
}

TEST_F(AnthropicProviderTest, SlowChunksArriveWhole) {
  FakeAnthropicRule rule = rule_for("", FakeAnthropicMode::kStream, "SELECT a, b, c FROM t;");
  rule.chunk_delay_ms = 30;
  server_.add_rule(rule);
  std::vector<std::string> pieces;
  Result<Reply> r = stream(question("q"), &pieces);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "SELECT a, b, c FROM t;");
  EXPECT_EQ(pieces.size(), 3u);
}

TEST_F(AnthropicProviderTest, AcceptsAPlainJsonMessageFromAServerThatIgnoresStream) {
  server_.add_rule(rule_for("", FakeAnthropicMode::kJson, "SELECT 7;"));
  std::vector<std::string> pieces;
  Result<Reply> r = stream(question("seven"), &pieces);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "SELECT 7;");
  EXPECT_EQ(pieces, std::vector<std::string>{"SELECT 7;"});
  EXPECT_EQ(r->stop_reason, "end_turn");
  EXPECT_GT(r->usage.prompt_tokens, 0);
}

TEST_F(AnthropicProviderTest, HttpErrorsSayWhatToDo) {
  struct Case {
    int status;
    const char* message;
  };
  const Case cases[] = {
      {400,
       "returned HTTP 400: prompt is too long: 215389 tokens > 200000 maximum "
       "(invalid_request_error) — the prompt is too long for the model: lower "
       "pipeline.context_token_budget or pipeline.history_token_budget"},
      {403,
       "returned HTTP 403: Your API key does not have permission to use the specified "
       "resource. (permission_error) — the API key may not use this model or endpoint"},
      {413,
       "returned HTTP 413: Request exceeds the maximum allowed number of bytes. "
       "(request_too_large) — the prompt is too long for the model"},
      {429, "returned HTTP 429: This request would exceed the rate limit"},
      {500,
       "returned HTTP 500: Internal server error (api_error) — Anthropic failed: try again "
       "later"},
      {529,
       "returned HTTP 529: Overloaded (overloaded_error) — Anthropic is overloaded: try "
       "again shortly"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.status);
    server_.add_rule(http_error(c.status));
    const Error e = error_of(question("q"));
    EXPECT_TRUE(e.message.starts_with(who() + " returned HTTP ")) << e.message;
    EXPECT_TRUE(contains(e.message, c.message)) << e.message;
    EXPECT_TRUE(contains(e.message, "(request id req_fake")) << e.message;
  }
}

TEST_F(AnthropicProviderTest, RateLimitSaysThrottledAndHowLongToWait) {
  FakeAnthropicRule rule = http_error(429);
  rule.headers = {{"retry-after", "20"}};
  server_.add_rule(rule);
  const Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message,
                       "rate limited (throttled): wait a moment and try again (the "
                       "server asks to wait 20 s)"))
      << e.message;
}

TEST_F(AnthropicProviderTest, NonJsonErrorBodyIsShownShortened) {
  FakeAnthropicRule rule = http_error(502);
  rule.content_type = "text/html";
  rule.body = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>" +
              std::string(2000, 'x') + "</body></html>";
  server_.add_rule(rule);
  const Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message, "HTTP 502: <html> <head><title>502 Bad Gateway")) << e.message;
  EXPECT_LT(e.message.size(), 800u);
}

TEST_F(AnthropicProviderTest, WrongBaseUrlPathSaysCheckTheBaseUrl) {
  options_.base_url = server_.base_url() + "/v1";  // the path is added by askdb
  const Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message,
                       "returned HTTP 404: Not Found (not_found_error) — check "
                       "ANTHROPIC_BASE_URL: it should stop before /v1/messages"))
      << e.message;
}

TEST_F(AnthropicProviderTest, ErrorEventAfterSomeText) {
  FakeAnthropicRule rule =
      rule_for("", FakeAnthropicMode::kErrorEvent, "SELECT a, b, c FROM t WHERE x = 1");
  rule.error_after_deltas = 2;
  server_.add_rule(rule);
  std::vector<std::string> pieces;
  const Error e = error_of(question("q"), &pieces);
  EXPECT_EQ(e.message, who() +
                           " reported an error in its stream: Overloaded (overloaded_error) — "
                           "Anthropic is overloaded: try again shortly");
  EXPECT_EQ(pieces, (std::vector<std::string>{"SELECT a, ", "b, c "}));
}

TEST_F(AnthropicProviderTest, ErrorEventBeforeAnyText) {
  FakeAnthropicRule rule = rule_for("", FakeAnthropicMode::kErrorEvent, "SELECT 1");
  rule.error_after_deltas = 0;
  rule.error_type = "api_error";
  server_.add_rule(rule);
  std::vector<std::string> pieces;
  const Error e = error_of(question("q"), &pieces);
  EXPECT_TRUE(contains(e.message,
                       "reported an error in its stream: Internal server error "
                       "(api_error)"))
      << e.message;
  EXPECT_TRUE(pieces.empty());
}

TEST_F(AnthropicProviderTest, CutStreamEndedEarly) {
  server_.add_rule(
      rule_for("", FakeAnthropicMode::kCutStream, "SELECT a, b, c, d, e, f FROM t WHERE x = 1"));
  std::vector<std::string> pieces;
  const Error e = error_of(question("q"), &pieces);
  EXPECT_TRUE(e.message.starts_with(who() + ": the stream ended early")) << e.message;
  EXPECT_FALSE(pieces.empty());  // what came before the cut was delivered
}

TEST_F(AnthropicProviderTest, HangTimesOut) {
  server_.add_rule(rule_for("", FakeAnthropicMode::kHang));
  policy_.timeout_s = 1;
  const Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message, "timed out after 1 s waiting for 127.0.0.1:" +
                                      std::to_string(server_.port()) + " to answer"))
      << e.message;
  EXPECT_TRUE(contains(e.message, "llm.timeout_s")) << e.message;
}

TEST_F(AnthropicProviderTest, ConnectionRefusedSaysWhatToCheck) {
  const std::string base_url = server_.base_url();
  server_.stop();
  const Error e = error_of(question("q"));
  EXPECT_TRUE(e.message.starts_with(who() + ": could not connect to 127.0.0.1:" +
                                    std::to_string(server_.port()) + " (connection refused)"))
      << e.message;
  EXPECT_TRUE(contains(
      e.message, "check ANTHROPIC_BASE_URL (now " + base_url + "), the network and HTTPS_PROXY"))
      << e.message;
}

TEST_F(AnthropicProviderTest, EmptyReplyIsAnError) {
  server_.add_rule(rule_for("", FakeAnthropicMode::kStream, ""));
  const Error e = error_of(question("q"));
  EXPECT_EQ(e.message, who() + " returned an empty reply (stop_reason \"end_turn\")");
}

TEST_F(AnthropicProviderTest, ReplaysRecordedAnthropicStreams) {
  const std::string basic = recorded("basic_response.txt");
  const std::string refusal = recorded("refusal_response.txt");
  ASSERT_FALSE(basic.empty());
  for (auto [match, body] : {std::pair{"hello", basic}, std::pair{"forbidden", refusal}}) {
    FakeAnthropicRule rule = rule_for(match, FakeAnthropicMode::kRaw);
    rule.body = body;
    rule.raw_chunk_bytes = 7;  // split anywhere, mid-line
    server_.add_rule(rule);
  }
  std::vector<std::string> pieces;
  Result<Reply> r = stream(question("say hello"), &pieces);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "Hello there!");
  EXPECT_EQ(pieces, (std::vector<std::string>{"Hello", " there", "!"}));
  EXPECT_EQ(r->model, "claude-3-opus-latest");
  EXPECT_EQ(r->usage.prompt_tokens, 11);
  EXPECT_EQ(r->usage.completion_tokens, 6);

  const Error e = error_of(question("something forbidden"));
  EXPECT_TRUE(contains(e.message, "declined to answer: This request was refused due to policy."))
      << e.message;
}

TEST_F(AnthropicProviderTest, InvalidUtf8InThePromptIsReplacedNotFatal) {
  ASSERT_TRUE(stream(question("caf\xC3 \xFF")).ok());
  EXPECT_TRUE(json::accept(server_.requests().at(0).body));
}

// A fake that checks the key and the model as the API does.
class AnthropicProviderStrictServerTest : public AnthropicProviderTest {
 protected:
  AnthropicProviderStrictServerTest()
      : AnthropicProviderTest(
            FakeAnthropicOptions{"SELECT 1;", "sk-ant-right", {"claude-sonnet-4-5"}, 2}) {}
};

TEST_F(AnthropicProviderStrictServerTest, RightKeyAndModelWork) {
  options_.api_key = "sk-ant-right";
  Result<Reply> r = stream(question("q"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "SELECT 1;");
}

TEST_F(AnthropicProviderStrictServerTest, WrongKeySaysCheckTheKey) {
  options_.api_key = "sk-ant-wrong";
  const Error e = error_of(question("q"));
  EXPECT_EQ(e.message.substr(0, e.message.find(" (request id")),
            who() +
                " returned HTTP 401: invalid x-api-key (authentication_error) — check "
                "ANTHROPIC_API_KEY (or ASKDB_LLM_API_KEY)");
}

TEST_F(AnthropicProviderStrictServerTest, MissingKeySaysSo) {
  options_.api_key.clear();
  const Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message, "HTTP 401: x-api-key header is required")) << e.message;
}

TEST_F(AnthropicProviderStrictServerTest, UnknownModelSaysCheckTheModel) {
  options_.api_key = "sk-ant-right";
  options_.model = "claude-9-opus";
  const Error e = error_of(question("q"));
  EXPECT_TRUE(contains(e.message,
                       "returned HTTP 404: model: claude-9-opus (not_found_error) — "
                       "check ASKDB_LLM_MODEL"))
      << e.message;
}

}  // namespace
}  // namespace askdb::llm
