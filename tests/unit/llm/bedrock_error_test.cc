// Bedrock's error replies as the user reads them (llm/bedrock_error.h): for each error type
// Bedrock documents, with its real x-amzn-errortype header and body, the message must name the
// provider, model and region, carry Bedrock's own words and the right advice, and be retryable
// exactly when a retry can help. Also transport failures, and the Protocol's own
// http_failure()/transport_failure() with the credential source they quote.
#include "llm/bedrock_error.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "llm/bedrock.h"

namespace askdb::llm {
namespace {

constexpr const char* kModel = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

BedrockSite site(std::string model = kModel) {
  return {"bedrock (" + model + " in us-east-1)", model, "us-east-1",
          "https://bedrock-runtime.us-east-1.amazonaws.com",
          "profile default (/root/.aws/credentials)"};
}

HttpHead head(int status, const std::string& type,
              std::vector<std::pair<std::string, std::string>> extra = {}) {
  HttpHead h;
  h.status = status;
  h.content_type = "application/json";
  if (!type.empty()) {
    h.headers.emplace_back("x-amzn-errortype",
                           type + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
  }
  h.headers.emplace_back("x-amzn-requestid", "4f6e3b52-8f5c-4b7e-9d4e-0123456789ab");
  for (auto& header : extra) h.headers.push_back(std::move(header));
  return h;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

struct Case {
  int status;
  std::string type;
  std::string body;
  bool retryable;
  std::vector<std::string> says;
};

TEST(BedrockErrorTest, EachDocumentedErrorReadsRight) {
  const std::vector<Case> cases = {
      {403,
       "AccessDeniedException",
       R"({"message":"You don't have access to the model with the specified model ID."})",
       false,
       {"HTTP 403 AccessDeniedException", "You don't have access to the model", "Model access",
        "us-east-1", "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream",
        "profile default"}},
      {403,
       "AccessDeniedException",
       R"({"Message":"User: arn:aws:iam::123456789012:user/analyst is not authorized to perform: bedrock:InvokeModelWithResponseStream on resource: arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"})",
       false,
       {"is not authorized to perform", "bedrock:InvokeModelWithResponseStream on it"}},
      {403,
       "UnrecognizedClientException",
       R"({"message":"The security token included in the request is invalid."})",
       false,
       {"security token included in the request is invalid", "AWS_ACCESS_KEY_ID",
        "AWS_SESSION_TOKEN", "profile default (/root/.aws/credentials)"}},
      {403,
       "InvalidSignatureException",
       R"({"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."})",
       false,
       {"does not match", "AWS_SECRET_ACCESS_KEY", "profile default"}},
      {403,
       "InvalidSignatureException",
       R"x({"message":"Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z - 5 min.)"})x",
       false,
       {"Signature expired", "clock"}},
      {403,
       "ExpiredTokenException",
       R"({"message":"The security token included in the request is expired"})",
       false,
       {"expired", "refresh", "profile default"}},
      {400,
       "ValidationException",
       R"({"message":"The provided model identifier is invalid."})",
       false,
       {"model identifier is invalid", "ASKDB_LLM_MODEL", kModel}},
      {400,
       "ValidationException",
       R"({"message":"Invocation of model ID anthropic.claude-sonnet-4-5-20250929-v1:0 with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model."})",
       false,
       {"on-demand throughput", "inference profile id"}},
      {400,
       "ValidationException",
       R"({"message":"Input is too long for requested model."})",
       false,
       {"too long", "pipeline.context_token_budget", "pipeline.history_token_budget"}},
      {400,
       "ValidationException",
       R"({"message":"The model returned the following errors: input length and `max_tokens` exceed context limit: 197000 + 8192 > 200000, decrease input length or `max_tokens` and try again"})",
       false,
       {"context_token_budget", "ASKDB_LLM_MAX_TOKENS"}},
      {400,
       "ValidationException",
       R"({"message":"A conversation must alternate between user and assistant roles."})",
       false,
       {"alternate", "refused the request"}},
      {404,
       "ResourceNotFoundException",
       R"({"message":"Could not resolve the foundation model from the provided model identifier."})",
       false,
       {"not available in us-east-1", "AWS_REGION"}},
      {429,
       "ThrottlingException",
       R"({"message":"Too many requests, please wait before trying again."})",
       true,
       {"Too many requests", "throttling", "Service Quotas"}},
      {429,
       "ServiceQuotaExceededException",
       R"({"message":"Your request exceeds the service quota for your account."})",
       true,
       {"quota"}},
      {429,
       "ModelNotReadyException",
       R"({"message":"Model is not ready for inference."})",
       true,
       {"not ready"}},
      {408,
       "ModelTimeoutException",
       R"({"message":"Model has timed out in processing the request. Try your request again."})",
       true,
       {"timed out", "try again"}},
      {424,
       "ModelErrorException",
       R"({"message":"The system encountered an unexpected error during processing."})",
       false,
       {"model failed", "another model"}},
      {500,
       "InternalServerException",
       R"({"message":"The server encountered an internal error while processing the request."})",
       true,
       {"internal error", "try again"}},
      {503,
       "ServiceUnavailableException",
       R"({"message":"Bedrock is unable to process your request."})",
       true,
       {"unavailable in us-east-1"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.type + " " + c.body);
    const Failure f = bedrock_http_failure(site(), head(c.status, c.type), c.body);
    const std::string& m = f.error.message;
    EXPECT_EQ(f.error.code, ErrorCode::kLlm);
    EXPECT_EQ(f.retryable, c.retryable) << m;
    EXPECT_TRUE(m.starts_with("bedrock (" + std::string(kModel) + " in us-east-1) returned HTTP " +
                              std::to_string(c.status)))
        << m;
    EXPECT_TRUE(contains(m, "request id 4f6e3b52-8f5c-4b7e-9d4e-0123456789ab")) << m;
    for (const std::string& s : c.says)
      EXPECT_TRUE(contains(m, s)) << "missing \"" << s << "\" in " << m;
  }
}

TEST(BedrockErrorTest, OnDemandModelGetsAProfileSuggestion) {
  const Failure f = bedrock_http_failure(
      site("anthropic.claude-sonnet-4-5-20250929-v1:0"), head(400, "ValidationException"),
      R"({"message":"Invocation of model ID anthropic.claude-sonnet-4-5-20250929-v1:0 with on-demand throughput isn't supported. Retry your request with the ID or ARN of an inference profile that contains this model."})");
  EXPECT_TRUE(contains(f.error.message, "e.g. us.anthropic.claude-sonnet-4-5-20250929-v1:0"))
      << f.error.message;
  EXPECT_EQ(suggested_profile_model("anthropic.claude-3-7-sonnet-20250219-v1:0", "eu-west-1"),
            "eu.anthropic.claude-3-7-sonnet-20250219-v1:0");
  EXPECT_EQ(suggested_profile_model("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "ap-south-1"),
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0");
}

TEST(BedrockErrorTest, ThrottlingHonoursRetryAfter) {
  const Failure f =
      bedrock_http_failure(site(), head(429, "ThrottlingException", {{"retry-after", "7"}}),
                           R"({"message":"Too many requests"})");
  EXPECT_TRUE(f.retryable);
  EXPECT_DOUBLE_EQ(f.retry_after_s, 7);
  const Failure none = bedrock_http_failure(site(), head(429, "ThrottlingException"), "{}");
  EXPECT_LT(none.retry_after_s, 0);
}

TEST(BedrockErrorTest, TypeFromTheBodyOrTheStatusWhenTheHeaderIsMissing) {
  HttpHead bare;
  bare.status = 400;
  EXPECT_EQ(
      bedrock_error_type(
          bare, R"({"__type":"com.amazon.coral.validate#ValidationException","message":"x"})"),
      "ValidationException");
  EXPECT_EQ(bedrock_error_type(head(403, "AccessDeniedException"), "{}"), "AccessDeniedException");
  EXPECT_EQ(bedrock_error_type(bare, "<html/>"), "");

  bare.status = 429;
  const Failure throttled = bedrock_http_failure(site(), bare, "");
  EXPECT_TRUE(throttled.retryable);
  EXPECT_TRUE(contains(throttled.error.message, "throttling")) << throttled.error.message;

  bare.status = 502;
  const Failure gateway =
      bedrock_http_failure(site(), bare, "<html><body>502 Bad Gateway</body></html>");
  EXPECT_TRUE(gateway.retryable);
  EXPECT_TRUE(contains(gateway.error.message, "502 Bad Gateway")) << gateway.error.message;

  bare.status = 413;
  const Failure too_big = bedrock_http_failure(site(), bare, "");
  EXPECT_FALSE(too_big.retryable);
  EXPECT_TRUE(contains(too_big.error.message, "context_token_budget")) << too_big.error.message;
}

TEST(BedrockErrorTest, MessageFromEitherSpelling) {
  EXPECT_EQ(bedrock_error_message(R"({"message":"a  b"})"), "a b");
  EXPECT_EQ(bedrock_error_message(R"({"Message":"c"})"), "c");
  EXPECT_EQ(bedrock_error_message("plain\ntext"), "plain text");
  EXPECT_LE(bedrock_error_message(std::string(5000, 'x')).size(), 410u);
}

TEST(BedrockErrorTest, EchoedCanonicalRequestIsLeftOut) {
  const std::string body =
      R"({"message":"The request signature we calculated does not match the signature you )"
      R"(provided. Check your AWS Secret Access Key and signing method. Consult the service )"
      R"(documentation for details.\n\nThe Canonical String for this request should have been\n)"
      R"('POST\n/model/x/converse\n\nhost:bedrock-runtime.us-east-1.amazonaws.com\n)"
      R"(x-amz-security-token:SESSIONTOKENSECRET\n'\n\nThe String-to-Sign should have been\n'AWS4'"})";
  const Failure f = bedrock_http_failure(site(), head(403, "InvalidSignatureException"), body);
  EXPECT_TRUE(contains(f.error.message, "Consult the service documentation for details."))
      << f.error.message;
  EXPECT_FALSE(contains(f.error.message, "SESSIONTOKENSECRET")) << f.error.message;
  EXPECT_FALSE(contains(f.error.message, "Canonical String")) << f.error.message;
}

TEST(BedrockErrorTest, TransportFailuresSayWhatToCheck) {
  struct T {
    HttpFailure failure;
    bool retryable;
    std::string says;
  };
  const std::vector<T> cases = {
      {HttpFailure::kResolve, false, "AWS_REGION"},
      {HttpFailure::kConnect, true, "HTTPS_PROXY"},
      {HttpFailure::kConnectTimeout, true, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"},
      {HttpFailure::kTimeout, true, "ASKDB_LLM_TIMEOUT_S"},
      {HttpFailure::kFirstByteTimeout, true, "ASKDB_LLM_TIMEOUT_S"},
      {HttpFailure::kIdleTimeout, true, "try again"},
      {HttpFailure::kTls, false, "HTTPS_PROXY"},
      {HttpFailure::kBadUrl, false, "AWS_ENDPOINT_URL"},
      {HttpFailure::kBrokenReply, true, "try again"},
      {HttpFailure::kNoReply, true, "try again"},
  };
  for (const T& c : cases) {
    HttpResponse r;
    r.failure = c.failure;
    r.failure_message = "something happened at bedrock-runtime.us-east-1.amazonaws.com:443";
    const Failure f = bedrock_transport_failure(site(), r);
    SCOPED_TRACE(f.error.message);
    EXPECT_EQ(f.retryable, c.retryable);
    EXPECT_TRUE(f.error.message.starts_with(site().who)) << f.error.message;
    EXPECT_TRUE(contains(f.error.message, "something happened"));
    EXPECT_TRUE(contains(f.error.message, c.says));
  }
  HttpResponse cut;
  cut.failure = HttpFailure::kBrokenReply;
  cut.failure_message = "the connection to 127.0.0.1:1 broke";
  cut.body_started = true;
  EXPECT_TRUE(contains(bedrock_transport_failure(site(), cut).error.message, "stream ended early"));
}

// The Protocol's own failures quote the source of the credentials it signed with.
TEST(BedrockErrorTest, ProtocolQuotesTheCredentialSource) {
  BedrockOptions o;
  o.region = "us-east-1";
  o.model = kModel;
  o.credentials = []() -> Result<AwsIdentity> {
    AwsIdentity id;
    id.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                      "SESSIONTOKENSECRET"};
    id.source = "ECS task role";
    return id;
  };
  const auto protocol = make_bedrock_protocol(o);
  ASSERT_TRUE(protocol->address("{}").ok());
  const Failure f = protocol->http_failure(
      head(403, "UnrecognizedClientException"),
      R"({"message":"The security token included in the request is invalid."})");
  EXPECT_TRUE(contains(f.error.message, "ECS task role")) << f.error.message;
  EXPECT_FALSE(contains(f.error.message, "wJalrXUtnFEMI"));
  EXPECT_FALSE(contains(f.error.message, "SESSIONTOKENSECRET"));

  HttpResponse refused;
  refused.failure = HttpFailure::kConnect;
  refused.failure_message = "could not connect to bedrock-runtime.us-east-1.amazonaws.com:443";
  const Failure t = protocol->transport_failure(refused);
  EXPECT_TRUE(t.retryable);
  EXPECT_TRUE(contains(t.error.message, "https://bedrock-runtime.us-east-1.amazonaws.com"));
}

}  // namespace
}  // namespace askdb::llm
