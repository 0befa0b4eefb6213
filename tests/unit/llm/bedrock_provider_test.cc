// The Bedrock protocol end to end over loopback: make_protocol_provider(make_bedrock_protocol())
// against FakeBedrockServer, which speaks real HTTP/1.1, real event-stream frames and checks
// every SigV4 signature the way AWS does. ConverseStream and Converse, signatures accepted and
// refused, exceptions mid-stream, HTTP errors, access denied, a cut stream, a hang. Single
// attempts only (no retries).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "llm/bedrock.h"
#include "llm/exchange.h"
#include "support/fake_bedrock_server.h"

namespace askdb::llm {
namespace {

using nlohmann::json;
using test::FakeBedrockMode;
using test::FakeBedrockOptions;
using test::FakeBedrockRule;
using test::FakeBedrockServer;

constexpr const char* kModel = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

Request question(const std::string& text) {
  Request r;
  r.system = "You write PostgreSQL.";
  r.messages.push_back({Role::kUser, text});
  r.max_tokens = 256;
  return r;
}

FakeBedrockRule rule(const std::string& match, FakeBedrockMode mode, std::string reply = "") {
  FakeBedrockRule r;
  r.match = match;
  r.mode = mode;
  r.reply = std::move(reply);
  return r;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class BedrockProviderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start().ok()); }

  BedrockOptions options(std::string secret = "fake/bedrock/secret/key",
                         std::string access_key = "AKIDFAKEBEDROCK") {
    BedrockOptions o;
    o.region = "us-east-1";
    o.model = kModel;
    o.endpoint = server_.endpoint();
    o.credentials = [secret, access_key]() -> Result<AwsIdentity> {
      AwsIdentity id;
      id.credentials = {access_key, secret, ""};
      id.source = "environment";
      return id;
    };
    return o;
  }

  // No retries unless a test asks: each failure is seen as the user would see it at the end.
  static CallPolicy no_retries() {
    CallPolicy p;
    p.max_retries = 0;
    return p;
  }

  std::unique_ptr<Provider> provider(BedrockOptions o, CallPolicy policy = no_retries()) {
    return make_protocol_provider(make_bedrock_protocol(std::move(o)), policy);
  }

  FakeBedrockServer server_;
};

TEST_F(BedrockProviderTest, StreamsTextUsageAndStopReason) {
  server_.add_rule(rule("orders", FakeBedrockMode::kReply,
                        "SELECT count(*) FROM orders WHERE status = 'shipped';"));
  std::vector<std::string> pieces;
  const auto reply =
      provider(options())->stream(question("How many orders shipped?"),
                                  [&](std::string_view piece) { pieces.emplace_back(piece); });
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->text, "SELECT count(*) FROM orders WHERE status = 'shipped';");
  EXPECT_GT(pieces.size(), 2u);  // a few words per frame
  std::string joined;
  for (const auto& p : pieces) joined += p;
  EXPECT_EQ(joined, reply->text);
  EXPECT_EQ(reply->stop_reason, "end_turn");
  EXPECT_GT(reply->usage.prompt_tokens, 0);
  EXPECT_GT(reply->usage.completion_tokens, 0);

  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_TRUE(r.signature_valid);
  EXPECT_EQ(r.target, "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream");
  EXPECT_EQ(r.model_id, kModel);
  EXPECT_EQ(r.header("accept"), "application/vnd.amazon.eventstream");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("host"), "127.0.0.1:" + std::to_string(server_.port()));
  EXPECT_TRUE(
      r.header("authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKIDFAKEBEDROCK/"));
  const json body = json::parse(r.body);
  EXPECT_EQ(body["system"][0]["text"], "You write PostgreSQL.");
  EXPECT_EQ(body["inferenceConfig"]["maxTokens"], 256);
  EXPECT_EQ(r.last_user_message(), "How many orders shipped?");
}

TEST_F(BedrockProviderTest, ConverseAnswersOneJsonReply) {
  server_.set_default_reply("SELECT 42;");
  BedrockOptions o = options();
  o.stream = false;
  std::string streamed;
  const auto reply =
      provider(o)->stream(question("the answer"), [&](std::string_view p) { streamed += p; });
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->text, "SELECT 42;");
  EXPECT_EQ(streamed, "SELECT 42;");
  EXPECT_EQ(reply->stop_reason, "end_turn");
  EXPECT_GT(reply->usage.completion_tokens, 0);
  ASSERT_EQ(server_.request_count(), 1u);
  EXPECT_EQ(server_.requests()[0].operation, "converse");
  EXPECT_TRUE(server_.requests()[0].signature_valid);
}

TEST_F(BedrockProviderTest, SessionTokenIsAccepted) {
  FakeBedrockOptions token_options;
  token_options.session_token = "IQoJb3JpZ2luX2VjEXAMPLE";
  FakeBedrockServer with_token(token_options);
  ASSERT_TRUE(with_token.start().ok());
  BedrockOptions o = options();
  o.endpoint = with_token.endpoint();
  o.credentials = []() -> Result<AwsIdentity> {
    AwsIdentity id;
    id.credentials = {"AKIDFAKEBEDROCK", "fake/bedrock/secret/key", "IQoJb3JpZ2luX2VjEXAMPLE"};
    id.source = "ECS task role";
    return id;
  };
  const auto reply = provider(o)->complete(question("hi"));
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(with_token.requests()[0].header("x-amz-security-token"), "IQoJb3JpZ2luX2VjEXAMPLE");
  EXPECT_TRUE(contains(with_token.requests()[0].header("authorization"), "x-amz-security-token"));
}

TEST_F(BedrockProviderTest, ArnModelIdIsSignedAndRoutedWhole) {
  BedrockOptions o = options();
  o.model = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3";
  const auto reply = provider(o)->complete(question("hi"));
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(server_.requests()[0].model_id, o.model);
  EXPECT_TRUE(server_.requests()[0].signature_valid);
}

TEST_F(BedrockProviderTest, WrongSecretIsAClearMessage) {
  const auto reply = provider(options("not-the-secret"))->complete(question("hi"));
  ASSERT_FALSE(reply.ok());
  const std::string& m = reply.error().message;
  EXPECT_EQ(reply.error().code, ErrorCode::kLlm);
  EXPECT_TRUE(contains(m, "HTTP 403 InvalidSignatureException")) << m;
  EXPECT_TRUE(contains(m, "The request signature we calculated does not match")) << m;
  EXPECT_TRUE(contains(m, "AWS_SECRET_ACCESS_KEY")) << m;
  EXPECT_TRUE(contains(m, "from environment")) << m;
  EXPECT_FALSE(contains(m, "not-the-secret")) << m;
  EXPECT_FALSE(contains(m, "Signature=")) << m;
  EXPECT_FALSE(server_.requests()[0].signature_valid);
}

TEST_F(BedrockProviderTest, UnknownAccessKeyIsAClearMessage) {
  const auto reply =
      provider(options("fake/bedrock/secret/key", "AKIDSOMEONEELSE"))->complete(question("hi"));
  ASSERT_FALSE(reply.ok());
  const std::string& m = reply.error().message;
  EXPECT_TRUE(contains(m, "UnrecognizedClientException")) << m;
  EXPECT_TRUE(contains(m, "The security token included in the request is invalid.")) << m;
  EXPECT_TRUE(contains(m, "AWS_ACCESS_KEY_ID")) << m;
}

TEST_F(BedrockProviderTest, ThrottlingExceptionAfterSomeText) {
  FakeBedrockRule busy = rule("busy", FakeBedrockMode::kException, "SELECT a, b, c FROM t;");
  busy.error_type = "throttlingException";
  busy.text_chunks = 1;
  server_.add_rule(busy);
  std::string streamed;
  const auto reply =
      provider(options())->stream(question("busy day"), [&](std::string_view p) { streamed += p; });
  ASSERT_FALSE(reply.ok());
  const std::string& m = reply.error().message;
  EXPECT_EQ(streamed, "SELECT a, ");
  EXPECT_TRUE(contains(m, "throttlingException")) << m;
  EXPECT_TRUE(contains(m, "Too many requests")) << m;
  EXPECT_TRUE(contains(m, "after 10 bytes")) << m;
  EXPECT_TRUE(contains(m, kModel)) << m;
}

TEST_F(BedrockProviderTest, ModelStreamErrorBeforeAnyText) {
  server_.add_rule(rule("", FakeBedrockMode::kException));
  const auto reply = provider(options())->complete(question("anything"));
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().message, "modelStreamErrorException"))
      << reply.error().message;
  EXPECT_TRUE(contains(reply.error().message, "The model stream failed.")) << reply.error().message;
}

TEST_F(BedrockProviderTest, ThrottledHttpReply) {
  FakeBedrockRule throttled = rule("", FakeBedrockMode::kHttpError);
  throttled.status = 429;
  server_.add_rule(throttled);
  const auto reply = provider(options())->complete(question("hi"));
  ASSERT_FALSE(reply.ok());
  const std::string& m = reply.error().message;
  EXPECT_TRUE(contains(m, "HTTP 429 ThrottlingException")) << m;
  EXPECT_TRUE(contains(m, "request id fake-")) << m;
}

TEST_F(BedrockProviderTest, ThrottlingBeforeAnyTextIsRetriedAndTheAnswerArrives) {
  FakeBedrockRule throttled = rule("", FakeBedrockMode::kHttpError);
  throttled.status = 429;
  server_.add_rule(throttled);
  server_.add_rule(rule("", FakeBedrockMode::kException));  // modelStreamErrorException
  server_.add_rule(rule("", FakeBedrockMode::kReply, "SELECT 1;"));
  CallPolicy policy;
  policy.backoff_base_s = 0.01;
  const auto reply = provider(options(), policy)->complete(question("hi"));
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->text, "SELECT 1;");
  EXPECT_EQ(server_.requests().size(), 3u);
  for (const auto& r : server_.requests()) EXPECT_TRUE(r.signature_valid);  // signed afresh
}

TEST_F(BedrockProviderTest, ModelNotAllowedIsAccessDenied) {
  FakeBedrockOptions strict_options;
  strict_options.allowed_models = {"eu.some.other-model-v1:0"};
  FakeBedrockServer strict(strict_options);
  ASSERT_TRUE(strict.start().ok());
  BedrockOptions o = options();
  o.endpoint = strict.endpoint();
  const auto reply = provider(o)->complete(question("hi"));
  ASSERT_FALSE(reply.ok());
  const std::string& m = reply.error().message;
  EXPECT_TRUE(contains(m, "HTTP 403 AccessDeniedException")) << m;
  EXPECT_TRUE(contains(m, "You don't have access to the model")) << m;
  EXPECT_TRUE(contains(m, "Model access")) << m;
  EXPECT_TRUE(contains(m, "bedrock:InvokeModelWithResponseStream")) << m;
}

TEST_F(BedrockProviderTest, InvalidModelIdentifier) {
  FakeBedrockRule invalid = rule("", FakeBedrockMode::kHttpError);
  invalid.status = 400;
  server_.add_rule(invalid);
  const auto reply = provider(options())->complete(question("hi"));
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().message, "ASKDB_LLM_MODEL")) << reply.error().message;
}

TEST_F(BedrockProviderTest, CutStreamIsAnEarlyEnd) {
  server_.add_rule(rule("", FakeBedrockMode::kCutStream,
                        "SELECT one, two, three, four, five, six FROM numbers;"));
  std::string streamed;
  const auto reply =
      provider(options())->stream(question("cut"), [&](std::string_view p) { streamed += p; });
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().message, "ended early")) << reply.error().message;
  EXPECT_FALSE(streamed.empty());
}

TEST_F(BedrockProviderTest, SlowChunksStillArrive) {
  FakeBedrockRule slow = rule("", FakeBedrockMode::kReply, "SELECT slowly;");
  slow.chunk_delay_ms = 30;
  server_.add_rule(slow);
  const auto reply = provider(options())->complete(question("slow"));
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->text, "SELECT slowly;");
}

TEST_F(BedrockProviderTest, HangTimesOut) {
  server_.add_rule(rule("", FakeBedrockMode::kHang));
  CallPolicy policy;
  policy.timeout_s = 1;
  const auto reply = provider(options(), policy)->complete(question("hang"));
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().message, "ASKDB_LLM_TIMEOUT_S")) << reply.error().message;
}

TEST_F(BedrockProviderTest, CredentialFailureSendsNothing) {
  BedrockOptions o = options();
  o.credentials = []() -> Result<AwsIdentity> {
    return Error{ErrorCode::kLlm, "no AWS credentials found: set AWS_ACCESS_KEY_ID"};
  };
  const auto reply = provider(o)->complete(question("hi"));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().message, "no AWS credentials found: set AWS_ACCESS_KEY_ID");
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(BedrockProviderTest, NothingListeningIsAConnectionFailure) {
  BedrockOptions o = options();
  o.endpoint = "http://127.0.0.1:9";
  const auto reply = provider(o)->complete(question("hi"));
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(contains(reply.error().message, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"))
      << reply.error().message;
}

}  // namespace
}  // namespace askdb::llm
