#include "config/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "support/temp_home.h"

namespace askdb {
namespace {

struct FakeEnv {
  std::map<std::string, std::string> vars;
  EnvLookup lookup() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

class ConfigTest : public ::testing::Test {
 protected:
  testing::TempHome home_{"askdb-config"};
  FakeEnv env_;
  Result<Config> load(const std::string& file = "") {
    env_.vars["ASKDB_HOME"] = home_.path();
    LoadOptions o;
    o.file = file;
    o.env = env_.lookup();
    return load_config(o);
  }
  std::string write(const std::string& text) {
    const std::string path = home_.path() + "/test.toml";
    std::ofstream(path) << text;
    return path;
  }
};

TEST_F(ConfigTest, DefaultsWithNothingConfigured) {
  auto c = load();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->target, TargetKind::kEmbedded);
  EXPECT_EQ(c->embedded.home, home_.path());
  EXPECT_EQ(c->query.row_cap, 1000);
  EXPECT_EQ(c->pipeline.max_retries, 2);
  EXPECT_EQ(c->pipeline.answer_rows, 50);
  EXPECT_EQ(c->query.statement_timeout_ms, 30000);
  EXPECT_TRUE(c->llm.provider.empty());
}

TEST_F(ConfigTest, FileThenEnvironment) {
  auto path =
      write("[query]\nrow_cap = 50\n[llm]\nmodel = \"from-file\"\nbase_url = \"http://x/v1/\"\n");
  env_.vars["ASKDB_QUERY_ROW_CAP"] = "70";
  auto c = load(path);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->query.row_cap, 70);
  EXPECT_EQ(c->llm.model, "from-file");
  EXPECT_EQ(c->llm.provider, "openai");  // inferred from the base URL
  EXPECT_EQ(c->llm.base_url, "http://x/v1");
  EXPECT_EQ(c->file, path);
}

TEST_F(ConfigTest, HomeFileIsFoundWithoutFlag) {
  std::ofstream(home_.path() + "/askdb.toml") << "[pipeline]\nmax_retries = 5\n";
  auto c = load();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->pipeline.max_retries, 5);
}

TEST_F(ConfigTest, OpenAiConventions) {
  env_.vars["OPENAI_API_KEY"] = "sk-test";
  auto c = load();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->llm.provider, "openai");
  EXPECT_EQ(c->llm.api_key, "sk-test");
  EXPECT_EQ(c->llm.base_url, "https://api.openai.com/v1");
  EXPECT_EQ(c->llm.model, "gpt-4o-mini");
}

TEST_F(ConfigTest, DatabaseTargets) {
  env_.vars["DATABASE_URL"] = "postgresql://u@h/db";
  auto c = load();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->target, TargetKind::kUrl);
  EXPECT_EQ(c->database.url, "postgresql://u@h/db");
  env_.vars.erase("DATABASE_URL");
  env_.vars["PGHOST"] = "db.internal";
  c = load();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->target, TargetKind::kPgEnv);
}

TEST_F(ConfigTest, InvalidValueNamesKeyFileAndWhatIsAllowed) {
  auto path = write("[query]\nrow_cap = -5\n");
  auto c = load(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kConfig);
  EXPECT_NE(c.error().message.find("query.row_cap"), std::string::npos);
  EXPECT_NE(c.error().message.find(path), std::string::npos);
  EXPECT_NE(c.error().message.find("whole number from 1 to"), std::string::npos);
}

TEST_F(ConfigTest, InvalidEnvironmentValue) {
  env_.vars["ASKDB_LLM_TIMEOUT_S"] = "soon";
  auto c = load();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("ASKDB_LLM_TIMEOUT_S"), std::string::npos);
  env_.vars.erase("ASKDB_LLM_TIMEOUT_S");
  env_.vars["ASKDB_LLM_PROVIDER"] = "skynet";
  c = load();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("\"openai\""), std::string::npos);
}

TEST_F(ConfigTest, UnknownKeyAndBadToml) {
  auto c = load(write("[llm]\nmodle = \"x\"\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("unknown setting llm.modle"), std::string::npos);
  EXPECT_NE(c.error().message.find("model"), std::string::npos);
  c = load(write("[database]\nurl = [\"x\"]\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("wrong type"), std::string::npos) << c.error().message;
  c = load(write("[query]\nrow_cap = \"50\"\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("wrong type"), std::string::npos) << c.error().message;
  c = load(write("[store]\nschema = \"a\\\"b\"\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("store.schema"), std::string::npos) << c.error().message;
  c = load(write("[llm\nmodel = \n"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("not valid TOML"), std::string::npos);
}

TEST_F(ConfigTest, MissingExplicitFile) {
  auto c = load(home_.path() + "/nope.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(exit_code_for(c.error().code), 2);
}

TEST(ConfigDocs, EverySettingHasHelpAndVariable) {
  const auto docs = setting_docs();
  EXPECT_GT(docs.size(), 20u);
  for (const auto& d : docs) {
    EXPECT_FALSE(d.help.empty()) << d.key;
    EXPECT_EQ(d.env.rfind("ASKDB_", 0), 0u) << d.key;
  }
}

}  // namespace
}  // namespace askdb

namespace askdb {
namespace {

// The annotated example shipped with askdb loads, and its values are the defaults it claims.
TEST_F(ConfigTest, TheExampleFileLoadsAndShowsTheDefaults) {
  auto example = load(std::string(ASKDB_SOURCE_DIR) + "/askdb.example.toml");
  ASSERT_TRUE(example.ok()) << example.error().message;
  auto defaults = load();
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(example->query.row_cap, defaults->query.row_cap);
  EXPECT_EQ(example->llm.timeout_s, defaults->llm.timeout_s);
  EXPECT_EQ(example->server.host, defaults->server.host);
  EXPECT_EQ(example->server.port, defaults->server.port);
  EXPECT_EQ(example->server.auth, defaults->server.auth);
  EXPECT_EQ(example->server.shutdown_grace_s, defaults->server.shutdown_grace_s);
  EXPECT_EQ(example->store.synchronous_commit, defaults->store.synchronous_commit);
  EXPECT_EQ(example->store.pool_size, defaults->store.pool_size);
  EXPECT_EQ(example->pipeline.history_turns, defaults->pipeline.history_turns);
  EXPECT_EQ(example->server.requests_per_minute, defaults->server.requests_per_minute);
  EXPECT_EQ(example->server.proxy_trusted, defaults->server.proxy_trusted);
}

TEST_F(ConfigTest, SecretsFromFiles) {
  const std::string secret = home_.path() + "/db-password";
  std::ofstream(secret) << "pa ss'word\n";  // as a mounted secret is written: one line break
  env_.vars["ASKDB_DATABASE_URL"] = "postgres://reader@db/shop";
  env_.vars["ASKDB_DATABASE_PASSWORD_FILE"] = secret;
  const std::string key = home_.path() + "/llm-key";
  std::ofstream(key) << "sk-from-file\r\n";
  env_.vars["ASKDB_LLM_API_KEY_FILE"] = key;
  auto c = load();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->database.password, "pa ss'word");
  EXPECT_EQ(c->llm.api_key, "sk-from-file");
  EXPECT_EQ(c->llm.provider, "openai");  // a key, from wherever, chooses openai as before
}

TEST_F(ConfigTest, SecretFileErrorsSayWhatToDo) {
  env_.vars["ASKDB_STORE_PASSWORD_FILE"] = home_.path() + "/missing";
  auto c = load();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("ASKDB_STORE_PASSWORD_FILE"), std::string::npos);
  EXPECT_NE(c.error().message.find("cannot be read"), std::string::npos) << c.error().message;

  // Both the variable and its _FILE: which one is meant is unclear.
  const std::string file = home_.path() + "/url";
  std::ofstream(file) << "postgres://u@h/db\n";
  env_.vars.erase("ASKDB_STORE_PASSWORD_FILE");
  env_.vars["DATABASE_URL"] = "postgres://other@h/db";
  env_.vars["ASKDB_DATABASE_URL_FILE"] = file;
  c = load();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("ASKDB_DATABASE_URL_FILE and DATABASE_URL"), std::string::npos)
      << c.error().message;
  env_.vars.erase("DATABASE_URL");
  c = load();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->database.url, "postgres://u@h/db");
  EXPECT_EQ(c->target, TargetKind::kUrl);

  // A value a setting does not allow is refused without repeating the file's text.
  const std::string bad = home_.path() + "/rows";
  std::ofstream(bad) << "many-secret-rows\n";
  env_.vars["ASKDB_QUERY_ROW_CAP_FILE"] = bad;
  c = load();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("query.row_cap"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("many-secret-rows"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace askdb
