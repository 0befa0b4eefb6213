// Tests of the Anthropic protocol's pure parts: the request body it encodes, the HTTP request it
// addresses, how it names itself, and that its errors come from the Anthropic mapping.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "llm/anthropic.h"

namespace askdb::llm {
namespace {

using nlohmann::json;

AnthropicOptions options() {
  AnthropicOptions o;
  o.base_url = "https://api.anthropic.com";
  o.model = "claude-sonnet-4-5";
  o.api_key = "sk-ant-test";
  return o;
}

json encoded(const Protocol& protocol, const Request& request) {
  Result<std::string> body = protocol.encode(request);
  EXPECT_TRUE(body.ok());
  return body.ok() ? json::parse(*body) : json();
}

std::string header(const HttpRequest& request, const std::string& name) {
  for (const auto& [n, v] : request.headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

TEST(AnthropicProtocolTest, EncodesTheMessagesRequest) {
  const auto protocol = make_anthropic_protocol(options());
  Request req;
  req.system = "You write PostgreSQL.";
  req.messages = {{Role::kUser, "earlier"}, {Role::kAssistant, "SELECT 0;"}, {Role::kUser, "now"}};
  req.max_tokens = 321;
  req.temperature = 0.25;
  req.stop = {"</sql>", "\n\n\n"};
  EXPECT_EQ(encoded(*protocol, req), json::parse(R"({
    "model": "claude-sonnet-4-5",
    "max_tokens": 321,
    "system": "You write PostgreSQL.",
    "messages": [
      {"role": "user", "content": "earlier"},
      {"role": "assistant", "content": "SELECT 0;"},
      {"role": "user", "content": "now"}],
    "temperature": 0.25,
    "stop_sequences": ["</sql>", "\n\n\n"],
    "stream": true})"));
}

TEST(AnthropicProtocolTest, OmitsAnEmptySystemAndNoStopSequences) {
  const auto protocol = make_anthropic_protocol(options());
  Request req;
  req.messages = {{Role::kUser, "hi"}};
  const json body = encoded(*protocol, req);
  EXPECT_FALSE(body.contains("system"));
  EXPECT_FALSE(body.contains("stop_sequences"));
  EXPECT_EQ(body["max_tokens"], 1024);
  EXPECT_EQ(body["temperature"], 0.0);
  EXPECT_EQ(body["stream"], true);
}

TEST(AnthropicProtocolTest, TemperatureIsClampedToAnthropicsRange) {
  const auto protocol = make_anthropic_protocol(options());
  Request req;
  req.messages = {{Role::kUser, "hi"}};
  req.temperature = 1.7;  // fine for OpenAI, refused by Anthropic
  EXPECT_EQ(encoded(*protocol, req)["temperature"], 1.0);
}

TEST(AnthropicProtocolTest, InvalidUtf8IsReplacedNotFatal) {
  const auto protocol = make_anthropic_protocol(options());
  Request req;
  req.system = "caf\xC3";
  req.messages = {{Role::kUser, "bad \xFF byte"}};
  Result<std::string> body = protocol->encode(req);
  ASSERT_TRUE(body.ok());
  EXPECT_TRUE(json::accept(*body));
  EXPECT_EQ(json::parse(*body)["messages"][0]["content"], "bad \xEF\xBF\xBD byte");
}

TEST(AnthropicProtocolTest, NoMessagesIsACallerBug) {
  const auto protocol = make_anthropic_protocol(options());
  Result<std::string> body = protocol->encode(Request{});
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code, ErrorCode::kInternal);
}

TEST(AnthropicProtocolTest, AddressesPostV1MessagesWithTheApiHeaders) {
  AnthropicOptions o = options();
  o.base_url = "http://127.0.0.1:8080//";
  o.version = "2023-06-01";
  const auto protocol = make_anthropic_protocol(o);
  Result<HttpRequest> request = protocol->address("{}");
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->url, "http://127.0.0.1:8080/v1/messages");
  EXPECT_EQ(header(*request, "content-type"), "application/json");
  EXPECT_EQ(header(*request, "accept"), "text/event-stream");
  EXPECT_EQ(header(*request, "x-api-key"), "sk-ant-test");
  EXPECT_EQ(header(*request, "anthropic-version"), "2023-06-01");
  EXPECT_EQ(request->headers.size(), 4u);
}

TEST(AnthropicProtocolTest, NoKeyNoXApiKeyHeader) {
  AnthropicOptions o = options();
  o.api_key.clear();
  Result<HttpRequest> request = make_anthropic_protocol(o)->address("{}");
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(header(*request, "x-api-key"), "<absent>");
  EXPECT_EQ(header(*request, "anthropic-version"), "2023-06-01");
}

TEST(AnthropicProtocolTest, DescribesItselfWithoutTheKey) {
  AnthropicOptions o = options();
  o.base_url = "https://gateway.example.com/anthropic/";
  const auto protocol = make_anthropic_protocol(o);
  EXPECT_EQ(protocol->describe(),
            "anthropic (claude-sonnet-4-5 at https://gateway.example.com/anthropic)");
  EXPECT_EQ(protocol->model(), "claude-sonnet-4-5");
  EXPECT_EQ(protocol->address("{}")->url, "https://gateway.example.com/anthropic/v1/messages");
}

TEST(AnthropicProtocolTest, FailuresNameTheProviderAndNeverTheKey) {
  const auto protocol = make_anthropic_protocol(options());
  HttpHead head;
  head.status = 401;
  const Failure http = protocol->http_failure(
      head,
      R"({"type":"error","error":{"type":"authentication_error","message":"bad key sk-ant-test"}})");
  EXPECT_TRUE(http.error.message.starts_with(
      "anthropic (claude-sonnet-4-5 at https://api.anthropic.com) returned HTTP 401"));
  EXPECT_EQ(http.error.message.find("sk-ant-test"), std::string::npos) << http.error.message;
  EXPECT_FALSE(http.retryable);

  HttpResponse response;
  response.failure = HttpFailure::kNoReply;
  response.failure_message = "api.anthropic.com:443 closed the connection without replying";
  const Failure transport = protocol->transport_failure(response);
  EXPECT_TRUE(transport.retryable);
  EXPECT_NE(transport.error.message.find("check ANTHROPIC_BASE_URL"), std::string::npos);
}

TEST(AnthropicProtocolTest, EachAttemptGetsAFreshDecoder) {
  const auto protocol = make_anthropic_protocol(options());
  const auto a = protocol->decoder();
  const auto b = protocol->decoder();
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a.get(), b.get());
  EXPECT_FALSE(a->complete());
}

}  // namespace
}  // namespace askdb::llm
