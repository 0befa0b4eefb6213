// End-to-end: `askdb check` calls the configured LLM and embedder once each, through the real
// binary, against the fake servers on loopback: OpenAI-compatible chat and /v1/embeddings, and
// Bedrock (chosen because AWS credentials are in the environment, as a user on AWS would have
// them) with Claude and Titan, every request's SigV4 signature checked. Failures exit with the
// LLM's status and say what to do; no secret appears in anything askdb prints.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "support/fake_bedrock_server.h"
#include "support/fake_openai_server.h"
#include "support/subprocess.h"
#include "support/temp_home.h"

namespace askdb {
namespace {

using json = nlohmann::json;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class CheckTest : public ::testing::Test {
 protected:
  testing::SubprocessResult check(std::map<std::string, std::string> extra, bool json_output) {
    auto env = testing::isolated_askdb_env(home_.path());
    for (auto& [k, v] : extra) env[k] = v;
    std::vector<std::string> args = {ASKDB_BINARY, "check"};
    if (json_output) args.push_back("--json");
    return testing::run_subprocess(args, env, 60);
  }

  testing::TempHome home_{"askdb-check"};
};

TEST_F(CheckTest, OpenAiChatAndEmbeddings) {
  test::FakeOpenAiServer server;
  ASSERT_TRUE(server.start().ok());
  server.set_default_reply("OK");
  const auto r = check({{"ASKDB_LLM_BASE_URL", server.base_url()},
                        {"ASKDB_LLM_API_KEY", "sk-check-secret-0123456789"},
                        {"ASKDB_EMBEDDING_PROVIDER", "openai"},
                        {"ASKDB_EMBEDDING_DIMENSIONS", "12"}},
                       true);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json out = json::parse(r.out);
  EXPECT_EQ(out["llm"]["ok"], true);
  EXPECT_EQ(out["llm"]["reply"], "OK");
  EXPECT_EQ(out["llm"]["model"], "gpt-4o-mini");
  EXPECT_GT(out["llm"]["tokens"]["prompt"].get<int>(), 0);
  EXPECT_TRUE(out["llm"]["cost_usd"].is_number());
  EXPECT_EQ(out["embedding"]["ok"], true);
  EXPECT_EQ(out["embedding"]["dimensions"], 12);
  EXPECT_EQ(out["embedding"]["model"], "text-embedding-3-small");
  // The embedder borrowed the chat server's URL and key.
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].target, "/v1/embeddings");
  EXPECT_EQ(requests[1].authorization, "Bearer sk-check-secret-0123456789");
  EXPECT_FALSE(contains(r.out + r.err, "sk-check-secret"));
}

TEST_F(CheckTest, BedrockIsTheDefaultWhenAwsCredentialsAreFound) {
  test::FakeBedrockOptions options;
  options.region = "eu-west-1";
  options.session_token = "FwoGZXIvYXdzEXAMPLETOKEN";
  test::FakeBedrockServer server(options);
  ASSERT_TRUE(server.start().ok());
  server.set_default_reply("OK");
  const auto r = check({{"AWS_ACCESS_KEY_ID", options.access_key_id},
                        {"AWS_SECRET_ACCESS_KEY", options.secret_access_key},
                        {"AWS_SESSION_TOKEN", options.session_token},
                        {"AWS_REGION", "eu-west-1"},
                        {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.endpoint()},
                        {"ASKDB_EMBEDDING_PROVIDER", "bedrock"}},
                       false);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out,
                       "LLM: bedrock (eu.anthropic.claude-sonnet-4-5-20250929-v1:0 in "
                       "eu-west-1 at " +
                           server.endpoint() + ") answered \"OK\""))
      << r.out;
  EXPECT_TRUE(contains(r.out,
                       "Embeddings: bedrock embeddings (amazon.titan-embed-text-v2:0 in "
                       "eu-west-1 at " +
                           server.endpoint() + ") embedded 2 texts"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "1024 dimensions")) << r.out;
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);  // one Converse, two Titan invocations
  for (const auto& request : requests) EXPECT_TRUE(request.signature_valid) << request.target;
  EXPECT_EQ(requests[0].operation, "converse-stream");
  EXPECT_EQ(requests[1].operation, "invoke");
  const std::string printed = r.out + r.err;
  EXPECT_FALSE(contains(printed, options.secret_access_key));
  EXPECT_FALSE(contains(printed, options.session_token));
}

TEST_F(CheckTest, AFailureSaysWhatToDoAndExits3) {
  test::FakeBedrockServer server;
  ASSERT_TRUE(server.start().ok());
  const auto r = check({{"ASKDB_LLM_PROVIDER", "bedrock"},
                        {"AWS_ACCESS_KEY_ID", "AKIDNOTKNOWNHERE"},
                        {"AWS_SECRET_ACCESS_KEY", "not-the-secret-the-server-knows"},
                        {"AWS_REGION", "us-east-1"},
                        {"AWS_ENDPOINT_URL", server.endpoint()}},
                       true);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const json out = json::parse(r.out);
  EXPECT_EQ(out["llm"]["ok"], false);
  const std::string message = out["llm"]["error"];
  EXPECT_TRUE(contains(message, "UnrecognizedClientException")) << message;
  EXPECT_TRUE(contains(message, "credentials came from environment")) << message;
  EXPECT_TRUE(out["embedding"].is_null());
  EXPECT_FALSE(contains(r.out + r.err, "not-the-secret-the-server-knows"));
}

TEST_F(CheckTest, NothingConfiguredNamesTheSettings) {
  const auto r = check({}, false);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "no LLM is configured")) << r.out;
  EXPECT_TRUE(contains(r.out, "ASKDB_LLM_PROVIDER")) << r.out;
}

}  // namespace
}  // namespace askdb
