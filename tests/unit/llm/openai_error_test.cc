#include "llm/openai.h"
#include "llm/openai_error.h"

#include <gtest/gtest.h>

#include <string>

namespace askdb::llm {
namespace {

HttpHead head(int status) {
  HttpHead h;
  h.status = status;
  return h;
}

// The error-body shapes of the servers that speak the OpenAI protocol, one row each.
struct BodyCase {
  const char* server;
  const char* body;
  const char* message;
  const char* type;
  const char* code;
};

const BodyCase kBodies[] = {
    {"openai",
     R"({"error":{"message":"Incorrect API key provided: sk-x.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})",
     "Incorrect API key provided: sk-x.", "invalid_request_error", "invalid_api_key"},
    {"ollama", R"({"error":"model \"llama9\" not found, try pulling it first"})",
     "model \"llama9\" not found, try pulling it first", "", ""},
    {"vllm",
     R"({"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404})",
     "The model `x` does not exist.", "NotFoundError", "404"},
    {"llama.cpp", R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})",
     "Loading model", "unavailable_error", "503"},
    {"fastapi", R"({"detail":"Not Found"})", "Not Found", "", ""},
    {"html proxy", "<html>\n  <body>Bad   Gateway</body>\n</html>\n",
     "<html> <body>Bad Gateway</body> </html>", "", ""},
    {"empty", "", "", "", ""},
};

TEST(OpenAiErrorTest, ReadsEveryKnownErrorBodyShape) {
  for (const BodyCase& c : kBodies) {
    SCOPED_TRACE(c.server);
    const ServerError e = parse_server_error(c.body);
    EXPECT_EQ(e.message, c.message);
    EXPECT_EQ(e.type, c.type);
    EXPECT_EQ(e.code, c.code);
  }
}

TEST(OpenAiErrorTest, LongBodiesAreCut) {
  const ServerError e = parse_server_error(std::string(5000, 'x'));
  EXPECT_LT(e.message.size(), 500u);
  EXPECT_TRUE(e.message.ends_with("..."));
}

TEST(OpenAiErrorTest, HintsByStatus) {
  const std::string who = "openai (m at u)";
  auto message = [&](int status, const std::string& body) {
    return openai_http_error(who, head(status), body).message;
  };
  EXPECT_EQ(message(401, R"({"error":{"message":"Bad key."}})"),
            "openai (m at u) returned HTTP 401: Bad key. — check ASKDB_LLM_API_KEY");
  EXPECT_EQ(message(404, R"({"error":"model \"x\" not found, try pulling it first"})"),
            "openai (m at u) returned HTTP 404: model \"x\" not found, try pulling it first — "
            "check ASKDB_LLM_MODEL (a model this server serves)");
  EXPECT_NE(message(404, "404 page not found").find("check ASKDB_LLM_BASE_URL"), std::string::npos);
  EXPECT_EQ(message(503, ""),
            "openai (m at u) returned HTTP 503: Service Unavailable — the LLM server is "
            "overloaded or starting: try again shortly");
  EXPECT_NE(message(500, "{}").find("try again later"), std::string::npos);
  EXPECT_EQ(message(418, "teapot"), "openai (m at u) returned HTTP 418: teapot");
  EXPECT_EQ(openai_http_error(who, head(401), "").code, ErrorCode::kLlm);
}

TEST(OpenAiErrorTest, TransportErrorsCarryAdvice) {
  HttpResponse r;
  r.failure = HttpFailure::kConnect;
  r.failure_message = "could not connect to 127.0.0.1:9 (connection refused)";
  EXPECT_EQ(openai_transport_error(r, "http://127.0.0.1:9/v1").message,
            "could not connect to 127.0.0.1:9 (connection refused): is the LLM server running? "
            "check ASKDB_LLM_BASE_URL (now http://127.0.0.1:9/v1)");
  r.failure = HttpFailure::kTimeout;
  r.failure_message = "timed out after 120 s waiting for api.openai.com:443 to answer";
  EXPECT_NE(openai_transport_error(r, "u").message.find("raise ASKDB_LLM_TIMEOUT_S"),
            std::string::npos);
}

TEST(OpenAiErrorTest, RetryableFailures) {
  const auto protocol = make_openai_protocol({});
  HttpHead head;
  head.status = 429;
  EXPECT_TRUE(protocol
                  ->http_failure(head,
                                 R"({"error":{"message":"slow down","code":"rate_limit_exceeded"}})")
                  .retryable);
  EXPECT_FALSE(
      protocol->http_failure(head, R"({"error":{"message":"no money","type":"insufficient_quota"}})")
          .retryable);
  head.status = 503;
  EXPECT_TRUE(protocol->http_failure(head, "").retryable);
  head.status = 401;
  EXPECT_FALSE(protocol->http_failure(head, "").retryable);
  head.status = 429;
  head.headers = {{"retry-after", "7"}};
  EXPECT_EQ(protocol->http_failure(head, "").retry_after_s, 7);

  HttpResponse r;
  r.failure = HttpFailure::kBrokenReply;
  EXPECT_TRUE(protocol->transport_failure(r).retryable);
  r.failure = HttpFailure::kResolve;
  EXPECT_FALSE(protocol->transport_failure(r).retryable);
}

}  // namespace
}  // namespace askdb::llm
