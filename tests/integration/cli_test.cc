// End-to-end: the askdb binary against the demo database, with no LLM (the LLM cases are in
// cli_llm_test.cc). Checks output shapes, that rows match what PostgreSQL returns, and that
// every failure has its exit code and a message.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "pg/connection.h"
#include "pg/embedded_cluster.h"
#include "support/demo_cluster.h"
#include "support/subprocess.h"
#include "support/temp_home.h"

namespace askdb {
namespace {

using json = nlohmann::json;
using testing::DemoCluster;
using testing::run_subprocess;

std::map<std::string, std::string> demo_env() {
  return testing::isolated_askdb_env(DemoCluster::get().home());
}

testing::SubprocessResult askdb(std::vector<std::string> args,
                                std::map<std::string, std::string> env = demo_env()) {
  args.insert(args.begin(), ASKDB_BINARY);
  return run_subprocess(args, env, 120);
}

pg::Rows direct(const std::string& sql) {
  auto conn = pg::Connection::open(DemoCluster::get().cluster().reader_conninfo(), "test");
  EXPECT_TRUE(conn.ok());
  auto rows = conn->query(sql);
  EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
  return rows.ok() ? *rows : pg::Rows{};
}

TEST(Cli, SqlJsonMatchesPostgres) {
  const std::string sql =
      "SELECT p.product_id, p.product_name, count(*) AS lines FROM order_items oi "
      "JOIN products p USING (product_id) GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 5";
  auto r = askdb({"sql", sql, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["row_count"], 5);
  EXPECT_EQ(j["truncated"], false);
  ASSERT_EQ(j["columns"].size(), 3u);
  EXPECT_EQ(j["columns"][0]["name"], "product_id");
  EXPECT_EQ(j["columns"][2]["type"], "bigint");
  const auto expected = direct(sql);
  ASSERT_EQ(j["rows"].size(), expected.rows.size());
  for (size_t i = 0; i < expected.rows.size(); ++i) {
    EXPECT_EQ(j["rows"][i][0].get<long>(), std::stol(*expected.rows[i][0]));
    EXPECT_EQ(j["rows"][i][1].get<std::string>(), *expected.rows[i][1]);
    EXPECT_EQ(j["rows"][i][2].get<long>(), std::stol(*expected.rows[i][2]));
  }
  for (const char* key : {"sql", "attempts", "timings_ms", "tokens"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
}

TEST(Cli, SqlTextIsAPsqlTable) {
  auto r = askdb({"sql", "SELECT 1 AS one, 'São Paulo' AS city"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" one |   city    \n-----+-----------\n   1 | São Paulo\n(1 row)"),
            std::string::npos)
      << r.out;
}

TEST(Cli, RowCapAddsLimitAndReportsTruncation) {
  auto env = demo_env();
  env["ASKDB_QUERY_ROW_CAP"] = "7";
  auto r = askdb({"sql", "SELECT order_id FROM orders ORDER BY order_id", "--json"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["row_count"], 7);
  EXPECT_EQ(j["truncated"], true);
  EXPECT_NE(j["sql"].get<std::string>().find("LIMIT 7"), std::string::npos);
}

TEST(Cli, GuardRefusalExits4) {
  for (const char* sql : {"DELETE FROM orders", "SELECT 1; SELECT 2", "SELECT pg_sleep(10)",
                          "WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d"}) {
    auto r = askdb({"sql", sql});
    EXPECT_EQ(r.exit_code, 4) << sql << "\n" << r.err;
    EXPECT_NE(r.err.find("askdb: "), std::string::npos);
  }
  auto r = askdb({"sql", "DROP TABLE orders", "--json"});
  EXPECT_EQ(r.exit_code, 4);
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["error"]["code"], "guard");
  EXPECT_EQ(direct("SELECT count(*) FROM orders").rows.size(), 1u);
}

TEST(Cli, DatabaseErrorExits5) {
  auto r = askdb({"sql", "SELECT no_such_column FROM orders"});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("no_such_column"), std::string::npos);
}

TEST(Cli, UnreachableDatabaseExits5) {
  auto env = demo_env();
  env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:9/none?connect_timeout=3";
  auto r = askdb({"sql", "SELECT 1"}, env);
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("could not connect"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("DATABASE_URL"), std::string::npos) << r.err;
}

TEST(Cli, ConfigurationErrorsExit2) {
  auto env = demo_env();
  env["ASKDB_QUERY_ROW_CAP"] = "lots";
  auto r = askdb({"sql", "SELECT 1"}, env);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ASKDB_QUERY_ROW_CAP"), std::string::npos) << r.err;
  r = askdb({"ask", "How many orders?", "--json"}, env);  // --json still gets one JSON object
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(json::parse(r.out)["error"]["code"], "config");
  r = askdb({"--config", "/nonexistent/askdb.toml", "sql", "SELECT 1"});
  EXPECT_EQ(r.exit_code, 2);
  r = askdb({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  r = askdb({});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, UnwritableHomeExits2) {
  testing::TempHome tmp("askdb-nohome");
  const std::string file = tmp.path() + "/file";
  std::ofstream(file) << "x";
  auto env = demo_env();
  env["ASKDB_HOME"] = file + "/askdb";
  auto r = askdb({"sql", "SELECT 1"}, env);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("ASKDB_HOME"), std::string::npos) << r.err;
}

TEST(Cli, BadQuestionsExit2) {
  EXPECT_EQ(askdb({"ask", ""}).exit_code, 2);
  EXPECT_EQ(askdb({"ask", "   "}).exit_code, 2);
  auto r = askdb({"ask", std::string(100 * 1024, 'a')});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("102400 bytes"), std::string::npos) << r.err;
  r = askdb({"ask", "revenue in \xff\xfe"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("UTF-8"), std::string::npos) << r.err;
}

TEST(Cli, WithoutLlmAVerifiedQuestionIsAnswered) {
  auto examples = json::parse(std::ifstream(std::string(ASKDB_SOURCE_DIR) + "/demo/examples.json"));
  ASSERT_GE(examples.size(), 30u);
  const std::string question = examples[0]["question"];
  auto r = askdb({"ask", question, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["verified_match"]["question"], question);
  EXPECT_NE(j["answer"].get<std::string>().find("No LLM is configured"), std::string::npos);
  const auto expected = direct(examples[0]["sql"].get<std::string>());
  EXPECT_EQ(j["row_count"].get<size_t>(), expected.rows.size());
}

TEST(Cli, WithoutLlmOtherQuestionsExit3NamingTheSettings) {
  auto r = askdb({"ask", "Which warehouse aisle smells of coffee?"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("ASKDB_LLM_BASE_URL"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("OPENAI_API_KEY"), std::string::npos) << r.err;
}

TEST(Cli, ContextShowsTheTablesChosenAndWhy) {
  auto r = askdb({"context", "Which 5 products earned the most revenue last year?", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["ranking"], "schema index");
  EXPECT_EQ(j["schema_complete"], false);  // the demo schema is larger than the 2,000 tokens
  EXPECT_LE(j["tokens"].get<int>(), j["budget"].get<int>());
  std::map<std::string, json> tables;
  for (const auto& t : j["tables"]) tables[t["name"]] = t;
  for (const char* name : {"products", "order_items", "orders"}) {
    ASSERT_TRUE(tables.count(name)) << name << " missing from " << j["tables"].dump();
    EXPECT_FALSE(tables[name]["why"].empty()) << name;
    EXPECT_NE(j["prompt"].get<std::string>().find(std::string("CREATE TABLE ") + name + " ("),
              std::string::npos)
        << name;
  }
  EXPECT_FALSE(tables.count("suppliers"));
  EXPECT_EQ(j["examples"][0], "Which 5 products earned the most revenue in 2025?");
  EXPECT_NE(j["prompt"].get<std::string>().find("last year?"), std::string::npos);

  auto text = askdb({"context", "Which 5 products earned the most revenue last year?"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("tables, "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("products: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("=== system ==="), std::string::npos) << text.out;
}

// A table created after the last index reaches the LLM at the next start: the catalog's
// fingerprint changed, so the index was rewritten.
TEST(Cli, ANewTableIsIndexedAtTheNextStart) {
  auto owner = pg::Connection::open(DemoCluster::get().cluster().owner_conninfo(), "owner");
  ASSERT_TRUE(owner.ok());
  ASSERT_TRUE(askdb({"index"}).exit_code == 0);
  ASSERT_TRUE(owner
                  ->exec("CREATE TABLE weather_stations (station_id integer PRIMARY KEY, "
                         "altitude_m integer)")
                  .ok());
  auto r = askdb({"context", "Which weather station is the highest?", "--json"});
  ASSERT_TRUE(owner->exec("DROP TABLE weather_stations").ok());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  ASSERT_FALSE(j["tables"].empty());
  bool found = false;
  for (const auto& t : j["tables"]) found = found || t["name"] == "weather_stations";
  EXPECT_TRUE(found) << j["tables"].dump();

  auto indexed = askdb({"index", "--json"});
  ASSERT_EQ(indexed.exit_code, 0) << indexed.err;
  const auto report = json::parse(indexed.out);
  EXPECT_EQ(report["tables"].get<int>(), 16);
  EXPECT_GT(report["columns"].get<int>(), 100);
}

// An app store askdb may not write to: it says so, and still answers from the catalog.
TEST(Cli, AReadOnlyStoreFallsBackToWordOverlapAndSaysSo) {
  auto env = demo_env();
  env["ASKDB_STORE_URL"] = DemoCluster::get().cluster().reader_conninfo();
  env["ASKDB_STORE_SCHEMA"] = "askdb_readonly_store";
  auto r = askdb({"context", "Which 5 products earned the most revenue last year?", "--json"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["ranking"].get<std::string>().rfind("word overlap: ", 0), 0u) << j["ranking"];
  EXPECT_NE(r.err.find("askdb index"), std::string::npos) << r.err;
  EXPECT_FALSE(j["tables"].empty());
  // Examples and notes too are ranked in process, saying why, and still shown.
  EXPECT_EQ(j["knowledge_ranking"].get<std::string>().rfind("trigram similarity: ", 0), 0u)
      << j["knowledge_ranking"];
  ASSERT_FALSE(j["examples"].empty());
  EXPECT_EQ(j["examples"][0], "Which 5 products earned the most revenue in 2025?");
}

// Private columns never reach the LLM: not in the prompt, not among the columns shown.
TEST(Cli, PrivateColumnsAreNeverShown) {
  auto env = demo_env();
  env["ASKDB_RETRIEVAL_PRIVATE"] = "public.customers.email, *.*.birth_date";
  env["ASKDB_STORE_SCHEMA"] = "askdb_private_test";
  auto r = askdb(
      {"context", "List the e-mail address and birth date of customers in Zurich", "--json"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  bool customers = false;
  for (const auto& t : j["tables"]) {
    customers = customers || t["name"] == "customers";
    for (const auto& c : t["columns"]) {
      if (t["name"] == "customers") {
        EXPECT_NE(c, "email");
      }
      EXPECT_NE(c, "birth_date") << t["name"];
    }
  }
  EXPECT_TRUE(customers) << j["tables"].dump();
  const std::string prompt = j["prompt"];
  const size_t from = prompt.find("CREATE TABLE customers (");
  ASSERT_NE(from, std::string::npos);
  const std::string shown = prompt.substr(from, prompt.find(");", from) - from);
  EXPECT_EQ(shown.find("email"), std::string::npos) << shown;
  EXPECT_NE(shown.find("  city text"), std::string::npos) << shown;
  EXPECT_EQ(prompt.find("birth_date"), std::string::npos);

  env["ASKDB_RETRIEVAL_PRIVATE"] = "customers";
  auto bad = askdb({"context", "customers", "--json"}, env);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("schema.table.column"), std::string::npos) << bad.err;
}

// "Sao Paolo" (no accent, a typo) reaches the prompt as the literal the data holds.
TEST(Cli, ContextCarriesTheValuesTheQuestionNames) {
  auto r = askdb({"context", "How many customers live in sao paolo?", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  bool found = false;
  for (const auto& v : j["values"]) {
    found =
        found || (v["table"] == "customers" && v["column"] == "city" && v["value"] == "São Paulo");
  }
  EXPECT_TRUE(found) << j["values"].dump();
  EXPECT_NE(j["prompt"].get<std::string>().find("customers.city: 'São Paulo'"), std::string::npos);

  auto indexed = askdb({"index", "--json"});
  ASSERT_EQ(indexed.exit_code, 0) << indexed.err;
  const auto report = json::parse(indexed.out);
  EXPECT_GT(report["values"].get<int>(), 1000);
  bool email = false;
  for (const auto& s : report["skipped"]) {
    email = email || (s["table"] == "customers" && s["column"] == "email" &&
                      s["reason"].get<std::string>().find("not categorical") != std::string::npos);
  }
  EXPECT_TRUE(email) << report["skipped"].dump();
}

// A table the read-only role may not read is listed by askdb index, with the reason.
TEST(Cli, IndexListsTheTablesItMayNotRead) {
  auto owner = pg::Connection::open(DemoCluster::get().cluster().owner_conninfo(), "owner");
  ASSERT_TRUE(owner.ok());
  ASSERT_TRUE(
      owner->exec("CREATE TABLE payroll_secrets (employee_id integer, salary numeric)").ok());
  ASSERT_TRUE(
      owner->exec("REVOKE ALL ON payroll_secrets FROM PUBLIC, " + std::string(pg::kEmbeddedReader))
          .ok());
  auto r = askdb({"index", "--json"});
  auto text = askdb({"index"});
  ASSERT_TRUE(owner->exec("DROP TABLE payroll_secrets").ok());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  bool listed = false;
  for (const auto& u : j["unreadable"]) {
    listed =
        listed || (u["table"] == "payroll_secrets" &&
                   u["reason"].get<std::string>().find("no SELECT privilege") != std::string::npos);
  }
  EXPECT_TRUE(listed) << j["unreadable"].dump();
  EXPECT_NE(text.out.find("payroll_secrets (table): no SELECT privilege"), std::string::npos)
      << text.out;
}

// askdb note stores a glossary note (one per term, any case: a second replaces the first), and
// the next question that names the term gets it first, ranked by the knowledge index.
TEST(Cli, NoteTeachesATermThatTheContextThenShows) {
  auto env = demo_env();
  env["ASKDB_STORE_SCHEMA"] = "askdb_note_test";
  auto added = askdb(
      {"note", "--term", "dormant store", "--text", "A store with no order in 30 days.", "--json"},
      env);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto j = json::parse(added.out);
  EXPECT_EQ(j["added"], true);
  EXPECT_EQ(j["term"], "dormant store");
  EXPECT_EQ(j["knowledge_problem"], "");
  const std::string text = "A store with no order in the last 30 days of data.";
  auto replaced = askdb({"note", "--term", "Dormant Store", "--text", text}, env);
  ASSERT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_NE(replaced.out.find("replaced the note \"Dormant Store\""), std::string::npos)
      << replaced.out;
  auto empty = askdb({"note", "--term", "idle", "--text", "  "}, env);
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("its text is empty"), std::string::npos) << empty.err;

  auto r = askdb({"context", "Which dormant stores are there?", "--json"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = json::parse(r.out);
  EXPECT_EQ(j["knowledge_ranking"], "knowledge index");
  ASSERT_FALSE(j["note_ranking"].empty()) << r.out;
  EXPECT_EQ(j["note_ranking"][0]["term"], "Dormant Store");
  EXPECT_NE(j["note_ranking"][0]["why"].get<std::string>().find("knowledge index"),
            std::string::npos);
  EXPECT_GT(j["note_ranking"][0]["score"].get<double>(), 0);
  ASSERT_FALSE(j["example_ranking"].empty());
  EXPECT_EQ(j["example_ranking"].size(), j["examples"].size());
  EXPECT_FALSE(j["example_ranking"][0]["why"].get<std::string>().empty());
  const std::string prompt = j["prompt"];
  EXPECT_NE(prompt.find("### Dormant Store\n" + text), std::string::npos) << prompt;
  EXPECT_EQ(prompt.find("in 30 days."), std::string::npos);

  auto owner = pg::Connection::open(DemoCluster::get().cluster().owner_conninfo(), "owner");
  ASSERT_TRUE(owner.ok());
  EXPECT_TRUE(owner->exec("DROP SCHEMA askdb_note_test CASCADE").ok());
}

// Commands that start the embedded cluster stop it again when they end (the signal watcher's
// hold on the workspace must not keep it running).
TEST(Cli, IndexContextLearnAndNoteStopTheClusterTheyStarted) {
  testing::TempHome tmp("askdb-own-cluster");
  auto env = testing::isolated_askdb_env(tmp.path());
  const std::vector<std::vector<std::string>> commands = {
      {"index"},
      {"context", "How many stores are there?"},
      {"learn", "--question", "How many stores are there?", "--sql", "SELECT count(*) FROM stores"},
      {"note", "--term", "store", "--text", "A shop of the chain."}};
  for (const auto& command : commands) {
    auto r = askdb(command, env);
    EXPECT_EQ(r.exit_code, 0) << command[0] << ": " << r.err;
    std::ifstream pidfile(tmp.path() + "/pgdata/postmaster.pid");
    EXPECT_FALSE(pidfile.good()) << "askdb " << command[0] << " left its cluster running";
  }
}

}  // namespace
}  // namespace askdb
