// Tests of the Anthropic error mapping: Anthropic's real error bodies (as the fake sends them),
// status by status, into the message a user reads, whether a retry may help and how long the
// server asked to wait; other bodies; transport failures.
#include "llm/anthropic_error.h"

#include <gtest/gtest.h>

#include <string>

#include "support/fake_anthropic_server.h"

namespace askdb::llm {
namespace {

const char kWho[] = "anthropic (claude-sonnet-4-5 at https://api.anthropic.com)";

AnthropicSite site() {
  return AnthropicSite{kWho, "https://api.anthropic.com", "sk-ant-api03-secret"};
}

HttpHead head(int status, std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpHead h;
  h.status = status;
  h.content_type = "application/json";
  h.headers = std::move(headers);
  return h;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

struct StatusCase {
  int status;
  const char* text;    // the part of the message quoting Anthropic
  const char* advice;  // the part saying what to do
  bool retryable;
};

// One row per status the Messages API documents (https://docs.anthropic.com/en/api/errors),
// with the body the real API sends (test::anthropic_error_body).
const StatusCase kStatuses[] = {
    {400, "HTTP 400: prompt is too long: 215389 tokens > 200000 maximum (invalid_request_error)",
     "lower pipeline.context_token_budget or pipeline.history_token_budget", false},
    {401, "HTTP 401: invalid x-api-key (authentication_error)",
     " — check ANTHROPIC_API_KEY (or ASKDB_LLM_API_KEY)", false},
    {402, "HTTP 402: Your credit balance is too low", "plan and billing", false},
    {403,
     "HTTP 403: Your API key does not have permission to use the specified resource. "
     "(permission_error)",
     "check ANTHROPIC_API_KEY and ASKDB_LLM_MODEL", false},
    {404, "HTTP 404: model: claude-9-opus (not_found_error)", "check ASKDB_LLM_MODEL", false},
    {413, "HTTP 413: Request exceeds the maximum allowed number of bytes. (request_too_large)",
     "the prompt is too long for the model", false},
    {429, "HTTP 429: This request would exceed the rate limit for your organization",
     "rate limited (throttled): wait a moment and try again", true},
    {500, "HTTP 500: Internal server error (api_error)", "Anthropic failed: try again later", true},
    {504, "HTTP 504: Request timeout (timeout_error)", "Anthropic timed out: try again", true},
    {529, "HTTP 529: Overloaded (overloaded_error)", "Anthropic is overloaded: try again shortly",
     true},
};

TEST(AnthropicErrorTest, EachStatusWithAnthropicsRealBody) {
  for (const StatusCase& c : kStatuses) {
    SCOPED_TRACE(c.status);
    const Failure f =
        anthropic_http_failure(site(), head(c.status), test::anthropic_error_body(c.status));
    EXPECT_EQ(f.error.code, ErrorCode::kLlm);
    EXPECT_TRUE(f.error.message.starts_with(std::string(kWho) + " returned HTTP "))
        << f.error.message;
    EXPECT_TRUE(contains(f.error.message, c.text)) << f.error.message;
    EXPECT_TRUE(contains(f.error.message, c.advice)) << f.error.message;
    EXPECT_TRUE(contains(f.error.message, "(request id req_fake_error)")) << f.error.message;
    EXPECT_EQ(f.retryable, c.retryable);
    EXPECT_LT(f.retry_after_s, 0);  // no Retry-After header here
  }
}

TEST(AnthropicErrorTest, OverloadedReadsInFull) {
  const Failure f = anthropic_http_failure(site(), head(529, {{"request-id", "req_011CS"}}),
                                           test::anthropic_error_body(529));
  EXPECT_EQ(f.error.message,
            std::string(kWho) +
                " returned HTTP 529: Overloaded (overloaded_error) — Anthropic is overloaded: try "
                "again shortly (request id req_011CS)");
}

TEST(AnthropicErrorTest, RateLimitHonoursRetryAfter) {
  const Failure f = anthropic_http_failure(site(), head(429, {{"retry-after", "17"}}),
                                           test::anthropic_error_body(429));
  EXPECT_TRUE(f.retryable);
  EXPECT_DOUBLE_EQ(f.retry_after_s, 17);
  EXPECT_TRUE(contains(f.error.message, "(the server asks to wait 17 s)")) << f.error.message;
}

TEST(AnthropicErrorTest, SpendLimitIsNotRetryable) {
  const Failure f = anthropic_http_failure(
      site(), head(429),
      R"({"type":"error","error":{"type":"rate_limit_error","message":"You have reached your specified API usage limits.","details":{"error_code":"enforced_spend_limit_reached"}}})");
  EXPECT_FALSE(f.retryable);
  EXPECT_TRUE(contains(f.error.message, "spend limit is reached")) << f.error.message;
}

TEST(AnthropicErrorTest, NotFoundWithoutAModelPointsAtTheBaseUrl) {
  const Failure f = anthropic_http_failure(
      site(), head(404),
      R"({"type":"error","error":{"type":"not_found_error","message":"Not Found"}})");
  EXPECT_TRUE(contains(f.error.message, "HTTP 404: Not Found (not_found_error)"))
      << f.error.message;
  EXPECT_TRUE(
      contains(f.error.message, "check ANTHROPIC_BASE_URL: it should stop before /v1/messages"))
      << f.error.message;
}

TEST(AnthropicErrorTest, OtherBadRequestsAndCreditBalance) {
  Failure f = anthropic_http_failure(
      site(), head(400),
      R"({"type":"error","error":{"type":"invalid_request_error","message":"messages.0.content: Field required"}})");
  EXPECT_FALSE(f.retryable);
  EXPECT_TRUE(contains(f.error.message, "speaks the Anthropic Messages API")) << f.error.message;
  f = anthropic_http_failure(
      site(), head(400),
      R"({"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}})");
  EXPECT_TRUE(contains(f.error.message, "no credit left")) << f.error.message;
}

TEST(AnthropicErrorTest, NonJsonBodyIsShownShortened) {
  const std::string html = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>" +
                           std::string(3000, 'x') + "</body></html>";
  const Failure f = anthropic_http_failure(site(), head(502), html);
  EXPECT_TRUE(contains(f.error.message, "HTTP 502: <html> <head><title>502 Bad Gateway"))
      << f.error.message;
  EXPECT_TRUE(contains(f.error.message, "try again shortly")) << f.error.message;
  EXPECT_TRUE(f.retryable);
  EXPECT_LT(f.error.message.size(), 700u);
}

TEST(AnthropicErrorTest, EmptyBodyFallsBackToTheReasonPhrase) {
  const Failure f = anthropic_http_failure(site(), head(503), "");
  EXPECT_TRUE(contains(f.error.message, "returned HTTP 503: Service Unavailable"))
      << f.error.message;
}

TEST(AnthropicErrorTest, TheApiKeyIsNeverQuoted) {
  const Failure f = anthropic_http_failure(
      site(), head(401),
      R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key sk-ant-api03-secret"}})");
  EXPECT_FALSE(contains(f.error.message, "sk-ant-api03-secret")) << f.error.message;
  EXPECT_TRUE(contains(f.error.message, "invalid x-api-key <api key>")) << f.error.message;
}

TEST(AnthropicErrorTest, ParsesTheErrorShapes) {
  AnthropicError e = parse_anthropic_error(
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"})");
  EXPECT_EQ(e.type, "overloaded_error");
  EXPECT_EQ(e.message, "Overloaded");
  EXPECT_EQ(e.request_id, "req_1");
  e = parse_anthropic_error(R"({"error":"upstream connect error"})");
  EXPECT_EQ(e.message, "upstream connect error");
  e = parse_anthropic_error(R"({"message":"Forbidden"})");  // an AWS-style gateway
  EXPECT_EQ(e.message, "Forbidden");
  e = parse_anthropic_error("  plain\n\ttext  ");
  EXPECT_EQ(e.message, "plain text");
  EXPECT_EQ(e.type, "");
}

TEST(AnthropicErrorTest, TransportFailuresSayWhatToCheck) {
  HttpResponse r;
  r.failure = HttpFailure::kConnect;
  r.failure_message = "could not connect to api.anthropic.com:443 (connection refused)";
  Failure f = anthropic_transport_failure(site(), r);
  EXPECT_EQ(f.error.message,
            std::string(kWho) +
                ": could not connect to api.anthropic.com:443 (connection refused): check "
                "ANTHROPIC_BASE_URL (now https://api.anthropic.com), the network and HTTPS_PROXY");
  EXPECT_TRUE(f.retryable);

  r.failure = HttpFailure::kResolve;
  r.failure_message = "could not resolve the host name api.anthropic.com";
  f = anthropic_transport_failure(site(), r);
  EXPECT_TRUE(contains(f.error.message, "HTTPS_PROXY"));
  EXPECT_FALSE(f.retryable);

  r.failure = HttpFailure::kTls;
  r.failure_message = "the TLS connection to api.anthropic.com:443 failed (x)";
  f = anthropic_transport_failure(site(), r);
  EXPECT_TRUE(contains(f.error.message, "llm.ca_bundle"));
  EXPECT_FALSE(f.retryable);

  r.failure = HttpFailure::kIdleTimeout;
  r.failure_message = "api.anthropic.com:443 sent nothing for 30 s in the middle of its reply";
  r.body_started = true;
  f = anthropic_transport_failure(site(), r);
  EXPECT_TRUE(f.error.message.starts_with(std::string(kWho) + ": the stream ended early: "))
      << f.error.message;
  EXPECT_TRUE(contains(f.error.message, "llm.idle_timeout_s"));
  EXPECT_TRUE(f.retryable);
}

}  // namespace
}  // namespace askdb::llm
