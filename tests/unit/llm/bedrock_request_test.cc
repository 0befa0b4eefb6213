// The Bedrock protocol's side of a request: the Converse body encode() writes, the URL and
// headers address() produces, and the SigV4 signature, checked against a canonical request
// computed by hand (and the signatures botocore 1.43 computes for the same request: a model id
// with ':' is sent as %3A and signed as %253A, the path encoded twice as Bedrock wants). Also
// describe(), bedrock_endpoint() and default_bedrock_model().
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "llm/bedrock.h"
#include "llm/sigv4.h"

namespace askdb::llm {
namespace {

using nlohmann::json;

constexpr const char* kModel = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "FQoGZXIvYXdzEXAMPLEtoken//+==";
// A body given to address() as is (address() signs whatever it is handed).
constexpr const char* kBody =
    R"({"messages":[{"role":"user","content":[{"text":"How many orders?"}]}],)"
    R"("inferenceConfig":{"maxTokens":512,"temperature":0.0}})";

BedrockOptions options(std::string session_token = "") {
  BedrockOptions o;
  o.region = "us-east-1";
  o.model = kModel;
  o.endpoint = "https://bedrock-runtime.us-east-1.amazonaws.com";
  o.credentials = [session_token]() -> Result<AwsIdentity> {
    AwsIdentity id;
    id.credentials = {"AKIDEXAMPLE", kSecret, session_token};
    id.source = "environment";
    return id;
  };
  o.amz_date = [] { return std::string("20250930T120000Z"); };
  return o;
}

std::string header(const HttpRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(BedrockRequestTest, AddressesConverseStreamWithTheModelIdEscaped) {
  const auto protocol = make_bedrock_protocol(options());
  const auto http = protocol->address(kBody);
  ASSERT_TRUE(http.ok()) << http.error().message;
  EXPECT_EQ(http->method, "POST");
  EXPECT_EQ(http->url,
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
            "us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream");
  EXPECT_EQ(header(*http, "host"), "bedrock-runtime.us-east-1.amazonaws.com");
  EXPECT_EQ(header(*http, "content-type"), "application/json");
  EXPECT_EQ(header(*http, "accept"), "application/vnd.amazon.eventstream");
  EXPECT_EQ(header(*http, "X-Amz-Date"), "20250930T120000Z");
  EXPECT_EQ(header(*http, "X-Amz-Security-Token"), "");
}

// The canonical request for the call above, written out by hand: the path as sent has %3A,
// the canonical URI encodes its '%' once more.
TEST(BedrockRequestTest, SignsTheDoubleEncodedPathAsAwsExpects) {
  const std::string canonical =
      "POST\n"
      "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%253A0/converse-stream\n"
      "\n"
      "accept:application/vnd.amazon.eventstream\n"
      "content-type:application/json\n"
      "host:bedrock-runtime.us-east-1.amazonaws.com\n"
      "x-amz-date:20250930T120000Z\n"
      "\n"
      "accept;content-type;host;x-amz-date\n" +
      sha256_hex(kBody);
  EXPECT_EQ(sha256_hex(kBody), "6adb94d905ac24a48bea25e4a59d79ce0d9c912d279fa12ca005a75fd4cbbaa9");
  // The string to sign and signature of that canonical request, computed apart from askdb
  // (Python's hmac) and equal to what botocore 1.43.11's SigV4Auth signs for the same call.
  EXPECT_EQ(sha256_hex(canonical),
            "b0b09dcf6df6829c0de79a92fca2a14d92f61a8ca006462c70ee5d000731bfe7");

  const auto protocol = make_bedrock_protocol(options());
  const auto http = protocol->address(kBody);
  ASSERT_TRUE(http.ok()) << http.error().message;
  EXPECT_EQ(header(*http, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250930/us-east-1/bedrock/aws4_request, "
            "SignedHeaders=accept;content-type;host;x-amz-date, "
            "Signature=3c5ec4c228fb03b74b89e4df447f750572b42e1d4f771a061ac64de67e434a7e");

  // The same canonical request through the signer, to see it is the one signed.
  SigV4Request request;
  request.method = "POST";
  request.path = "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream";
  request.headers = {{"host", "bedrock-runtime.us-east-1.amazonaws.com"},
                     {"content-type", "application/json"},
                     {"accept", "application/vnd.amazon.eventstream"}};
  request.body = kBody;
  SigV4Params params;
  params.region = "us-east-1";
  params.service = "bedrock";
  params.amz_date = "20250930T120000Z";
  const auto sig = sign_with_headers(request, {"AKIDEXAMPLE", kSecret, ""}, params);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->canonical_request, canonical);
}

TEST(BedrockRequestTest, SessionTokenIsSentAndSigned) {
  const auto protocol = make_bedrock_protocol(options(kToken));
  const auto http = protocol->address(kBody);
  ASSERT_TRUE(http.ok()) << http.error().message;
  EXPECT_EQ(header(*http, "X-Amz-Security-Token"), kToken);
  EXPECT_EQ(header(*http, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250930/us-east-1/bedrock/aws4_request, "
            "SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, "
            "Signature=ca25f2af3e490cc0a66f1ae3645d62f2b3fac102e3f1b784ea4d84cbba09429e");
}

TEST(BedrockRequestTest, ConverseAsksForJson) {
  BedrockOptions o = options();
  o.stream = false;
  const auto http = make_bedrock_protocol(o)->address(kBody);
  ASSERT_TRUE(http.ok());
  EXPECT_TRUE(http->url.ends_with("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse"))
      << http->url;
  EXPECT_EQ(header(*http, "accept"), "application/json");
}

TEST(BedrockRequestTest, ArnIsOnePathSegment) {
  BedrockOptions o = options();
  o.model =
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
      "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
  const auto http = make_bedrock_protocol(o)->address(kBody);
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->url,
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/"
            "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2F"
            "us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream");
}

TEST(BedrockRequestTest, EndpointWithPortAndPathKeepsThemInHostAndPath) {
  BedrockOptions o = options();
  o.endpoint = "http://127.0.0.1:8443/proxy/bedrock/";
  const auto protocol = make_bedrock_protocol(o);
  const auto http = protocol->address(kBody);
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->url,
            "http://127.0.0.1:8443/proxy/bedrock/model/"
            "us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream");
  EXPECT_EQ(header(*http, "host"), "127.0.0.1:8443");
  EXPECT_EQ(protocol->describe(),
            "bedrock (us.anthropic.claude-sonnet-4-5-20250929-v1:0 in us-east-1 at "
            "http://127.0.0.1:8443/proxy/bedrock)");

  o.endpoint = "https://bedrock-runtime.us-east-1.amazonaws.com:443";
  const auto default_port = make_bedrock_protocol(o)->address(kBody);
  ASSERT_TRUE(default_port.ok());
  EXPECT_EQ(header(*default_port, "host"), "bedrock-runtime.us-east-1.amazonaws.com");
}

TEST(BedrockRequestTest, EachAttemptIsSignedAfresh) {
  BedrockOptions o = options();
  int calls = 0;
  o.amz_date = [&calls] {
    return std::string(++calls == 1 ? "20250930T120000Z" : "20250930T120500Z");
  };
  const auto protocol = make_bedrock_protocol(o);
  const auto first = protocol->address(kBody);
  const auto second = protocol->address(kBody);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(header(*first, "Authorization"), header(*second, "Authorization"));
  EXPECT_EQ(header(*second, "X-Amz-Date"), "20250930T120500Z");
}

TEST(BedrockRequestTest, DefaultSigningTimeIsNow) {
  BedrockOptions o = options();
  o.amz_date = nullptr;
  const auto http = make_bedrock_protocol(o)->address(kBody);
  ASSERT_TRUE(http.ok()) << http.error().message;
  const std::string date = header(*http, "X-Amz-Date");
  ASSERT_EQ(date.size(), 16u);
  EXPECT_EQ(date[8], 'T');
  EXPECT_EQ(date[15], 'Z');
  EXPECT_GE(date.substr(0, 4), "2025");
}

TEST(BedrockRequestTest, CredentialFailureIsTheChainsErrorAndNothingIsSigned) {
  BedrockOptions o = options();
  o.credentials = []() -> Result<AwsIdentity> {
    return Error{ErrorCode::kLlm,
                 "no AWS credentials: looked in the environment (AWS_ACCESS_KEY_ID not set), "
                 "~/.aws/credentials (no such file)"};
  };
  const auto http = make_bedrock_protocol(o)->address(kBody);
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.error().code, ErrorCode::kLlm);
  EXPECT_TRUE(contains(http.error().message, "looked in the environment"));
}

TEST(BedrockRequestTest, MissingRegionOrCredentialsIsAConfigError) {
  BedrockOptions o = options();
  o.region.clear();
  o.endpoint.clear();
  const auto no_region = make_bedrock_protocol(o)->address(kBody);
  ASSERT_FALSE(no_region.ok());
  EXPECT_EQ(no_region.error().code, ErrorCode::kConfig);
  EXPECT_TRUE(contains(no_region.error().message, "AWS_REGION"));

  BedrockOptions p = options();
  p.credentials = nullptr;
  const auto no_creds = make_bedrock_protocol(p)->address(kBody);
  ASSERT_FALSE(no_creds.ok());
  EXPECT_EQ(no_creds.error().code, ErrorCode::kConfig);

  BedrockOptions q = options();
  q.endpoint = "bedrock-runtime.us-east-1.amazonaws.com";
  const auto no_scheme = make_bedrock_protocol(q)->address(kBody);
  ASSERT_FALSE(no_scheme.ok());
  EXPECT_TRUE(contains(no_scheme.error().message, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"));
}

TEST(BedrockRequestTest, SigningErrorsNeverShowTheSecret) {
  BedrockOptions o = options();
  o.amz_date = [] { return std::string("yesterday"); };
  const auto http = make_bedrock_protocol(o)->address(kBody);
  ASSERT_FALSE(http.ok());
  EXPECT_TRUE(contains(http.error().message, "yesterday"));
  EXPECT_FALSE(contains(http.error().message, kSecret));
}

TEST(BedrockRequestTest, EncodesAConverseBody) {
  Request r;
  r.system = "You write PostgreSQL.";
  r.messages = {{Role::kUser, "How many orders?"},
                {Role::kAssistant, "SELECT count(*) FROM orders;"},
                {Role::kUser, "And per month?"}};
  r.max_tokens = 700;
  r.temperature = 0.2;
  r.stop = {"</sql>"};
  const auto body = make_bedrock_protocol(options())->encode(r);
  ASSERT_TRUE(body.ok());
  const json j = json::parse(*body);
  EXPECT_EQ(j, json::parse(R"({
    "messages": [
      {"role": "user", "content": [{"text": "How many orders?"}]},
      {"role": "assistant", "content": [{"text": "SELECT count(*) FROM orders;"}]},
      {"role": "user", "content": [{"text": "And per month?"}]}],
    "system": [{"text": "You write PostgreSQL."}],
    "inferenceConfig": {"maxTokens": 700, "temperature": 0.2, "stopSequences": ["</sql>"]}
  })"));
  EXPECT_FALSE(j.contains("model"));  // the model is in the path
}

TEST(BedrockRequestTest, OmitsAnEmptySystemAndNoStopSequences) {
  Request r;
  r.messages = {{Role::kUser, "hi"}};
  const auto body = make_bedrock_protocol(options())->encode(r);
  ASSERT_TRUE(body.ok());
  const json j = json::parse(*body);
  EXPECT_FALSE(j.contains("system"));
  EXPECT_FALSE(j["inferenceConfig"].contains("stopSequences"));
  EXPECT_EQ(j["inferenceConfig"]["maxTokens"], 1024);
}

TEST(BedrockRequestTest, JoinsConsecutiveTurnsOfOneRoleAndDropsBlankOnes) {
  Request r;
  r.messages = {{Role::kUser, "first"}, {Role::kUser, "  "}, {Role::kUser, "second"}};
  const auto body = make_bedrock_protocol(options())->encode(r);
  ASSERT_TRUE(body.ok());
  const json j = json::parse(*body);
  ASSERT_EQ(j["messages"].size(), 1u);
  EXPECT_EQ(j["messages"][0]["content"], json::parse(R"([{"text":"first"},{"text":"second"}])"));

  Request empty;
  EXPECT_FALSE(make_bedrock_protocol(options())->encode(empty).ok());
}

TEST(BedrockRequestTest, ReplacesInvalidUtf8) {
  Request r;
  r.messages = {{Role::kUser, std::string("caf\xE9 \xFF!")}};
  const auto body = make_bedrock_protocol(options())->encode(r);
  ASSERT_TRUE(body.ok());
  const json j = json::parse(*body);  // valid JSON, so valid UTF-8
  EXPECT_EQ(j["messages"][0]["content"][0]["text"], "caf\xEF\xBF\xBD \xEF\xBF\xBD!");
}

TEST(BedrockRequestTest, Describe) {
  const auto protocol = make_bedrock_protocol(options());
  EXPECT_EQ(protocol->describe(),
            "bedrock (us.anthropic.claude-sonnet-4-5-20250929-v1:0 in us-east-1)");
  EXPECT_EQ(protocol->model(), kModel);

  BedrockOptions o = options();
  o.model.clear();
  o.region = "eu-west-3";
  o.endpoint.clear();
  const auto defaulted = make_bedrock_protocol(o);
  EXPECT_EQ(defaulted->model(), "eu.anthropic.claude-sonnet-4-5-20250929-v1:0");
  EXPECT_EQ(defaulted->describe(),
            "bedrock (eu.anthropic.claude-sonnet-4-5-20250929-v1:0 in eu-west-3)");
  const auto http = defaulted->address(kBody);
  ASSERT_TRUE(http.ok());
  EXPECT_TRUE(http->url.starts_with("https://bedrock-runtime.eu-west-3.amazonaws.com/model/"));
}

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(BedrockRequestTest, EndpointFollowsTheSdkRules) {
  EXPECT_EQ(bedrock_endpoint("us-west-2", env_of({})),
            "https://bedrock-runtime.us-west-2.amazonaws.com");
  EXPECT_EQ(bedrock_endpoint("cn-north-1", env_of({})),
            "https://bedrock-runtime.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(bedrock_endpoint("us-east-1", env_of({{"AWS_ENDPOINT_URL", "http://localhost:4566/"}})),
            "http://localhost:4566");
  EXPECT_EQ(
      bedrock_endpoint("us-east-1",
                       env_of({{"AWS_ENDPOINT_URL", "http://localhost:4566"},
                               {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:9//"}})),
      "http://127.0.0.1:9");
  EXPECT_EQ(bedrock_endpoint("us-east-1", env_of({{"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", ""}})),
            "https://bedrock-runtime.us-east-1.amazonaws.com");
  EXPECT_EQ(
      bedrock_endpoint("us-east-1", env_of({{"AWS_ENDPOINT_URL", "http://localhost:4566"},
                                            {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}})),
      "https://bedrock-runtime.us-east-1.amazonaws.com");
  EXPECT_EQ(bedrock_endpoint("eu-central-1", EnvLookup{}),
            "https://bedrock-runtime.eu-central-1.amazonaws.com");
}

TEST(BedrockRequestTest, DefaultModelHasTheRegionsGeographyPrefix) {
  EXPECT_EQ(default_bedrock_model("us-east-1"), "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
  EXPECT_EQ(default_bedrock_model("us-west-2"), "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
  EXPECT_EQ(default_bedrock_model("ca-central-1"), "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
  EXPECT_EQ(default_bedrock_model("eu-central-1"), "eu.anthropic.claude-sonnet-4-5-20250929-v1:0");
  EXPECT_EQ(default_bedrock_model("ap-northeast-1"),
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0");
  EXPECT_EQ(default_bedrock_model("sa-east-1"), "global.anthropic.claude-sonnet-4-5-20250929-v1:0");
  EXPECT_EQ(default_bedrock_model(""), "global.anthropic.claude-sonnet-4-5-20250929-v1:0");
}

}  // namespace
}  // namespace askdb::llm
