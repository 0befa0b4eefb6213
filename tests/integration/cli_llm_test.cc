// End-to-end: `askdb ask` against a fake OpenAI-compatible server (real HTTP and SSE on
// loopback) and the real demo database. The rows askdb prints must be the rows PostgreSQL
// returns for the SQL; every LLM failure must end with its exit code and a clear message.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "pg/connection.h"
#include "support/demo_cluster.h"
#include "support/fake_openai_server.h"
#include "support/subprocess.h"
#include "support/temp_home.h"

namespace askdb {
namespace {

using json = nlohmann::json;
using test::FakeMode;
using test::FakeOpenAiServer;
using test::FakeRule;
using testing::DemoCluster;

constexpr const char* kAnswerMarker = "Answer the question from this result";

class AskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(llm_.start().ok());
    llm_.set_default_reply("The result is shown above.");
  }

  std::map<std::string, std::string> env(const std::string& home = "") {
    auto e = testing::isolated_askdb_env(home.empty() ? DemoCluster::get().home() : home);
    e["ASKDB_LLM_PROVIDER"] = "openai";
    e["ASKDB_LLM_BASE_URL"] = llm_.base_url();
    e["ASKDB_LLM_MODEL"] = "gpt-4o-mini";
    e["ASKDB_LLM_TIMEOUT_S"] = "10";
    return e;
  }

  testing::SubprocessResult ask(const std::string& question, bool json_output = true,
                                std::map<std::string, std::string> extra = {}) {
    auto e = env();
    for (auto& [k, v] : extra) e[k] = v;
    std::vector<std::string> args = {ASKDB_BINARY, "ask", question};
    if (json_output) args.push_back("--json");
    return testing::run_subprocess(args, e, 120);
  }

  void reply_sql(const std::string& match, const std::string& text) {
    FakeRule rule;
    rule.match = match;
    rule.reply = text;
    llm_.add_rule(rule);
  }

  static pg::Rows direct(const std::string& sql) {
    auto conn = pg::Connection::open(DemoCluster::get().cluster().reader_conninfo(), "test");
    EXPECT_TRUE(conn.ok());
    auto rows = conn->query(sql);
    EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
    return rows.ok() ? *rows : pg::Rows{};
  }

  FakeOpenAiServer llm_;
};

constexpr const char* kTopProducts =
    "SELECT p.product_name, sum(oi.quantity * oi.unit_price) AS revenue\n"
    "FROM order_items oi JOIN products p ON p.product_id = oi.product_id\n"
    "JOIN orders o ON o.order_id = oi.order_id\n"
    "WHERE o.order_date >= DATE '2025-01-01' AND o.order_date < DATE '2026-01-01'\n"
    "GROUP BY p.product_name ORDER BY revenue DESC, p.product_name\nLIMIT 5";

TEST_F(AskTest, AnswersWithSqlRowsAndWords) {
  reply_sql("Which 5 products", std::string("Here it is:\n```sql\n") + kTopProducts +
                                    "\n```\nThis ranks products by revenue.");
  reply_sql(kAnswerMarker, "The top product by revenue in 2025 leads the list.");
  auto r = ask("Which 5 products earned the most revenue last year?");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["question"], "Which 5 products earned the most revenue last year?");
  EXPECT_EQ(j["sql"], kTopProducts);
  EXPECT_EQ(j["answer"], "The top product by revenue in 2025 leads the list.");
  EXPECT_EQ(j["attempts"].size(), 1u);
  EXPECT_TRUE(j["attempts"][0]["error"].is_null());
  EXPECT_EQ(j["truncated"], false);
  EXPECT_GT(j["tokens"]["prompt"].get<int>(), 100);
  EXPECT_GT(j["tokens"]["completion"].get<int>(), 0);
  for (const char* stage : {"retrieve", "write_sql", "guard", "run", "answer", "total"}) {
    EXPECT_TRUE(j["timings_ms"].contains(stage)) << stage;
  }
  const auto expected = direct(kTopProducts);
  ASSERT_EQ(j["row_count"].get<size_t>(), expected.rows.size());
  ASSERT_EQ(expected.rows.size(), 5u);
  for (size_t i = 0; i < expected.rows.size(); ++i) {
    EXPECT_EQ(j["rows"][i][0].get<std::string>(), *expected.rows[i][0]);
    EXPECT_DOUBLE_EQ(j["rows"][i][1].get<double>(), std::stod(*expected.rows[i][1]));
  }

  // What the LLM saw: the schema, the question, and then the rows to answer from.
  const auto requests = llm_.requests();
  ASSERT_EQ(requests.size(), 2u);
  const std::string first = requests[0].last_user_message();
  EXPECT_NE(first.find("CREATE TABLE orders ("), std::string::npos);
  EXPECT_NE(first.find("Question: Which 5 products earned the most revenue last year?"),
            std::string::npos);
  const std::string second = requests[1].last_user_message();
  EXPECT_NE(second.find(*expected.rows[0][0]), std::string::npos);
  EXPECT_NE(second.find("Result: 5 row(s)."), std::string::npos);
}

TEST_F(AskTest, TextOutputHasSqlTableAndAnswer) {
  reply_sql("How many stores", "```sql\nSELECT count(*) AS stores FROM stores\n```");
  reply_sql(kAnswerMarker, "There are some stores.");
  auto r = ask("How many stores do we have?", false);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto count = *direct("SELECT count(*) FROM stores").rows[0][0];
  EXPECT_NE(r.out.find("SQL:\nSELECT count(*) AS stores FROM stores\nLIMIT 1000\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(" stores \n--------\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(count + "\n(1 row)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Answer:\nThere are some stores."), std::string::npos) << r.out;
}

TEST_F(AskTest, RefusedSqlGoesBackToTheLlmWithTheReason) {
  reply_sql("How many customers", "```sql\nDELETE FROM customers\n```");
  reply_sql("could not be used", "```sql\nSELECT count(*) AS customers FROM customers\n```");
  auto r = ask("How many customers are there?");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  ASSERT_EQ(j["attempts"].size(), 2u);
  EXPECT_EQ(j["attempts"][0]["sql"], "DELETE FROM customers");
  EXPECT_FALSE(j["attempts"][0]["error"].is_null());
  EXPECT_TRUE(j["attempts"][1]["error"].is_null());
  EXPECT_EQ(j["rows"][0][0].get<long>(),
            std::stol(*direct("SELECT count(*) FROM customers").rows[0][0]));
  const auto requests = llm_.requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_NE(requests[1].last_user_message().find("DELETE FROM customers"), std::string::npos);
}

TEST_F(AskTest, DatabaseErrorGoesBackToTheLlm) {
  reply_sql("average order", "```sql\nSELECT avg(total_amountt) FROM orders\n```");
  reply_sql("could not be used", "```sql\nSELECT count(*) AS n FROM orders\n```");
  auto r = ask("What is the average order size?");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  ASSERT_EQ(j["attempts"].size(), 2u);
  EXPECT_NE(j["attempts"][0]["error"].get<std::string>().find("total_amountt"), std::string::npos);
  EXPECT_NE(llm_.requests()[1].last_user_message().find("total_amountt"), std::string::npos);
}

TEST_F(AskTest, DmlEveryTimeExits4AndWritesNothing) {
  const auto before = *direct("SELECT count(*) FROM orders").rows[0][0];
  FakeRule rule;
  rule.reply = "```sql\nUPDATE orders SET status = 'cancelled'\n```";
  rule.once = false;
  llm_.add_rule(rule);
  auto r = ask("Cancel every order");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["attempts"].size(), 3u);  // 1 + pipeline.max_retries
  EXPECT_EQ(j["error"]["code"], "guard");
  EXPECT_EQ(*direct("SELECT count(*) FROM orders").rows[0][0], before);
  EXPECT_EQ(direct("SELECT 1 FROM orders WHERE status = 'cancelled' HAVING count(*) = (SELECT "
                   "count(*) FROM orders)")
                .rows.size(),
            0u);
}

TEST_F(AskTest, TwoStatementsExit4) {
  FakeRule rule;
  rule.reply = "SELECT 1;\nDROP TABLE orders;";
  rule.once = false;
  llm_.add_rule(rule);
  auto r = ask("Drop it", false);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("statement"), std::string::npos) << r.err;
}

TEST_F(AskTest, ReplyWithoutSqlExits3) {
  FakeRule rule;
  rule.reply = "I am sorry, I do not know.";
  rule.once = false;
  llm_.add_rule(rule);
  auto r = ask("What is the meaning of life?", false);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("no SQL"), std::string::npos) << r.err;
}

TEST_F(AskTest, Http500Exits3) {
  FakeRule rule;
  rule.mode = FakeMode::kHttpError;
  rule.status = 500;
  rule.once = false;
  llm_.add_rule(rule);
  auto r = ask("How many orders?", false);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("500"), std::string::npos) << r.err;
}

TEST_F(AskTest, MalformedStreamExits3) {
  FakeRule rule;
  rule.mode = FakeMode::kMalformedChunk;
  rule.reply = "SELECT count(*) FROM orders";
  rule.once = false;
  llm_.add_rule(rule);
  auto r = ask("How many orders?", false);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_FALSE(r.err.empty());
}

TEST_F(AskTest, TimeoutExits3) {
  FakeRule rule;
  rule.mode = FakeMode::kHang;
  rule.once = false;
  llm_.add_rule(rule);
  const auto start = std::chrono::steady_clock::now();
  auto r = ask("How many orders?", false, {{"ASKDB_LLM_TIMEOUT_S", "1"}});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("timed out"), std::string::npos) << r.err;
  EXPECT_LT(seconds, 60);
  llm_.stop();
}

TEST_F(AskTest, UnreachableLlmExits3) {
  auto r = ask("How many orders?", false, {{"ASKDB_LLM_BASE_URL", "http://127.0.0.1:9/v1"}});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1"), std::string::npos) << r.err;
}

TEST_F(AskTest, CtrlCStopsTheClusterItStarted) {
  testing::TempHome tmp("askdb-sigint");
  const std::string demo = testing::write_tiny_demo(tmp.path());
  const std::string home = tmp.path() + "/home";
  FakeRule rule;
  rule.mode = FakeMode::kHang;
  rule.once = false;
  llm_.add_rule(rule);
  auto e = env(home);
  e["ASKDB_PATHS_DEMO_DIR"] = demo;
  auto r = testing::run_subprocess({ASKDB_BINARY, "ask", "How many sales are there in Zürich?"}, e,
                                   120, [&](pid_t pid) {
                                     std::thread([this, pid] {
                                       for (int i = 0; i < 1200 && llm_.request_count() == 0; ++i) {
                                         std::this_thread::sleep_for(std::chrono::milliseconds(50));
                                       }
                                       kill(pid, SIGINT);
                                     }).detach();
                                   });
  EXPECT_EQ(r.exit_code, 128 + SIGINT) << r.err;
  std::ifstream pidfile(home + "/pgdata/postmaster.pid");
  EXPECT_FALSE(pidfile.good()) << "the cluster askdb started must be stopped on Ctrl-C";
  llm_.stop();
}

}  // namespace
}  // namespace askdb

namespace askdb {
namespace {

// `askdb context` shows exactly what `askdb ask` sends the LLM first.
TEST_F(AskTest, ContextPrintsThePromptAskSends) {
  const std::string question = "Which 5 products earned the most revenue last year?";
  reply_sql("products", std::string("```sql\n") + kTopProducts + "\n```");
  auto asked = ask(question);
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  const auto requests = llm_.requests();
  ASSERT_GE(requests.size(), 1u);
  const auto sent = json::parse(requests[0].body);

  auto shown = testing::run_subprocess({ASKDB_BINARY, "context", question, "--json"}, env(), 120);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const auto j = json::parse(shown.out);
  std::string expected;
  for (const auto& m : sent["messages"]) {
    expected += "=== " + m["role"].get<std::string>() + " ===\n" + m["content"].get<std::string>();
  }
  EXPECT_EQ(j["prompt"].get<std::string>(), expected);
  EXPECT_EQ(j["ranking"], "schema index");
}

}  // namespace
}  // namespace askdb
