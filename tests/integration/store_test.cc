// The app store against a real PostgreSQL (the shared demo cluster): migrations, owner scoping,
// the life of a message, feedback and verified examples, users and sessions. Each test works
// in a schema of its own, dropped afterwards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "store/api_json.h"
#include "store/conversations.h"
#include "store/feedback.h"
#include "store/migrations.h"
#include "store/sessions.h"
#include "store/users.h"
#include "store/verified_examples.h"
#include "support/demo_cluster.h"

namespace askdb::store {
namespace {

using json = nlohmann::json;
using testing::DemoCluster;

pg::Connection connect(const std::string& conninfo) {
  auto conn = pg::Connection::open(conninfo, "the app store");
  EXPECT_TRUE(conn.ok()) << conn.error().message;
  return std::move(*conn);
}

// The owner role owns the demo database, so it may create schemas: what store.url needs.
pg::Connection owner() { return connect(DemoCluster::get().cluster().owner_conninfo()); }

std::string unique_schema() {
  static std::atomic<int> n{0};
  return "store_test_" + std::to_string(getpid()) + "_" + std::to_string(++n);
}

std::string scalar(pg::Connection& conn, const std::string& sql) {
  auto rows = conn.query(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.error().message;
  if (!rows.ok() || rows->rows.empty()) return "";
  return rows->rows[0][0].value_or("NULL");
}

void drop(const std::string& schema) {
  auto conn = owner();
  auto st = conn.exec("SET client_min_messages = warning; DROP SCHEMA IF EXISTS " +
                      pg::quote_ident(schema) + " CASCADE");
  EXPECT_TRUE(st.ok()) << st.error().message;
}

// ---- migrations ----

TEST(StoreMigrations, MigrateTwiceIsANoOp) {
  const std::string schema = unique_schema();
  auto conn = owner();
  auto before = applied_migrations(conn, schema);
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_TRUE(before->empty());

  auto first = migrate(conn, schema);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto applied = applied_migrations(conn, schema);
  ASSERT_TRUE(applied.ok());
  ASSERT_EQ(applied->size(), embedded_migrations().size());
  const std::string stamp =
      scalar(conn, "SELECT string_agg(version || '@' || applied_at, ',') FROM " +
                       pg::quote_ident(schema) + ".schema_migrations");

  auto second = migrate(conn, schema);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(scalar(conn, "SELECT string_agg(version || '@' || applied_at, ',') FROM " +
                             pg::quote_ident(schema) + ".schema_migrations"),
            stamp);
  EXPECT_EQ(scalar(conn, "SELECT count(*) FROM pg_tables WHERE schemaname = '" + schema + "'"),
            "16");  // fifteen tables and schema_migrations
  drop(schema);
}

TEST(StoreMigrations, ReplicasMigratingAtOnceBothSucceed) {
  for (int round = 0; round < 3; ++round) {
    const std::string schema = unique_schema();
    constexpr int kReplicas = 4;
    std::vector<pg::Connection> conns;
    for (int i = 0; i < kReplicas; ++i) conns.push_back(owner());
    std::vector<Status> results(kReplicas, ok_status());
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kReplicas; ++i) {
      threads.emplace_back([&, i] {
        ++ready;
        while (ready.load() < kReplicas) std::this_thread::yield();
        results[i] = migrate(conns[i], schema);
      });
    }
    for (auto& t : threads) t.join();
    for (int i = 0; i < kReplicas; ++i) {
      EXPECT_TRUE(results[i].ok()) << "replica " << i << ": " << results[i].error().message;
    }
    auto conn = owner();
    EXPECT_EQ(
        scalar(conn, "SELECT count(*) FROM " + pg::quote_ident(schema) + ".schema_migrations"),
        std::to_string(embedded_migrations().size()));
    drop(schema);
  }
}

// A login role that may connect to the demo database but not create schemas in it; dropped with
// everything it owns when the test ends.
class LimitedRole {
 public:
  LimitedRole() : admin_(connect(DemoCluster::get().cluster().admin_conninfo())) {
    auto st = admin_.exec("CREATE ROLE " + name_ +
                          " LOGIN PASSWORD 'pw-for-tests'; GRANT CONNECT ON DATABASE " +
                          pg::kEmbeddedDatabase + " TO " + name_);
    EXPECT_TRUE(st.ok()) << st.error().message;
  }
  ~LimitedRole() {
    auto st = admin_.exec("SET client_min_messages = warning; DROP OWNED BY " + name_ +
                          " CASCADE; DROP ROLE " + name_);
    EXPECT_TRUE(st.ok()) << st.error().message;
  }
  pg::Connection admin() { return connect(DemoCluster::get().cluster().admin_conninfo()); }
  pg::Connection login() {
    return connect(DemoCluster::get().cluster().owner_conninfo() + " user=" + name_ +
                   " password=pw-for-tests");
  }
  const std::string& name() const { return name_; }

 private:
  pg::Connection admin_;
  const std::string name_ = "store_test_role_" + std::to_string(getpid());
};

TEST(StoreMigrations, ExistingSchemaNeedsNoCreateOnTheDatabase) {
  // An administrator made the schema for the role; the role may not create schemas itself.
  LimitedRole role;
  const std::string schema = unique_schema();
  auto admin = role.admin();
  ASSERT_TRUE(admin.exec("CREATE SCHEMA " + schema + " AUTHORIZATION " + role.name()).ok());
  auto conn = role.login();
  auto st = migrate(conn, schema);
  EXPECT_TRUE(st.ok()) << st.error().message;
  auto again = migrate(conn, schema);
  EXPECT_TRUE(again.ok()) << again.error().message;
}

TEST(StoreMigrations, FailureNamesTheMigrationAndWhatToDo) {
  LimitedRole role;
  auto conn = role.login();
  auto st = migrate(conn, unique_schema());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kDatabase);
  const std::string& msg = st.error().message;
  EXPECT_NE(msg.find("0001_initial.sql"), std::string::npos) << msg;
  EXPECT_NE(msg.find("permission denied"), std::string::npos) << msg;
  EXPECT_NE(msg.find("store.url"), std::string::npos) << msg;
  EXPECT_NE(msg.find("ASKDB_STORE_URL"), std::string::npos) << msg;
  EXPECT_NE(msg.find("GRANT CREATE ON DATABASE"), std::string::npos) << msg;
}

TEST(StoreMigrations, ARoleThatOnlyReadsIsToldSo) {
  auto conn = connect(DemoCluster::get().cluster().reader_conninfo());
  auto st = migrate(conn, unique_schema());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("read-only transaction"), std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("needs a role that may write"), std::string::npos)
      << st.error().message;
}

// ---- the stores, each test in a freshly migrated schema ----

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = owner();
    auto st = migrate(conn_, schema_);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  void TearDown() override { drop(schema_); }

  ConversationSummary create(const std::string& owner, const std::string& title = "") {
    auto c = conversations_.create_conversation(conn_, owner, title);
    EXPECT_TRUE(c.ok()) << c.error().message;
    return c.ok() ? *c : ConversationSummary{};
  }
  StoredMessage ask(const std::string& owner, const std::string& conversation,
                    const std::string& question, MessageKind kind = MessageKind::kQuestion) {
    auto m = conversations_.add_message(conn_, owner, conversation, kind, question);
    EXPECT_TRUE(m.ok()) << m.error().message;
    EXPECT_TRUE(m.ok() && m->has_value());
    return m.ok() && m->has_value() ? **m : StoredMessage{};
  }
  StoredMessage finish(const std::string& id, const std::string& sql, const std::string& answer) {
    auto m = conversations_.finish_message(conn_, id, MessageStatus::kDone,
                                           {{"sql", sql}, {"answer", answer}});
    EXPECT_TRUE(m.ok()) << m.error().message;
    return m.ok() ? *m : StoredMessage{};
  }

  const std::string schema_ = unique_schema();
  pg::Connection conn_;
  ConversationStore conversations_{schema_};
  FeedbackStore feedback_{schema_};
  VerifiedExampleStore examples_{schema_};
  UserStore users_{schema_};
  SessionStore sessions_{schema_};
};

TEST_F(StoreTest, ConversationsListNewestFirst) {
  const auto a = create("alice", "first");
  const auto b = create("alice", "second");
  EXPECT_EQ(a.message_count, 0);
  EXPECT_EQ(a.title, "first");
  ask("alice", a.id, "bump the first");  // now the most recently updated
  auto list = conversations_.list_conversations(conn_, "alice", 10);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, a.id);
  EXPECT_EQ((*list)[0].message_count, 1);
  EXPECT_EQ((*list)[1].id, b.id);
  auto one = conversations_.list_conversations(conn_, "alice", 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
}

TEST_F(StoreTest, EveryCallIsScopedByOwner) {
  const auto c = create("alice", "mine");
  const auto m = ask("alice", c.id, "How many orders?");
  finish(m.id, "SELECT count(*) FROM orders", "Many.");

  auto list = conversations_.list_conversations(conn_, "bob", 10);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
  auto got = conversations_.get_conversation(conn_, "bob", c.id);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  auto renamed = conversations_.rename_conversation(conn_, "bob", c.id, "yours");
  ASSERT_TRUE(renamed.ok());
  EXPECT_FALSE(renamed->has_value());
  auto added = conversations_.add_message(conn_, "bob", c.id, MessageKind::kQuestion, "hi");
  ASSERT_TRUE(added.ok());
  EXPECT_FALSE(added->has_value());
  auto message = conversations_.get_message(conn_, "bob", m.id);
  ASSERT_TRUE(message.ok());
  EXPECT_FALSE(message->has_value());
  auto turns = conversations_.recent_turns(conn_, "bob", c.id, 10);
  ASSERT_TRUE(turns.ok());
  EXPECT_TRUE(turns->empty());
  auto rated = feedback_.set_feedback(conn_, "bob", m.id, Rating::kUp, std::nullopt);
  ASSERT_TRUE(rated.ok());
  EXPECT_FALSE(rated->has_value());
  auto examples = examples_.list_verified_examples(conn_);
  ASSERT_TRUE(examples.ok());
  EXPECT_TRUE(examples->empty());
  auto deleted = conversations_.delete_conversation(conn_, "bob", c.id);
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(*deleted);
  // auth = none is the owner "": a different owner again.
  auto anonymous = conversations_.get_conversation(conn_, "", c.id);
  ASSERT_TRUE(anonymous.ok());
  EXPECT_FALSE(anonymous->has_value());

  // Alice still has it all, unchanged.
  auto mine = conversations_.get_conversation(conn_, "alice", c.id);
  ASSERT_TRUE(mine.ok());
  ASSERT_TRUE(mine->has_value());
  EXPECT_EQ((*mine)->summary.title, "mine");
  ASSERT_EQ((*mine)->messages.size(), 1u);
  EXPECT_FALSE((*mine)->messages[0].feedback.has_value());
  auto gone = conversations_.delete_conversation(conn_, "alice", c.id);
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(*gone);
  EXPECT_EQ(scalar(conn_, "SELECT count(*) FROM " + pg::quote_ident(schema_) + ".messages"), "0");
}

TEST_F(StoreTest, AnIdThatIsNotAUuidIsNotFound) {
  create("alice");
  for (const std::string bad : {"", "42", "not-a-uuid", "'; DROP SCHEMA public; --",
                                "0b6f3b9e-6c1a-4d0e-9a52-3f0c8d1e2a4", "\xFF\xFE"}) {
    auto got = conversations_.get_conversation(conn_, "alice", bad);
    ASSERT_TRUE(got.ok()) << bad << ": " << got.error().message;
    EXPECT_FALSE(got->has_value());
    auto renamed = conversations_.rename_conversation(conn_, "alice", bad, "x");
    ASSERT_TRUE(renamed.ok()) << renamed.error().message;
    EXPECT_FALSE(renamed->has_value());
    auto deleted = conversations_.delete_conversation(conn_, "alice", bad);
    ASSERT_TRUE(deleted.ok()) << deleted.error().message;
    EXPECT_FALSE(*deleted);
    auto added = conversations_.add_message(conn_, "alice", bad, MessageKind::kQuestion, "q");
    ASSERT_TRUE(added.ok()) << added.error().message;
    EXPECT_FALSE(added->has_value());
    auto message = conversations_.get_message(conn_, "alice", bad);
    ASSERT_TRUE(message.ok()) << message.error().message;
    EXPECT_FALSE(message->has_value());
    auto rated = feedback_.set_feedback(conn_, "alice", bad, Rating::kDown, "no");
    ASSERT_TRUE(rated.ok()) << rated.error().message;
    EXPECT_FALSE(rated->has_value());
  }
  // A well-formed id that does not exist is not found either.
  auto got =
      conversations_.get_conversation(conn_, "alice", "00000000-0000-0000-0000-000000000000");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_F(StoreTest, TitleComesFromTheFirstQuestion) {
  const auto c = create("alice");
  EXPECT_EQ(c.title, "");
  ask("alice", c.id, "  How many orders were placed in 2025?\nAnd by month?");
  ask("alice", c.id, "Second question changes nothing");
  auto got = conversations_.get_conversation(conn_, "alice", c.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->summary.title, "How many orders were placed in 2025?");
  EXPECT_EQ((*got)->summary.message_count, 2);

  std::string long_question;
  for (int i = 0; i < 50; ++i) long_question += "\xC3\xA4\xC3\xB6";  // 100 characters
  const auto d = create("alice");
  ask("alice", d.id, long_question);
  auto titled = conversations_.get_conversation(conn_, "alice", d.id);
  ASSERT_TRUE(titled.ok() && titled->has_value());
  EXPECT_EQ((*titled)->summary.title, title_from_question(long_question));
  EXPECT_EQ((*titled)->summary.title.size(), 79u * 2 + 3);

  // A named conversation keeps its name; a rename replaces it.
  const auto e = create("alice", "Orders");
  ask("alice", e.id, "How many orders?");
  auto renamed = conversations_.rename_conversation(conn_, "alice", e.id, "Order counts");
  ASSERT_TRUE(renamed.ok() && renamed->has_value());
  EXPECT_EQ((*renamed)->title, "Order counts");
  EXPECT_EQ((*renamed)->message_count, 1);
}

TEST_F(StoreTest, RecentTurnsAreTheLastFinishedQuestionsOldestFirst) {
  const auto c = create("alice");
  const auto q1 = ask("alice", c.id, "q1");
  finish(q1.id, "SELECT 1", "a1");
  const auto q2 = ask("alice", c.id, "q2");
  finish(q2.id, "SELECT 2", "a2");
  const auto s = ask("alice", c.id, "SELECT 99", MessageKind::kSql);  // edit and run: not a turn
  finish(s.id, "SELECT 99 LIMIT 1000", "");
  const auto q3 = ask("alice", c.id, "q3");
  auto errored = conversations_.finish_message(
      conn_, q3.id, MessageStatus::kError,
      {{"sql", ""}, {"error", {{"code", "llm"}, {"message", "the LLM is down"}}}});
  ASSERT_TRUE(errored.ok()) << errored.error().message;
  const auto q4 = ask("alice", c.id, "q4");  // still answering: not a turn
  EXPECT_EQ(q1.position, 1);
  EXPECT_EQ(q4.position, 5);

  auto turns = conversations_.recent_turns(conn_, "alice", c.id, 10);
  ASSERT_TRUE(turns.ok()) << turns.error().message;
  ASSERT_EQ(turns->size(), 3u);
  EXPECT_EQ((*turns)[0].question, "q1");
  EXPECT_EQ((*turns)[0].sql, "SELECT 1");
  EXPECT_EQ((*turns)[0].answer, "a1");
  EXPECT_EQ((*turns)[1].question, "q2");
  EXPECT_EQ((*turns)[2].question, "q3");
  EXPECT_EQ((*turns)[2].sql, "");

  auto last_two = conversations_.recent_turns(conn_, "alice", c.id, 2);
  ASSERT_TRUE(last_two.ok());
  ASSERT_EQ(last_two->size(), 2u);
  EXPECT_EQ((*last_two)[0].question, "q2");
  EXPECT_EQ((*last_two)[1].question, "q3");

  auto before_q3 = conversations_.recent_turns(conn_, "alice", c.id, 10, q3.id);
  ASSERT_TRUE(before_q3.ok());
  ASSERT_EQ(before_q3->size(), 2u);
  EXPECT_EQ((*before_q3)[1].question, "q2");
}

TEST_F(StoreTest, ProgressThenFinishAndTheMessageJson) {
  const auto c = create("alice");
  const auto m = ask("alice", c.id, "How many orders were placed in 2025?");
  EXPECT_EQ(m.status, MessageStatus::kAnswering);
  EXPECT_EQ(m.kind, MessageKind::kQuestion);
  EXPECT_EQ(m.conversation_id, c.id);
  EXPECT_TRUE(
      std::regex_match(m.created_at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << m.created_at;

  // The stream is cut in the middle of "ä": the half character waits for the next save.
  ASSERT_TRUE(
      conversations_.save_progress(conn_, m.id, "SELECT count(*) FROM orders", "41,234 \xC3").ok());
  auto partial = conversations_.get_message(conn_, "alice", m.id);
  ASSERT_TRUE(partial.ok() && partial->has_value());
  EXPECT_EQ((*partial)->status, MessageStatus::kAnswering);
  EXPECT_EQ((*partial)->sql, "SELECT count(*) FROM orders");
  EXPECT_EQ((*partial)->answer, "41,234 ");
  ASSERT_TRUE(
      conversations_.save_progress(conn_, m.id, "", "41,234 orders were placed in 2025.").ok());

  const json outcome = json::parse(R"({
    "question": "How many orders were placed in 2025?",
    "sql": "SELECT count(*) AS orders FROM orders LIMIT 1000",
    "columns": [{"name": "orders", "type": "bigint"}],
    "rows": [[41234]], "row_count": 1, "truncated": false, "chart": null,
    "answer": "41,234 orders were placed in 2025.",
    "attempts": [{"sql": "SELECT count(*) AS orders FROM orders", "error": null}],
    "timings_ms": {"retrieve": 0.4, "write_sql": 812.0, "guard": 0.1, "run": 3.2,
                   "answer": 901.5, "total": 1717.9},
    "tokens": {"prompt": 1412, "completion": 96}
  })");
  auto finished = conversations_.finish_message(conn_, m.id, MessageStatus::kDone, outcome);
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  const json j = message_json(*finished);
  const std::set<std::string> expected_keys = {
      "id",     "conversation_id", "kind",      "question", "status",    "sql",      "columns",
      "rows",   "row_count",       "truncated", "chart",    "answer",    "attempts", "timings_ms",
      "tokens", "verified_match",  "error",     "feedback", "created_at"};
  std::set<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  EXPECT_EQ(keys, expected_keys);
  EXPECT_EQ(j["id"], m.id);
  EXPECT_EQ(j["conversation_id"], c.id);
  EXPECT_EQ(j["kind"], "question");
  EXPECT_EQ(j["question"], "How many orders were placed in 2025?");
  EXPECT_EQ(j["status"], "done");
  EXPECT_EQ(j["sql"], "SELECT count(*) AS orders FROM orders LIMIT 1000");
  EXPECT_EQ(j["columns"], outcome["columns"]);
  EXPECT_EQ(j["rows"], outcome["rows"]);
  EXPECT_EQ(j["row_count"], 1);
  EXPECT_EQ(j["truncated"], false);
  EXPECT_TRUE(j["chart"].is_null());
  EXPECT_EQ(j["answer"], "41,234 orders were placed in 2025.");
  EXPECT_EQ(j["attempts"], outcome["attempts"]);
  EXPECT_EQ(j["timings_ms"], outcome["timings_ms"]);
  EXPECT_EQ(j["tokens"], outcome["tokens"]);
  EXPECT_TRUE(j["verified_match"].is_null());
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_TRUE(j["feedback"].is_null());
  EXPECT_EQ(j["created_at"], m.created_at);

  // Read back through the conversation: the same JSON.
  auto got = conversations_.get_conversation(conn_, "alice", c.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  ASSERT_EQ((*got)->messages.size(), 1u);
  EXPECT_EQ(message_json((*got)->messages[0]), j);
  EXPECT_EQ(conversation_json(**got)["messages"][0], j);

  // Progress after the end changes nothing.
  ASSERT_TRUE(conversations_.save_progress(conn_, m.id, "SELECT 2", "late").ok());
  auto after = conversations_.get_message(conn_, "alice", m.id);
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->answer, "41,234 orders were placed in 2025.");
}

TEST_F(StoreTest, InterruptedKeepsThePartialAnswer) {
  const auto c = create("alice");
  const auto a = ask("alice", c.id, "first");
  const auto b = ask("alice", c.id, "second");
  ASSERT_TRUE(conversations_.save_progress(conn_, a.id, "SELECT 1", "Half an ans").ok());
  const auto done = ask("alice", c.id, "third");
  finish(done.id, "SELECT 3", "three");
  ASSERT_TRUE(conversations_.mark_interrupted(conn_, {a.id, b.id, done.id, "junk"}).ok());
  ASSERT_TRUE(conversations_.mark_interrupted(conn_, {}).ok());
  auto got = conversations_.get_conversation(conn_, "alice", c.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  const auto& ms = (*got)->messages;
  ASSERT_EQ(ms.size(), 3u);
  EXPECT_EQ(ms[0].status, MessageStatus::kInterrupted);
  EXPECT_EQ(ms[0].answer, "Half an ans");
  EXPECT_EQ(ms[0].sql, "SELECT 1");
  EXPECT_EQ(ms[1].status, MessageStatus::kInterrupted);
  EXPECT_FALSE(ms[1].answer.has_value());
  EXPECT_EQ(ms[2].status, MessageStatus::kDone);  // finished ones are left alone

  // An outcome without sql or answer keeps what progress saved; other parts read as null.
  auto finished =
      conversations_.finish_message(conn_, a.id, MessageStatus::kInterrupted, json::object());
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  EXPECT_EQ(finished->answer, "Half an ans");
  EXPECT_EQ(finished->sql, "SELECT 1");
  EXPECT_TRUE(finished->columns.is_null());
  EXPECT_FALSE(finished->row_count.has_value());
  EXPECT_TRUE(message_json(*finished)["rows"].is_null());
}

TEST_F(StoreTest, FinishStoresTextPostgresWouldRefuse) {
  const auto c = create("alice");
  const auto m = ask("alice", c.id, "odd data");
  const json outcome = {{"sql", "SELECT 1"},
                        {"rows", json::array({json::array({std::string("a\0b", 3), "S\xE3o"})})},
                        {"answer", std::string("nul\0 here", 9)}};
  auto finished = conversations_.finish_message(conn_, m.id, MessageStatus::kDone, outcome);
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  EXPECT_EQ(finished->rows, json::parse("[[\"ab\", \"S\xEF\xBF\xBDo\"]]"));
  EXPECT_EQ(finished->answer, "nul here");
}

TEST_F(StoreTest, ConcurrentQuestionsGetDistinctPositions) {
  const auto c = create("alice");
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto conn = owner();
      for (int i = 0; i < kEach; ++i) {
        auto m = conversations_.add_message(conn, "alice", c.id, MessageKind::kQuestion, "q");
        if (!m.ok() || !m->has_value()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto got = conversations_.get_conversation(conn_, "alice", c.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  ASSERT_EQ((*got)->messages.size(), size_t{kThreads * kEach});
  EXPECT_EQ((*got)->summary.message_count, kThreads * kEach);
  for (size_t i = 0; i < (*got)->messages.size(); ++i) {
    EXPECT_EQ((*got)->messages[i].position, static_cast<int>(i) + 1);
  }
}

TEST_F(StoreTest, FeedbackUpMakesAVerifiedExampleAndDownWithdrawsIt) {
  const auto c = create("alice");
  const auto m = ask("alice", c.id, "How many orders?");
  finish(m.id, "SELECT count(*) FROM orders LIMIT 1000", "Many.");

  auto up = feedback_.set_feedback(conn_, "alice", m.id, Rating::kUp, "spot on");
  ASSERT_TRUE(up.ok()) << up.error().message;
  ASSERT_TRUE(up->has_value());
  EXPECT_EQ((*up)->message_id, m.id);
  EXPECT_EQ((*up)->rating, Rating::kUp);
  EXPECT_EQ((*up)->comment, "spot on");
  auto examples = examples_.list_verified_examples(conn_);
  ASSERT_TRUE(examples.ok()) << examples.error().message;
  ASSERT_EQ(examples->size(), 1u);
  EXPECT_EQ((*examples)[0].question, "How many orders?");
  EXPECT_EQ((*examples)[0].sql, "SELECT count(*) FROM orders LIMIT 1000");
  EXPECT_EQ((*examples)[0].source, ExampleSource::kFeedback);

  // Up again: still one example; the feedback shows in the message.
  ASSERT_TRUE(feedback_.set_feedback(conn_, "alice", m.id, Rating::kUp, std::nullopt).ok());
  examples = examples_.list_verified_examples(conn_);
  ASSERT_TRUE(examples.ok());
  EXPECT_EQ(examples->size(), 1u);
  auto message = conversations_.get_message(conn_, "alice", m.id);
  ASSERT_TRUE(message.ok() && message->has_value());
  EXPECT_EQ(message_json(**message)["feedback"], json::parse(R"({"rating":"up","comment":null})"));

  auto down = feedback_.set_feedback(conn_, "alice", m.id, Rating::kDown, "wrong table");
  ASSERT_TRUE(down.ok() && down->has_value());
  EXPECT_EQ((*down)->rating, Rating::kDown);
  examples = examples_.list_verified_examples(conn_);
  ASSERT_TRUE(examples.ok());
  EXPECT_TRUE(examples->empty());

  // No example from an answer that failed, nor from SQL a person wrote.
  const auto failed = ask("alice", c.id, "Revenue by planet?");
  ASSERT_TRUE(conversations_
                  .finish_message(conn_, failed.id, MessageStatus::kError,
                                  {{"sql", "SELECT planet FROM x"},
                                   {"error", {{"code", "database"}, {"message", "no planet"}}}})
                  .ok());
  const auto typed = ask("alice", c.id, "SELECT 1", MessageKind::kSql);
  finish(typed.id, "SELECT 1 LIMIT 1000", "");
  for (const auto& id : {failed.id, typed.id}) {
    auto rated = feedback_.set_feedback(conn_, "alice", id, Rating::kUp, std::nullopt);
    ASSERT_TRUE(rated.ok() && rated->has_value());
  }
  examples = examples_.list_verified_examples(conn_);
  ASSERT_TRUE(examples.ok());
  EXPECT_TRUE(examples->empty());

  // Deleting the conversation withdraws the examples its thumbs up made.
  ASSERT_TRUE(feedback_.set_feedback(conn_, "alice", m.id, Rating::kUp, std::nullopt).ok());
  ASSERT_TRUE(conversations_.delete_conversation(conn_, "alice", c.id).ok());
  examples = examples_.list_verified_examples(conn_);
  ASSERT_TRUE(examples.ok());
  EXPECT_TRUE(examples->empty());
}

TEST_F(StoreTest, VerifiedExamplesNewestFirstWithoutDuplicates) {
  auto a = examples_.add_verified_example(conn_, "Orders per day", "SELECT 1",
                                          ExampleSource::kLearn, "");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE(*a);
  auto again = examples_.add_verified_example(conn_, "Orders per day", "SELECT 1",
                                              ExampleSource::kApi, "bob");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto b =
      examples_.add_verified_example(conn_, "Top stores", "SELECT 2", ExampleSource::kApi, "bob");
  ASSERT_TRUE(b.ok() && *b);
  auto empty = examples_.add_verified_example(conn_, " ", "SELECT 3", ExampleSource::kApi, "bob");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kUsage);
  auto list = examples_.list_verified_examples(conn_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].question, "Top stores");
  EXPECT_EQ((*list)[1].question, "Orders per day");
  EXPECT_EQ((*list)[1].source, ExampleSource::kLearn);
}

TEST_F(StoreTest, UsersAreUniqueAndTheirChangesEndSessions) {
  ASSERT_TRUE(users_.add_user(conn_, "alice", "$argon2id$hash1").ok());
  auto dup = users_.add_user(conn_, "alice", "$argon2id$hash2");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kUsage);
  EXPECT_NE(dup.error().message.find("already exists"), std::string::npos) << dup.error().message;
  EXPECT_NE(dup.error().message.find("alice"), std::string::npos);
  ASSERT_TRUE(users_.add_user(conn_, "Alice", "$argon2id$hash3").ok());  // names are case-sensitive

  auto found = users_.find_user(conn_, "alice");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->password_hash, "$argon2id$hash1");
  EXPECT_FALSE((*found)->disabled);
  auto missing = users_.find_user(conn_, "carol");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto invalid = users_.find_user(conn_, "\xFF");
  ASSERT_TRUE(invalid.ok()) << invalid.error().message;
  EXPECT_FALSE(invalid->has_value());

  ASSERT_TRUE(sessions_.create_session(conn_, "h1", "alice", "csrf1", 3600).ok());
  ASSERT_TRUE(users_.set_password(conn_, "alice", "$argon2id$new").ok());
  found = users_.find_user(conn_, "alice");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->password_hash, "$argon2id$new");
  auto session = sessions_.find_session(conn_, "h1");
  ASSERT_TRUE(session.ok());
  EXPECT_FALSE(session->has_value()) << "a new password ends the old sessions";
  auto nobody = users_.set_password(conn_, "carol", "x");
  ASSERT_FALSE(nobody.ok());
  EXPECT_NE(nobody.error().message.find("no user named \"carol\""), std::string::npos);

  ASSERT_TRUE(sessions_.create_session(conn_, "h2", "alice", "csrf2", 3600).ok());
  ASSERT_TRUE(users_.set_disabled(conn_, "alice", true).ok());
  session = sessions_.find_session(conn_, "h2");
  ASSERT_TRUE(session.ok());
  EXPECT_FALSE(session->has_value());
  ASSERT_TRUE(users_.set_disabled(conn_, "alice", false).ok());

  auto list = users_.list_users(conn_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "Alice");
  EXPECT_EQ((*list)[1].name, "alice");
  EXPECT_FALSE((*list)[1].disabled);

  ASSERT_TRUE(users_.delete_user(conn_, "Alice").ok());
  EXPECT_FALSE(users_.delete_user(conn_, "Alice").ok());

  EXPECT_EQ(user_name_problem("alice"), "");
  EXPECT_NE(user_name_problem(""), "");
  EXPECT_NE(user_name_problem(" alice"), "");
  EXPECT_NE(user_name_problem("al\nice"), "");
  EXPECT_NE(user_name_problem(std::string(65, 'a')), "");
}

TEST_F(StoreTest, SessionsExpire) {
  ASSERT_TRUE(users_.add_user(conn_, "alice", "$argon2id$hash").ok());
  const auto before = std::chrono::system_clock::now();
  ASSERT_TRUE(sessions_.create_session(conn_, "live", "alice", "csrf-live", 3600).ok());
  ASSERT_TRUE(sessions_.create_session(conn_, "old", "alice", "csrf-old", 3600).ok());
  auto unknown_user = sessions_.create_session(conn_, "h", "nobody", "c", 60);
  EXPECT_FALSE(unknown_user.ok());

  auto live = sessions_.find_session(conn_, "live");
  ASSERT_TRUE(live.ok()) << live.error().message;
  ASSERT_TRUE(live->has_value());
  EXPECT_EQ((*live)->user, "alice");
  EXPECT_EQ((*live)->csrf, "csrf-live");
  const auto ttl = (*live)->expires_at - before;
  EXPECT_GT(ttl, std::chrono::minutes(59));
  EXPECT_LT(ttl, std::chrono::minutes(61));

  const std::string sessions = pg::quote_ident(schema_) + ".sessions";
  ASSERT_TRUE(conn_
                  .exec("UPDATE " + sessions +
                        " SET expires_at = now() - interval '1 second' WHERE token_hash = 'old'")
                  .ok());
  auto old = sessions_.find_session(conn_, "old");
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->has_value());
  auto removed = sessions_.delete_expired_sessions(conn_);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 1);

  // A visit is recorded at most once a minute.
  ASSERT_TRUE(conn_
                  .exec("UPDATE " + sessions +
                        " SET last_seen_at = now() - interval '5 minutes' WHERE token_hash = "
                        "'live'")
                  .ok());
  ASSERT_TRUE(sessions_.find_session(conn_, "live").ok());
  const std::string seen = scalar(conn_, "SELECT now() - last_seen_at < interval '1 minute' FROM " +
                                             sessions + " WHERE token_hash = 'live'");
  EXPECT_EQ(seen, "t");
  const std::string stamp =
      scalar(conn_, "SELECT last_seen_at FROM " + sessions + " WHERE token_hash = 'live'");
  ASSERT_TRUE(sessions_.find_session(conn_, "live").ok());
  EXPECT_EQ(scalar(conn_, "SELECT last_seen_at FROM " + sessions + " WHERE token_hash = 'live'"),
            stamp);

  ASSERT_TRUE(sessions_.delete_session(conn_, "live").ok());
  ASSERT_TRUE(sessions_.delete_session(conn_, "live").ok());
  live = sessions_.find_session(conn_, "live");
  ASSERT_TRUE(live.ok());
  EXPECT_FALSE(live->has_value());
}

}  // namespace
}  // namespace askdb::store
