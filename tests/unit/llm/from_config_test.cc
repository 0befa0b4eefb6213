// Choosing the provider from the configuration and the environment (llm/from_config.h), and
// the price table (llm/pricing.h).
#include "llm/from_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "support/temp_home.h"

namespace askdb::llm {
namespace {

class FromConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vars_["HOME"] = home_.path();  // no ~/.aws unless a test writes one
    vars_["AWS_EC2_METADATA_DISABLED"] = "true";
  }

  EnvLookup env() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars_.find(name);
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
  }

  Result<Config> load() {
    vars_["ASKDB_HOME"] = home_.path();
    LoadOptions o;
    o.env = env();
    return load_config(o);
  }

  testing::TempHome home_{"askdb-from-config"};
  std::map<std::string, std::string> vars_;
};

TEST_F(FromConfigTest, NothingConfiguredMeansNoProvider) {
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(effective_provider(config->llm, env()), "");
  auto provider = make_provider(config->llm, env());
  ASSERT_TRUE(provider.ok()) << provider.error().message;
  EXPECT_EQ(*provider, nullptr);
}

TEST_F(FromConfigTest, AwsCredentialsInTheEnvironmentMakeBedrockTheDefault) {
  vars_["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE";
  vars_["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  vars_["AWS_REGION"] = "eu-central-1";
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(effective_provider(config->llm, env()), "bedrock");
  auto provider = make_provider(config->llm, env());
  ASSERT_TRUE(provider.ok()) << provider.error().message;
  ASSERT_NE(*provider, nullptr);
  EXPECT_EQ((*provider)->model(), "eu.anthropic.claude-sonnet-4-5-20250929-v1:0");
  EXPECT_NE((*provider)->describe().find("bedrock ("), std::string::npos);
  EXPECT_NE((*provider)->describe().find("eu-central-1"), std::string::npos);
}

TEST_F(FromConfigTest, AProfileInTheSharedFilesCountsAsCredentials) {
  std::filesystem::create_directories(home_.path() + "/.aws");
  std::ofstream(home_.path() + "/.aws/credentials")
      << "[default]\naws_access_key_id = AKID\naws_secret_access_key = SECRET\n";
  std::ofstream(home_.path() + "/.aws/config") << "[default]\nregion = us-west-2\n";
  auto config = load();
  ASSERT_TRUE(config.ok());
  auto provider = make_provider(config->llm, env());
  ASSERT_TRUE(provider.ok()) << provider.error().message;
  ASSERT_NE(*provider, nullptr);
  EXPECT_EQ((*provider)->model(), "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
}

TEST_F(FromConfigTest, BedrockWithoutARegionSaysWhereToSetOne) {
  vars_["ASKDB_LLM_PROVIDER"] = "bedrock";
  auto config = load();
  ASSERT_TRUE(config.ok());
  auto provider = make_provider(config->llm, env());
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.error().code, ErrorCode::kConfig);
  EXPECT_NE(provider.error().message.find("AWS_REGION"), std::string::npos);
}

TEST_F(FromConfigTest, ExplicitModelAndRegionWin) {
  vars_["ASKDB_LLM_PROVIDER"] = "bedrock";
  vars_["ASKDB_LLM_REGION"] = "us-east-2";
  vars_["AWS_REGION"] = "eu-west-1";
  vars_["ASKDB_LLM_MODEL"] = "arn:aws:bedrock:us-east-2:123456789012:inference-profile/x";
  auto config = load();
  ASSERT_TRUE(config.ok());
  auto provider = make_provider(config->llm, env());
  ASSERT_TRUE(provider.ok()) << provider.error().message;
  EXPECT_EQ((*provider)->model(), "arn:aws:bedrock:us-east-2:123456789012:inference-profile/x");
  EXPECT_NE((*provider)->describe().find("us-east-2"), std::string::npos);
}

TEST_F(FromConfigTest, AnthropicKeyChoosesAnthropicWithItsDefaults) {
  vars_["ANTHROPIC_API_KEY"] = "sk-ant-xyz";
  vars_["AWS_ACCESS_KEY_ID"] = "AKID";  // an explicit API key outranks ambient AWS credentials
  vars_["AWS_SECRET_ACCESS_KEY"] = "SECRET";
  auto config = load();
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->llm.provider, "anthropic");
  EXPECT_EQ(config->llm.api_key, "sk-ant-xyz");
  EXPECT_EQ(config->llm.base_url, "https://api.anthropic.com");
  EXPECT_EQ(config->llm.model, "claude-sonnet-4-5");
  auto provider = make_provider(config->llm, env());
  ASSERT_TRUE(provider.ok());
  EXPECT_EQ((*provider)->describe(), "anthropic (claude-sonnet-4-5 at https://api.anthropic.com)");
}

TEST_F(FromConfigTest, EachProviderReadsOnlyItsOwnVariables) {
  vars_["ASKDB_LLM_PROVIDER"] = "anthropic";
  vars_["OPENAI_API_KEY"] = "sk-openai";
  vars_["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:9/";
  auto config = load();
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->llm.api_key, "");  // not OpenAI's key
  EXPECT_EQ(config->llm.base_url, "http://127.0.0.1:9");
}

TEST_F(FromConfigTest, OpenAiKeyStillChoosesOpenAi) {
  vars_["OPENAI_API_KEY"] = "sk-openai";
  auto config = load();
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->llm.provider, "openai");
  auto provider = make_provider(config->llm, env());
  ASSERT_TRUE(provider.ok());
  EXPECT_EQ((*provider)->model(), "gpt-4o-mini");
}

TEST_F(FromConfigTest, ThePolicyCarriesEveryLimit) {
  vars_["ASKDB_LLM_MAX_RETRIES"] = "5";
  vars_["ASKDB_LLM_FIRST_BYTE_TIMEOUT_S"] = "7";
  vars_["ASKDB_LLM_MAX_QUEUED"] = "3";
  vars_["ASKDB_LLM_CA_BUNDLE"] = "/etc/ssl/corp.pem";
  auto config = load();
  ASSERT_TRUE(config.ok()) << config.error().message;
  const CallPolicy p = call_policy(config->llm);
  EXPECT_EQ(p.max_retries, 5);
  EXPECT_EQ(p.first_byte_timeout_s, 7);
  EXPECT_EQ(p.max_queued, 3);
  EXPECT_EQ(p.ca_bundle, "/etc/ssl/corp.pem");
}

TEST(PricingTest, ConfiguredPricesComeBeforeTheBuiltInOnes) {
  auto table = PriceTable::parse("my-model=1/2, *claude-sonnet-4*=2.5/12");
  ASSERT_TRUE(table.ok()) << table.error().message;
  Usage usage{1'000'000, 100'000};
  EXPECT_DOUBLE_EQ(*table->cost_usd("my-model", usage), 1.0 + 0.2);
  EXPECT_DOUBLE_EQ(*table->cost_usd("us.anthropic.claude-sonnet-4-5-20250929-v1:0", usage),
                   2.5 + 1.2);
  EXPECT_FALSE(table->cost_usd("llama3.1:8b", usage).has_value());  // unknown, not free
}

TEST(PricingTest, BuiltInPricesCoverBedrockAndDirectIds) {
  auto table = PriceTable::parse("");
  ASSERT_TRUE(table.ok());
  Usage usage{2'000, 500};
  const double sonnet = 2'000 * 3.0 / 1e6 + 500 * 15.0 / 1e6;
  EXPECT_DOUBLE_EQ(*table->cost_usd("claude-sonnet-4-5", usage), sonnet);
  EXPECT_DOUBLE_EQ(*table->cost_usd("global.anthropic.claude-sonnet-4-5-20250929-v1:0", usage),
                   sonnet);
  EXPECT_DOUBLE_EQ(table->price_for("gpt-4o-mini")->input_per_mtok, 0.15);  // not gpt-4o's
  EXPECT_DOUBLE_EQ(table->price_for("claude-opus-4-5")->output_per_mtok, 25);
  EXPECT_DOUBLE_EQ(table->price_for("anthropic.claude-opus-4-1-20250805-v1:0")->output_per_mtok,
                   75);
}

TEST(PricingTest, AnUnreadableEntryNamesItselfAndTheForm) {
  for (const char* bad : {"x=1", "x=a/b", "=1/2", "x=1/-2", "x"}) {
    auto table = PriceTable::parse(bad);
    ASSERT_FALSE(table.ok()) << bad;
    EXPECT_EQ(table.error().code, ErrorCode::kConfig);
    EXPECT_NE(table.error().message.find("MODEL=INPUT/OUTPUT"), std::string::npos);
  }
}

TEST(PricingTest, GlobMatching) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*c", "abbbc"));
  EXPECT_TRUE(glob_match("*b*", "abc"));
  EXPECT_FALSE(glob_match("a*c", "abd"));
  EXPECT_FALSE(glob_match("abc", "abcd"));
  EXPECT_TRUE(glob_match("**x", "yx"));
}

}  // namespace
}  // namespace askdb::llm
