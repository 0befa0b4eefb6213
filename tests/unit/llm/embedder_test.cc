// Embedders end to end over loopback: make_wire_embedder() with the OpenAI-compatible
// /v1/embeddings wire against FakeOpenAiServer and the Titan wire against FakeBedrockServer
// (which checks every SigV4 signature as AWS does). Batching and order, normalisation, blank
// and long texts, dimensions, retries, failures mid-way, cancellation, messages that name the
// embedding settings and hold no secret; make_embedder() from the configuration.
#include "llm/embedder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/text.h"
#include "llm/bedrock_embeddings.h"
#include "llm/from_config.h"
#include "llm/openai_embeddings.h"
#include "support/fake_bedrock_server.h"
#include "support/fake_embedding.h"
#include "support/fake_openai_server.h"

namespace askdb::llm {
namespace {

using nlohmann::json;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::vector<float> unit(std::vector<float> v) {
  normalize(v);
  return v;
}

void expect_near(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << "at " << i;
}

double length(const std::vector<float>& v) {
  double sum = 0;
  for (const float x : v) sum += static_cast<double>(x) * x;
  return std::sqrt(sum);
}

CallPolicy quick_retries(int retries = 2) {
  CallPolicy p;
  p.max_retries = retries;
  p.backoff_base_s = 0.01;
  p.backoff_max_s = 0.05;
  p.timeout_s = 20;
  return p;
}

class OpenAiEmbedderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start().ok()); }

  std::unique_ptr<Embedder> embedder(size_t batch_size = 64, CallPolicy policy = quick_retries(0),
                                     size_t dimensions = 0, std::string api_key = "") {
    OpenAiEmbeddingOptions o;
    o.base_url = server_.base_url();
    o.model = "nomic-embed-text";
    o.api_key = std::move(api_key);
    o.dimensions = dimensions;
    EmbedderOptions options;
    options.batch_size = batch_size;
    options.parallel = 2;
    return make_wire_embedder(make_openai_embedding_wire(o), policy, options);
  }

  std::vector<json> bodies() const {
    std::vector<json> out;
    for (const auto& r : server_.requests()) out.push_back(json::parse(r.body));
    return out;
  }

  test::FakeOpenAiServer server_;
};

TEST_F(OpenAiEmbedderTest, EmbedsEveryTextInOrderInBatches) {
  const std::vector<std::string> texts = {"orders placed", "customers by city", "",
                                          "products",      "order items",       "   ",
                                          "payments",      "shipping dates",    "returns"};
  auto e = embedder(/*batch_size=*/3);
  Result<Embeddings> got = e->embed(texts);
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_EQ(got->vectors.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    if (trim(texts[i]).empty()) {
      EXPECT_TRUE(got->vectors[i].empty()) << "a blank text gets no vector: " << i;
      continue;
    }
    expect_near(got->vectors[i], unit(test::fake_embedding(texts[i], 8)));
    EXPECT_NEAR(length(got->vectors[i]), 1.0, 1e-5);
  }
  EXPECT_EQ(e->dimensions(), 8u);
  EXPECT_GT(got->tokens, 0);

  // Seven non-blank texts in batches of three: three requests, none with a blank input.
  const std::vector<json> sent = bodies();
  ASSERT_EQ(sent.size(), 3u);
  for (const auto& request : server_.requests()) EXPECT_EQ(request.target, "/v1/embeddings");
  size_t inputs = 0;
  for (const json& body : sent) {
    EXPECT_EQ(body["model"], "nomic-embed-text");
    EXPECT_EQ(body["encoding_format"], "float");
    EXPECT_FALSE(body.contains("dimensions"));
    ASSERT_TRUE(body["input"].is_array());
    EXPECT_LE(body["input"].size(), 3u);
    for (const json& text : body["input"]) EXPECT_FALSE(trim(text.get<std::string>()).empty());
    inputs += body["input"].size();
  }
  EXPECT_EQ(inputs, 7u);
}

TEST(OpenAiEmbedderOrderTest, UsesEachItemsIndexNotItsPlaceInTheList) {
  test::FakeOpenAiOptions options;
  options.embeddings_reversed = true;
  test::FakeOpenAiServer server(options);
  ASSERT_TRUE(server.start().ok());
  OpenAiEmbeddingOptions o;
  o.base_url = server.base_url();
  auto e = make_wire_embedder(make_openai_embedding_wire(o), quick_retries(0));
  Result<Embeddings> got = e->embed({"alpha", "beta", "gamma"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  expect_near(got->vectors[0], unit(test::fake_embedding("alpha", 8)));
  expect_near(got->vectors[2], unit(test::fake_embedding("gamma", 8)));
}

TEST_F(OpenAiEmbedderTest, AsksForTheConfiguredDimensionsAndSendsTheKey) {
  auto e = embedder(64, quick_retries(0), /*dimensions=*/16, "sk-embed-secret-123456");
  EXPECT_EQ(e->dimensions(), 16u);
  Result<Embeddings> got = e->embed({"revenue by month"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->vectors[0].size(), 16u);
  EXPECT_EQ(bodies()[0]["dimensions"], 16);
  EXPECT_EQ(server_.requests()[0].authorization, "Bearer sk-embed-secret-123456");
}

TEST_F(OpenAiEmbedderTest, NothingToEmbedSendsNothing) {
  auto e = embedder();
  Result<Embeddings> none = e->embed({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->vectors.empty());
  Result<Embeddings> blank = e->embed({"", " \n\t"});
  ASSERT_TRUE(blank.ok());
  ASSERT_EQ(blank->vectors.size(), 2u);
  EXPECT_TRUE(blank->vectors[0].empty());
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(OpenAiEmbedderTest, CutsLongTextsAtACharacterBoundary) {
  std::string long_text;
  while (long_text.size() < 20000) long_text += "é Ω ";  // multi-byte characters throughout
  auto e = embedder();
  ASSERT_TRUE(e->embed({long_text}).ok());
  const std::string sent = bodies()[0]["input"][0].get<std::string>();
  EXPECT_LE(sent.size(), EmbedderOptions{}.max_input_bytes);
  EXPECT_GT(sent.size(), EmbedderOptions{}.max_input_bytes - 4);
  EXPECT_TRUE(long_text.starts_with(sent));
}

TEST_F(OpenAiEmbedderTest, RetriesThrottlingThenSucceeds) {
  test::FakeRule throttled;
  throttled.mode = test::FakeMode::kHttpError;
  throttled.status = 429;
  server_.add_rule(throttled);
  auto e = embedder(64, quick_retries(2));
  Result<Embeddings> got = e->embed({"top customers"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_F(OpenAiEmbedderTest, RetriesAReplyCutMidBody) {
  test::FakeRule cut;
  cut.mode = test::FakeMode::kCutStream;
  server_.add_rule(cut);
  auto e = embedder(64, quick_retries(2));
  Result<Embeddings> got = e->embed({"late shipments"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_F(OpenAiEmbedderTest, AReplyThatIsNotJsonSaysWhatToCheck) {
  test::FakeRule garbled;
  garbled.mode = test::FakeMode::kMalformedChunk;
  server_.add_rule(garbled);
  Result<Embeddings> got = embedder()->embed({"stock levels"});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kLlm);
  EXPECT_TRUE(contains(got.error().message, "not JSON")) << got.error().message;
  EXPECT_TRUE(contains(got.error().message, "ASKDB_EMBEDDING_BASE_URL")) << got.error().message;
}

TEST(OpenAiEmbedderAuthTest, AWrongKeyNamesTheSettingNotTheKey) {
  test::FakeOpenAiOptions options;
  options.api_key = "sk-right-key-000000";
  test::FakeOpenAiServer server(options);
  ASSERT_TRUE(server.start().ok());
  OpenAiEmbeddingOptions o;
  o.base_url = server.base_url();
  o.api_key = "sk-wrong-key-98765432109876543210";
  Result<Embeddings> got =
      make_wire_embedder(make_openai_embedding_wire(o), quick_retries(2))->embed({"x"});
  ASSERT_FALSE(got.ok());
  const std::string& m = got.error().message;
  EXPECT_TRUE(contains(m, "HTTP 401")) << m;
  EXPECT_TRUE(contains(m, "ASKDB_EMBEDDING_API_KEY")) << m;
  EXPECT_FALSE(contains(m, "ASKDB_LLM_API_KEY")) << m;
  EXPECT_FALSE(contains(m, "98765432109876543210")) << m;
  EXPECT_EQ(server.request_count(), 1u) << "a 401 is not retried";
}

TEST_F(OpenAiEmbedderTest, AFailedBatchSaysWhichTextsAndEndsTheCall) {
  test::FakeRule refused;
  refused.match = "poison";
  refused.mode = test::FakeMode::kHttpError;
  refused.status = 400;
  server_.add_rule(refused);
  auto e = embedder(/*batch_size=*/2);
  Result<Embeddings> got = e->embed({"a", "b", "c", "poison", "e", "f"});
  ASSERT_FALSE(got.ok());
  const std::string& m = got.error().message;
  EXPECT_TRUE(contains(m, "HTTP 400")) << m;
  EXPECT_TRUE(contains(m, "texts 3-4 of 6")) << m;
  EXPECT_TRUE(contains(m, "ASKDB_EMBEDDING_MODEL")) << m;
  EXPECT_TRUE(contains(m, "nomic-embed-text")) << m;
}

TEST_F(OpenAiEmbedderTest, VectorsOfAnotherLengthAreRefused) {
  test::FakeRule odd;
  odd.match = "second";
  odd.mode = test::FakeMode::kRaw;
  odd.content_type = "application/json";
  odd.body =
      R"({"object":"list","data":[{"index":0,"embedding":[1,2,3]}],"usage":{"prompt_tokens":1}})";
  server_.add_rule(odd);
  auto e = embedder(/*batch_size=*/1);
  ASSERT_TRUE(e->embed({"first"}).ok());
  Result<Embeddings> got = e->embed({"second"});
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message, "3 dimensions where 8 were expected"))
      << got.error().message;
}

TEST_F(OpenAiEmbedderTest, CancelEndsEveryBatchAtOnce) {
  test::FakeRule hang;
  hang.mode = test::FakeMode::kHang;
  hang.once = false;
  server_.add_rule(hang);
  auto e = embedder(/*batch_size=*/1);
  std::promise<Result<Embeddings>> done;
  auto call =
      e->start({"a", "b", "c"}, [&done](Result<Embeddings> r) { done.set_value(std::move(r)); });
  for (int i = 0; i < 200 && server_.request_count() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server_.request_count(), 2u) << "two batches in flight at once (parallel = 2)";
  call->cancel();
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  Result<Embeddings> got = future.get();
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(contains(got.error().message, "cancelled")) << got.error().message;
  call->cancel();  // late and twice: nothing happens
  // The third text's batch was never sent.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(server_.request_count(), 2u);
}

TEST_F(OpenAiEmbedderTest, DestroyingTheEmbedderEndsWhatIsInFlight) {
  test::FakeRule hang;
  hang.mode = test::FakeMode::kHang;
  server_.add_rule(hang);
  auto e = embedder();
  std::promise<Result<Embeddings>> done;
  auto call = e->start({"a"}, [&done](Result<Embeddings> r) { done.set_value(std::move(r)); });
  for (int i = 0; i < 200 && server_.request_count() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  e.reset();
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(future.get().ok());
  call->cancel();  // after the embedder is gone: nothing happens
}

class TitanEmbedderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start().ok()); }

  BedrockEmbeddingOptions options(std::string secret = "fake/bedrock/secret/key") {
    BedrockEmbeddingOptions o;
    o.bedrock.region = "us-east-1";
    o.bedrock.endpoint = server_.endpoint();
    o.bedrock.credentials = [secret]() -> Result<AwsIdentity> {
      AwsIdentity id;
      id.credentials = {"AKIDFAKEBEDROCK", secret, ""};
      id.source = "environment";
      return id;
    };
    return o;
  }

  std::unique_ptr<Embedder> embedder(BedrockEmbeddingOptions o, CallPolicy p = quick_retries(0)) {
    return make_wire_embedder(make_titan_embedding_wire(std::move(o)), p);
  }

  test::FakeBedrockServer server_;
};

TEST_F(TitanEmbedderTest, OneSignedRequestPerTextInOrder) {
  auto e = embedder(options());
  EXPECT_EQ(e->model(), kDefaultTitanModel);
  const std::vector<std::string> texts = {"orders", "", "customers in São Paulo", "products",
                                          "refunds"};
  Result<Embeddings> got = e->embed(texts);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_TRUE(got->vectors[1].empty());
  for (size_t i : {0u, 2u, 3u, 4u}) {
    expect_near(got->vectors[i], unit(test::fake_embedding(texts[i], 1024)));
  }
  EXPECT_EQ(e->dimensions(), 1024u);
  EXPECT_GT(got->tokens, 0);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 4u);
  for (const auto& r : requests) {
    EXPECT_TRUE(r.signature_valid);
    EXPECT_EQ(r.model_id, "amazon.titan-embed-text-v2:0");
    EXPECT_EQ(r.operation, "invoke");
    EXPECT_EQ(r.target, "/model/amazon.titan-embed-text-v2%3A0/invoke");
    const json body = json::parse(r.body);
    EXPECT_EQ(body["normalize"], true);
    EXPECT_FALSE(body.contains("dimensions"));
  }
}

TEST_F(TitanEmbedderTest, AsksForDimensionsAndExplainsTheOnesTitanRefuses) {
  BedrockEmbeddingOptions o = options();
  o.dimensions = 256;
  Result<Embeddings> got = embedder(o)->embed({"region sales"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->vectors[0].size(), 256u);
  EXPECT_EQ(json::parse(server_.requests()[0].body)["dimensions"], 256);

  o.dimensions = 100;
  got = embedder(o)->embed({"region sales"});
  ASSERT_FALSE(got.ok());
  const std::string& m = got.error().message;
  EXPECT_TRUE(contains(m, "100 is not a valid enum value")) << m;
  EXPECT_TRUE(contains(m, "ASKDB_EMBEDDING_DIMENSIONS")) << m;
  EXPECT_TRUE(contains(m, "256, 512 or 1024")) << m;
  EXPECT_TRUE(contains(m, "bedrock embeddings (amazon.titan-embed-text-v2:0 in us-east-1")) << m;
}

TEST_F(TitanEmbedderTest, VersionOneGetsOnlyTheText) {
  BedrockEmbeddingOptions o = options();
  o.bedrock.model = "amazon.titan-embed-text-v1";
  ASSERT_TRUE(embedder(o)->embed({"x"}).ok());
  const json body = json::parse(server_.requests()[0].body);
  EXPECT_EQ(body.size(), 1u);
  EXPECT_EQ(body["inputText"], "x");
}

TEST_F(TitanEmbedderTest, RetriesThrottlingAndACutReply) {
  test::FakeBedrockRule throttled;
  throttled.mode = test::FakeBedrockMode::kHttpError;
  throttled.status = 429;
  server_.add_rule(throttled);
  test::FakeBedrockRule cut;
  cut.mode = test::FakeBedrockMode::kCutStream;
  server_.add_rule(cut);
  Result<Embeddings> got = embedder(options(), quick_retries(2))->embed({"daily active users"});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(server_.request_count(), 3u);
}

TEST_F(TitanEmbedderTest, AWrongSecretIsRefusedAndNeverShown) {
  Result<Embeddings> got =
      embedder(options("the-wrong-secret-access-key-0123456789"))->embed({"x"});
  ASSERT_FALSE(got.ok());
  const std::string& m = got.error().message;
  EXPECT_TRUE(contains(m, "InvalidSignatureException") || contains(m, "signature")) << m;
  EXPECT_FALSE(contains(m, "the-wrong-secret-access-key")) << m;
  EXPECT_FALSE(contains(m, "fake/bedrock/secret/key")) << m;
}

TEST(EmbedderSettingsTest, ChatAdviceIsRewordedForTheEmbedder) {
  EXPECT_EQ(for_embedding_settings("check ASKDB_LLM_MODEL and ASKDB_LLM_BASE_URL: it should "
                                   "stop before /chat/completions; ASKDB_LLM_TIMEOUT_S"),
            "check ASKDB_EMBEDDING_MODEL and ASKDB_EMBEDDING_BASE_URL: it should stop before "
            "/embeddings; ASKDB_LLM_TIMEOUT_S");
}

Result<Config> load(std::map<std::string, std::string> vars) {
  LoadOptions options;
  options.env = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return load_config(options);
}

TEST(EmbedderFromConfigTest, NoneUnlessAsked) {
  Result<Config> c = load({{"ASKDB_HOME", "/tmp/askdb-embed-test"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->embedding.provider, "");
  auto e = make_embedder(c->embedding, c->llm, [](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, nullptr);
}

TEST(EmbedderFromConfigTest, OpenAiBorrowsTheChatServerAndKey) {
  Result<Config> c = load({{"ASKDB_HOME", "/tmp/askdb-embed-test"},
                           {"ASKDB_LLM_BASE_URL", "http://127.0.0.1:11434/v1/"},
                           {"ASKDB_EMBEDDING_PROVIDER", "openai"},
                           {"ASKDB_EMBEDDING_MODEL", "nomic-embed-text"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->embedding.base_url, "http://127.0.0.1:11434/v1");
  auto e = make_embedder(c->embedding, c->llm, [](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(e.ok());
  ASSERT_NE(*e, nullptr);
  EXPECT_EQ((*e)->describe(), "openai embeddings (nomic-embed-text at http://127.0.0.1:11434/v1)");

  Result<Config> d =
      load({{"ASKDB_HOME", "/tmp/askdb-embed-test"},
            {"OPENAI_API_KEY", "sk-openai-key"},
            {"ASKDB_EMBEDDING_PROVIDER", "openai"}});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->embedding.base_url, "https://api.openai.com/v1");
  EXPECT_EQ(d->embedding.api_key, "sk-openai-key");

  // The chat's key goes with the embeddings to the chat's own server, and nowhere else.
  Result<Config> keyed = load({{"ASKDB_HOME", "/tmp/askdb-embed-test"},
                               {"ASKDB_LLM_BASE_URL", "http://127.0.0.1:11434/v1"},
                               {"ASKDB_LLM_API_KEY", "sk-chat-key"},
                               {"ASKDB_EMBEDDING_PROVIDER", "openai"}});
  ASSERT_TRUE(keyed.ok());
  EXPECT_EQ(keyed->embedding.api_key, "sk-chat-key");
  Result<Config> elsewhere = load({{"ASKDB_HOME", "/tmp/askdb-embed-test"},
                                   {"ASKDB_LLM_BASE_URL", "https://api.openai.com/v1"},
                                   {"ASKDB_LLM_API_KEY", "sk-chat-key"},
                                   {"OPENAI_API_KEY", "sk-openai-key"},
                                   {"ASKDB_EMBEDDING_PROVIDER", "openai"},
                                   {"ASKDB_EMBEDDING_BASE_URL", "http://10.0.0.5:11434/v1"}});
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_EQ(elsewhere->embedding.api_key, "") << "no key of OpenAI's may go to another server";
  EXPECT_EQ(d->embedding.model, "text-embedding-3-small");
}

TEST(EmbedderFromConfigTest, BedrockNeedsARegionAndSaysWhereToSetIt) {
  Result<Config> c =
      load({{"ASKDB_HOME", "/tmp/askdb-embed-test"}, {"ASKDB_EMBEDDING_PROVIDER", "bedrock"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->embedding.model, "amazon.titan-embed-text-v2:0");
  const EnvLookup no_aws = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return "/nonexistent-askdb-home";
    return std::nullopt;
  };
  auto e = make_embedder(c->embedding, c->llm, no_aws);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::kConfig);
  EXPECT_TRUE(contains(e.error().message, "ASKDB_EMBEDDING_REGION")) << e.error().message;

  const EnvLookup with_region = [](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_REGION") return "eu-west-1";
    if (name == "HOME") return "/nonexistent-askdb-home";
    return std::nullopt;
  };
  e = make_embedder(c->embedding, c->llm, with_region);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ((*e)->describe(), "bedrock embeddings (amazon.titan-embed-text-v2:0 in eu-west-1)");
}

}  // namespace
}  // namespace askdb::llm
