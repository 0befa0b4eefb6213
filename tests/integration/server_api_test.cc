// The HTTP API of `askdb serve` over real HTTP, against the real demo database, a real app
// store (migrated into a schema of its own) and a fake OpenAI-compatible LLM on loopback:
// conversations, questions streamed as Server-Sent Events and stored as they stream,
// follow-ups, SQL a person wrote, feedback that teaches, errors, local accounts, and the
// Prometheus metrics a question leaves behind.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <thread>

#include "chat/workspace.h"
#include "core/text.h"
#include "pg/connection.h"
#include "server/app.h"
#include "server/passwords.h"
#include "store/migrations.h"
#include "store/users.h"
#include "support/demo_cluster.h"
#include "support/fake_openai_server.h"
#include "support/http_test_client.h"
#include "support/prometheus_text.h"

namespace askdb {
namespace {

using json = nlohmann::json;
using test::FakeMode;
using test::FakeOpenAiServer;
using test::FakeRule;
using testing::DemoCluster;
using testing::HttpCall;
using testing::HttpReply;
using testing::HttpTestClient;

constexpr const char* kAnswerMarker = "Answer the question from this result";
constexpr const char* kCountSql = "```sql\nSELECT count(*) AS orders FROM orders\n```";

// One askdb server (in this process) over the shared demo cluster.
class Server {
 public:
  // `adjust`, when set, changes the configuration last.
  Server(FakeOpenAiServer& llm, const std::string& schema, const std::string& auth = "",
         const std::function<void(Config&)>& adjust = {}) {
    Config config = DemoCluster::get().config();
    config.llm.provider = "openai";
    config.llm.base_url = llm.base_url();
    config.llm.model = "fake";
    config.store.schema = schema;
    config.store.url = DemoCluster::get().cluster().owner_conninfo();
    config.server.port = 0;
    config.server.auth = auth;
    config.server.shutdown_grace_s = 2;
    config.server.requests_per_minute = 100000;
    if (adjust) adjust(config);
    config_ = config;
    auto ws = chat::Workspace::open(config);
    EXPECT_TRUE(ws.ok()) << ws.error().message;
    workspace_ = std::move(*ws);
    auto app = server::App::start(config, *workspace_);
    EXPECT_TRUE(app.ok()) << app.error().message;
    app_ = std::move(*app);
  }
  ~Server() {
    app_.reset();
    workspace_->release();
    // Each test leaves no tables behind.
    auto conn = pg::Connection::open(DemoCluster::get().cluster().owner_conninfo(), "store");
    if (conn) (void)conn->exec("DROP SCHEMA IF EXISTS " + config_.store.schema + " CASCADE");
  }
  uint16_t port() const { return app_->port(); }
  const Config& config() const { return config_; }
  server::App& app() { return *app_; }

 private:
  Config config_;
  std::unique_ptr<chat::Workspace> workspace_;
  std::unique_ptr<server::App> app_;
};

class ServerApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(llm_.start().ok());
    llm_.set_default_reply(kCountSql);
    FakeRule answer;
    answer.match = kAnswerMarker;
    answer.reply = "The demo store has received many orders, as the count shows.";
    answer.once = false;
    llm_.add_rule(answer);
    server_ = std::make_unique<Server>(llm_, "api_test");
    client_ = std::make_unique<HttpTestClient>(server_->port());
  }
  void TearDown() override { server_.reset(); }

  std::string new_conversation() {
    HttpReply r = client_->send_json("POST", "/api/v1/conversations", json::object());
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("id", "");
  }

  HttpReply ask_streamed(const std::string& conversation, const std::string& question,
                         std::function<bool(const testing::SseEvent&)> on_event = {}) {
    HttpCall call;
    call.method = "POST";
    call.target = "/api/v1/conversations/" + conversation + "/messages";
    call.body = json{{"question", question}}.dump();
    call.headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
    call.on_event = std::move(on_event);
    return client_->send(call);
  }

  FakeOpenAiServer llm_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpTestClient> client_;
};

int64_t count_orders() {
  auto conn = pg::Connection::open(DemoCluster::get().cluster().reader_conninfo(), "demo");
  auto rows = conn->query("SELECT count(*) FROM orders");
  return std::stoll(*rows->rows.at(0).at(0));
}

TEST_F(ServerApiTest, HealthAndReadiness) {
  HttpReply h = client_->get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.json()["status"], "ok");
  HttpReply r = client_->get("/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["database"], "ok");
  EXPECT_EQ(r.json()["store"], "ok");
}

TEST_F(ServerApiTest, AQuestionStreamsEveryStageAndIsStored) {
  const std::string id = new_conversation();
  ASSERT_FALSE(id.empty());
  HttpReply r = ask_streamed(id, "How many orders are there?");
  ASSERT_EQ(r.status, 200) << r.failure;
  ASSERT_GE(r.events.size(), 5u);
  EXPECT_EQ(r.events.front().name, "status");
  EXPECT_EQ(r.events.front().json()["stage"], "received");
  const std::string message_id = r.events.front().json()["message_id"];

  std::vector<std::string> names;
  std::string answer;
  for (const auto& e : r.events) {
    if (names.empty() || names.back() != e.name) names.push_back(e.name);
    if (e.name == "answer") answer += e.json()["delta"].get<std::string>();
  }
  // status … sql, status, rows, status, answer …, done
  const std::vector<std::string> expected = {"status", "sql",    "status", "rows",
                                             "status", "answer", "done"};
  EXPECT_EQ(names, expected);
  const json rows = [&] {
    for (const auto& e : r.events) {
      if (e.name == "rows") return e.json();
    }
    return json();
  }();
  EXPECT_EQ(rows["rows"][0][0], count_orders());
  EXPECT_EQ(rows["columns"][0]["name"], "orders");

  const json done = r.events.back().json();
  EXPECT_EQ(done["id"], message_id);
  EXPECT_EQ(done["status"], "done");
  EXPECT_EQ(done["answer"], "The demo store has received many orders, as the count shows.");
  EXPECT_EQ(answer, done["answer"]);
  EXPECT_NE(done["sql"].get<std::string>().find("count(*)"), std::string::npos);

  // Stored: the conversation has the message and the question as its title.
  HttpReply conv = client_->get("/api/v1/conversations/" + id);
  ASSERT_EQ(conv.status, 200);
  EXPECT_EQ(conv.json()["title"], "How many orders are there?");
  ASSERT_EQ(conv.json()["messages"].size(), 1u);
  EXPECT_EQ(conv.json()["messages"][0]["answer"], done["answer"]);
  EXPECT_EQ(conv.json()["messages"][0]["rows"][0][0], count_orders());
}

TEST_F(ServerApiTest, WithoutEventStreamTheAnswerComesAsOneDocument) {
  const std::string id = new_conversation();
  HttpReply r = client_->send_json("POST", "/api/v1/conversations/" + id + "/messages",
                                   {{"question", "How many orders are there?"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json m = r.json()["message"];
  EXPECT_EQ(m["status"], "done");
  EXPECT_EQ(m["row_count"], 1);
  EXPECT_EQ(m["kind"], "question");
  EXPECT_TRUE(m.contains("timings_ms"));
}

TEST_F(ServerApiTest, FollowUpsSeeTheConversationSoFar) {
  const std::string id = new_conversation();
  ASSERT_EQ(ask_streamed(id, "How many orders are there?").status, 200);
  llm_.clear_requests();
  ASSERT_EQ(ask_streamed(id, "And only for 2024?").status, 200);
  const auto requests = llm_.requests();
  ASSERT_FALSE(requests.empty());
  const std::string prompt = requests.front().last_user_message();
  EXPECT_NE(prompt.find("The conversation so far"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("How many orders are there?"), std::string::npos);
  EXPECT_NE(prompt.find("And only for 2024?"), std::string::npos);
  HttpReply conv = client_->get("/api/v1/conversations/" + id);
  EXPECT_EQ(conv.json()["messages"].size(), 2u);
}

TEST_F(ServerApiTest, SqlAPersonWroteGoesThroughTheGuard) {
  const std::string id = new_conversation();
  HttpReply ok = client_->send_json("POST", "/api/v1/conversations/" + id + "/messages",
                                    {{"sql", "SELECT 41 + 1 AS answer"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["message"]["kind"], "sql");
  EXPECT_EQ(ok.json()["message"]["rows"][0][0], 42);

  const int64_t before = count_orders();
  HttpCall call;
  call.method = "POST";
  call.target = "/api/v1/conversations/" + id + "/messages";
  call.body = json{{"sql", "DELETE FROM orders"}}.dump();
  call.headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
  HttpReply refused = client_->send(call);
  ASSERT_EQ(refused.status, 200);
  ASSERT_FALSE(refused.events.empty());
  EXPECT_EQ(refused.events.back().name, "error");
  EXPECT_EQ(refused.events.back().json()["code"], "guard");
  EXPECT_EQ(count_orders(), before);
  HttpReply conv = client_->get("/api/v1/conversations/" + id);
  EXPECT_EQ(conv.json()["messages"][1]["status"], "error");
}

TEST_F(ServerApiTest, ConversationsAreListedRenamedAndDeleted) {
  const std::string a = new_conversation();
  const std::string b = new_conversation();
  HttpReply list = client_->get("/api/v1/conversations");
  ASSERT_EQ(list.status, 200);
  ASSERT_GE(list.json()["conversations"].size(), 2u);
  EXPECT_EQ(list.json()["conversations"][0]["id"], b);  // newest first

  HttpReply renamed =
      client_->send_json("PATCH", "/api/v1/conversations/" + a, {{"title", "Revenue work"}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(renamed.json()["title"], "Revenue work");

  EXPECT_EQ(client_->send_json("DELETE", "/api/v1/conversations/" + a, nullptr).status, 204);
  EXPECT_EQ(client_->get("/api/v1/conversations/" + a).status, 404);
  EXPECT_EQ(client_->send_json("DELETE", "/api/v1/conversations/" + a, nullptr).status, 404);
  EXPECT_EQ(client_->get("/api/v1/conversations/not-a-uuid").status, 404);
}

TEST_F(ServerApiTest, BadRequestsGetClearErrors) {
  const std::string id = new_conversation();
  const std::string target = "/api/v1/conversations/" + id + "/messages";
  HttpCall malformed;
  malformed.method = "POST";
  malformed.target = target;
  malformed.body = "{not json";
  malformed.headers = {{"Content-Type", "application/json"}};
  HttpReply r = client_->send(malformed);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["code"], "bad_request");
  EXPECT_FALSE(r.json()["error"]["request_id"].get<std::string>().empty());

  EXPECT_EQ(client_->send_json("POST", target, {{"question", ""}}).status, 400);
  EXPECT_EQ(client_->send_json("POST", target, {{"nothing", 1}}).status, 400);
  EXPECT_EQ(client_->send_json("POST", target, {{"question", std::string(9000, 'x')}}).status, 400);

  HttpCall text_body = malformed;
  text_body.body = "question=hi";
  text_body.headers = {{"Content-Type", "text/plain"}};
  EXPECT_EQ(client_->send(text_body).status, 415);

  HttpCall cross_site = malformed;
  cross_site.body = "{}";
  cross_site.headers = {{"Content-Type", "application/json"}, {"Origin", "https://evil.example"}};
  EXPECT_EQ(client_->send(cross_site).status, 403);

  // Without a login, only loopback names: a DNS-rebound page on another name is refused.
  HttpCall rebound;
  rebound.target = "/api/v1/conversations";
  rebound.headers = {{"Host", "evil.example:" + std::to_string(server_->port())}};
  EXPECT_EQ(client_->send(rebound).status, 403);
  rebound.headers = {{"Host", "localhost:" + std::to_string(server_->port())}};
  EXPECT_EQ(client_->send(rebound).status, 200);

  HttpCall big = malformed;
  big.body = std::string(2 * 1024 * 1024, 'x');
  EXPECT_EQ(client_->send(big).status, 413);

  EXPECT_EQ(client_->get("/api/v1/nothing-here").status, 404);
  EXPECT_EQ(client_->send_json("PUT", "/api/v1/conversations", json::object()).status, 405);
  EXPECT_EQ(client_
                ->send_json("POST", "/api/v1/conversations/" + std::string(36, '0') + "/messages",
                            {{"question", "hi?"}})
                .status,
            404);
}

TEST_F(ServerApiTest, ThumbsUpTeachesLaterQuestions) {
  const std::string id = new_conversation();
  HttpReply asked = ask_streamed(id, "How many orders are in the store?");
  const std::string message_id = asked.events.back().json()["id"];
  HttpReply up = client_->send_json("POST", "/api/v1/messages/" + message_id + "/feedback",
                                    {{"rating", "up"}, {"comment", "right"}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(up.json()["rating"], "up");
  EXPECT_EQ(client_
                ->send_json("POST", "/api/v1/messages/" + message_id + "/feedback",
                            {{"rating", "sideways"}})
                .status,
            400);

  // The next question's prompt carries the verified example.
  llm_.clear_requests();
  ASSERT_EQ(ask_streamed(id, "How many orders are there in total?").status, 200);
  const std::string prompt = llm_.requests().front().last_user_message();
  EXPECT_NE(prompt.find("How many orders are in the store?"), std::string::npos) << prompt;

  HttpReply conv = client_->get("/api/v1/conversations/" + id);
  EXPECT_EQ(conv.json()["messages"][0]["feedback"]["rating"], "up");
}

TEST_F(ServerApiTest, ExamplesTaughtThroughTheApiAreCheckedListedAndUsed) {
  const std::string question = "How many weather-proof products do we sell?";
  const std::string sql =
      "SELECT count(*) AS products FROM products WHERE product_name ILIKE '%outdoor%'";
  HttpReply added =
      client_->send_json("POST", "/api/v1/examples", {{"question", question}, {"sql", sql}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.json()["added"], true);
  EXPECT_EQ(added.json()["source"], "api");
  EXPECT_EQ(added.json()["rows"], 1);
  HttpReply again =
      client_->send_json("POST", "/api/v1/examples", {{"question", question}, {"sql", sql}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["added"], false);

  // SQL that the guard refuses, or that fails, is not learned.
  HttpReply refused = client_->send_json(
      "POST", "/api/v1/examples", {{"question", "Remove orders"}, {"sql", "DELETE FROM orders"}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("askdb learns only SQL that runs"), std::string::npos)
      << refused.body;
  HttpReply failing =
      client_->send_json("POST", "/api/v1/examples",
                         {{"question", "Count the nothing"}, {"sql", "SELECT * FROM nowhere"}});
  EXPECT_EQ(failing.status, 400);
  EXPECT_NE(failing.body.find("nowhere"), std::string::npos) << failing.body;
  EXPECT_EQ(client_->send_json("POST", "/api/v1/examples", {{"question", question}}).status, 400);

  HttpReply list = client_->get("/api/v1/examples");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json()["examples"].size(), 1u) << list.body;
  EXPECT_EQ(list.json()["examples"][0]["question"], question);

  // The next question's prompt carries it.
  const std::string id = new_conversation();
  ASSERT_EQ(ask_streamed(id, "How many weather-proof products are sold?").status, 200);
  const std::string prompt = llm_.requests().front().last_user_message();
  EXPECT_NE(prompt.find(question), std::string::npos) << prompt;
}

TEST_F(ServerApiTest, NotesAddedThroughTheApiAreListedReplacedAndUsed) {
  const std::string term = "weather-proof product";
  HttpReply added = client_->send_json("POST", "/api/v1/notes",
                                       {{"term", term}, {"text", "A product for the outdoors."}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.json()["added"], true);
  EXPECT_EQ(added.json()["term"], term);
  // The same term in another case replaces it.
  const std::string text = "A product whose name says outdoor: product_name ILIKE '%outdoor%'.";
  HttpReply replaced = client_->send_json("POST", "/api/v1/notes",
                                          {{"term", "Weather-proof product"}, {"text", text}});
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(replaced.json()["added"], false);
  // A stored note with a file note's term takes its place.
  HttpReply revenue =
      client_->send_json("POST", "/api/v1/notes",
                         {{"term", "Revenue"}, {"text", "Only shipped and delivered orders."}});
  ASSERT_EQ(revenue.status, 201) << revenue.body;

  // Bad notes: what is wrong, and nothing stored.
  const auto bad = [&](const json& body, const std::string& says) {
    HttpReply r = client_->send_json("POST", "/api/v1/notes", body);
    EXPECT_EQ(r.status, 400) << body.dump();
    EXPECT_NE(r.json()["error"]["message"].get<std::string>().find(says), std::string::npos)
        << r.body;
  };
  bad({{"term", term}}, "\"text\" is missing");
  bad({{"term", 7}, {"text", "x"}}, "\"term\" is missing or not a string");
  bad({{"term", "  "}, {"text", "x"}}, "its term is empty");
  bad({{"term", std::string("\0", 1)}, {"text", "x"}}, "control character");
  bad({{"term", "red\x1b[31m"}, {"text", "x"}}, "control character");
  bad({{"term", "bell"}, {"text", "ring\x07"}}, "other than a tab or a line break");
  bad({{"term", "two\nlines"}, {"text", "x"}}, "one line");
  bad({{"term", std::string(201, 't')}, {"text", "x"}}, "one line of at most 200 bytes");
  bad({{"term", "long"}, {"text", std::string(20001, 'x')}}, "at most 20000");

  HttpReply list = client_->get("/api/v1/notes");
  ASSERT_EQ(list.status, 200);
  const json notes = list.json()["notes"];
  size_t stored = 0, files = 0;
  for (const auto& n : notes) (n["source"] == "store" ? stored : files) += 1;
  EXPECT_EQ(stored, 2u) << list.body;
  EXPECT_GT(files, 10u);  // the demo's glossary.md
  ASSERT_FALSE(notes.empty());
  EXPECT_EQ(notes[0]["term"], "Revenue");  // in the place of glossary.md's first note, "revenue"
  EXPECT_EQ(notes[0]["source"], "store");
  size_t revenues = 0;
  for (const auto& n : notes) revenues += to_lower(n["term"].get<std::string>()) == "revenue";
  EXPECT_EQ(revenues, 1u);
  const json& last = notes.back();
  EXPECT_EQ(last["term"], "Weather-proof product");
  EXPECT_EQ(last["text"], text);
  EXPECT_FALSE(last["created_at"].get<std::string>().empty());

  // The next question that names the term gets the note in its prompt.
  const std::string id = new_conversation();
  ASSERT_EQ(ask_streamed(id, "How many weather-proof products do we sell?").status, 200);
  const std::string prompt = llm_.requests().front().last_user_message();
  EXPECT_NE(prompt.find("### Weather-proof product\n" + text), std::string::npos) << prompt;
  EXPECT_EQ(prompt.find("A product for the outdoors."), std::string::npos);
  // And one about revenue gets the stored note of that term, not glossary.md's.
  llm_.clear_requests();
  ASSERT_EQ(ask_streamed(id, "What was the total revenue in 2024?").status, 200);
  const std::string about_revenue = llm_.requests().front().last_user_message();
  EXPECT_NE(about_revenue.find("### Revenue\nOnly shipped and delivered orders."),
            std::string::npos)
      << about_revenue;
  EXPECT_EQ(about_revenue.find("### revenue\n"), std::string::npos) << about_revenue;
}

TEST_F(ServerApiTest, AClientThatLeavesKeepsThePartialAnswer) {
  llm_.clear_rules();
  llm_.set_default_reply(kCountSql);
  FakeRule slow;
  slow.match = kAnswerMarker;
  slow.reply = "one two three four five six seven eight nine ten eleven twelve thirteen";
  slow.chunk_delay_ms = 300;
  llm_.add_rule(slow);
  const std::string id = new_conversation();
  int deltas = 0;
  std::string message_id;
  HttpReply r = ask_streamed(id, "How many orders are there?", [&](const testing::SseEvent& e) {
    if (message_id.empty()) message_id = e.json().value("message_id", "");
    if (e.name == "answer") ++deltas;
    return deltas < 2;  // leave after two pieces of the answer
  });
  ASSERT_FALSE(message_id.empty());
  // The server notices, stops the LLM stream and stores what it had, marked interrupted.
  json message;
  for (int i = 0; i < 100; ++i) {
    HttpReply conv = client_->get("/api/v1/conversations/" + id);
    message = conv.json()["messages"][0];
    if (message["status"] != "answering") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(message["status"], "interrupted");
  EXPECT_FALSE(message["answer"].get<std::string>().empty());
  EXPECT_LT(message["answer"].get<std::string>().size(), slow.reply.size());
  // ... and the upstream request ended with it: the LLM's next write found the connection gone.
  for (int i = 0; i < 50 && llm_.abandoned_streams() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(llm_.abandoned_streams(), 1u);
}

TEST_F(ServerApiTest, AnLlmFailureIsAnErrorEventAndStored) {
  llm_.clear_rules();
  FakeRule down;
  down.mode = FakeMode::kHttpError;
  down.status = 401;
  down.once = false;
  llm_.add_rule(down);
  const std::string id = new_conversation();
  HttpReply r = ask_streamed(id, "How many orders are there?");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.events.back().name, "error");
  EXPECT_EQ(r.events.back().json()["code"], "llm");
  EXPECT_NE(r.events.back().json()["message"].get<std::string>().find("401"), std::string::npos);
  HttpReply conv = client_->get("/api/v1/conversations/" + id);
  EXPECT_EQ(conv.json()["messages"][0]["status"], "error");
  EXPECT_EQ(conv.json()["messages"][0]["question"], "How many orders are there?");
}

TEST_F(ServerApiTest, SchemaListsTablesColumnsAndKeys) {
  HttpReply r = client_->get("/api/v1/schema");
  ASSERT_EQ(r.status, 200);
  const json schema = r.json();
  bool found = false;
  for (const auto& t : schema["tables"]) {
    if (t["name"] != "orders") continue;
    found = true;
    EXPECT_FALSE(t["columns"].empty());
    EXPECT_FALSE(t["foreign_keys"].empty());
  }
  EXPECT_TRUE(found);
  for (const auto& t : schema["tables"]) EXPECT_NE(t["schema"], "api_test");
}

TEST_F(ServerApiTest, TheWebChatIsServed) {
  HttpReply page = client_->get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<html"), std::string::npos);
  EXPECT_NE(page.header("content-security-policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(client_->get("/package.json").status, 404);
  EXPECT_EQ(client_->get("/../README.md").status, 404);
}

TEST_F(ServerApiTest, TwoServersShareOneStore) {
  // A second replica on the same app store: a conversation begun on one continues on the other.
  Server second(llm_, "api_test");
  HttpTestClient other(second.port());
  const std::string id = new_conversation();
  ASSERT_EQ(ask_streamed(id, "How many orders are there?").status, 200);
  llm_.clear_requests();
  HttpCall call;
  call.method = "POST";
  call.target = "/api/v1/conversations/" + id + "/messages";
  call.body = json{{"question", "And only for 2024?"}}.dump();
  call.headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
  HttpReply r = other.send(call);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.events.back().name, "done");
  EXPECT_NE(llm_.requests().front().last_user_message().find("How many orders are there?"),
            std::string::npos);
  EXPECT_EQ(client_->get("/api/v1/conversations/" + id).json()["messages"].size(), 2u);
}

// GET /metrics until `done` holds for its parsed text (a request is counted once its answer is
// written, which its client may see a moment before), at most ten seconds; the last scrape.
testing::PromText scrape_until(HttpTestClient& client,
                               const std::function<bool(const testing::PromText&)>& done) {
  testing::PromText parsed;
  for (int i = 0; i < 100; ++i) {
    HttpReply r = client.get("/metrics");
    EXPECT_EQ(r.status, 200);
    parsed = testing::parse_prometheus_text(r.body);
    if (done(parsed)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return parsed;
}

TEST_F(ServerApiTest, MetricsCountRequestsStagesTokensRefusalsAndPools) {
  // The LLM first writes a statement the guard refuses, then, told why, the count.
  FakeRule refused;
  refused.match = "How many orders are there?";
  refused.reply = "```sql\nDELETE FROM orders\n```";
  llm_.add_rule(refused);
  const std::string id = new_conversation();
  HttpReply asked = ask_streamed(id, "How many orders are there?");
  ASSERT_EQ(asked.status, 200) << asked.failure;
  ASSERT_FALSE(asked.events.empty());
  EXPECT_EQ(asked.events.back().name, "done") << asked.events.back().data;

  const std::map<std::string, std::string> messages = {
      {"route", "/api/v1/conversations/{id}/messages"}, {"method", "POST"}, {"status", "200"}};
  testing::PromText m = scrape_until(*client_, [&](const testing::PromText& t) {
    return t.value("askdb_http_requests_total", messages).value_or(0) >= 1;
  });
  HttpReply raw = client_->get("/metrics");
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(raw.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const testing::PromText whole = testing::parse_prometheus_text(raw.body);
  std::string problems;
  for (const std::string& p : whole.problems) problems += p + "\n";
  EXPECT_TRUE(whole.problems.empty()) << problems << raw.body;
  // Labels carry route patterns, never ids.
  EXPECT_EQ(raw.body.find(id), std::string::npos);

  EXPECT_EQ(m.value("askdb_http_requests_total", messages), 1);
  EXPECT_EQ(m.value("askdb_http_requests_total",
                    {{"route", "/api/v1/conversations"}, {"method", "POST"}, {"status", "201"}}),
            1);
  EXPECT_GE(m.value("askdb_http_request_duration_seconds_count",
                    {{"route", "/api/v1/conversations/{id}/messages"}})
                .value_or(0),
            1);
  for (const char* stage : {"retrieve", "write_sql", "guard", "run", "answer", "total"}) {
    EXPECT_GE(m.value("askdb_stage_duration_seconds_count", {{"stage", stage}}).value_or(0), 1)
        << stage;
  }
  // One observation per answer: the refused attempt's guard time adds to the count's.
  EXPECT_EQ(m.value("askdb_stage_duration_seconds_count", {{"stage", "guard"}}), 1);
  EXPECT_EQ(m.value("askdb_guard_rejections_total", {{"reason", "not_a_query"}}), 1);
  EXPECT_EQ(m.value("askdb_questions_total", {{"outcome", "answered"}}), 1);
  EXPECT_GT(m.sum("askdb_llm_tokens_total", {{"provider", "openai"}, {"kind", "input"}}), 0);
  EXPECT_GT(m.sum("askdb_llm_tokens_total", {{"provider", "openai"}, {"kind", "output"}}), 0);
  EXPECT_EQ(m.sum("askdb_llm_calls_total", {{"provider", "openai"}, {"stage", "write_sql"}}), 2);
  EXPECT_EQ(m.sum("askdb_llm_calls_total", {{"provider", "openai"}, {"stage", "answer"}}), 1);
  for (const char* pool : {"target", "store"}) {
    EXPECT_TRUE(m.has("askdb_pool_connections", {{"pool", pool}, {"state", "idle"}})) << pool;
    EXPECT_TRUE(m.has("askdb_pool_connections", {{"pool", pool}, {"state", "in_use"}})) << pool;
    EXPECT_TRUE(m.has("askdb_pool_waiting", {{"pool", pool}})) << pool;
  }
  EXPECT_EQ(m.value("askdb_pool_max_connections", {{"pool", "target"}}),
            server_->config().query.pool_size);
  EXPECT_GE(m.sum("askdb_pool_connections", {{"pool", "target"}}), 1);  // the count ran
  EXPECT_TRUE(m.has("askdb_open_streams"));
  EXPECT_GE(m.value("askdb_open_connections").value_or(0), 1);  // this scrape's
  EXPECT_GT(m.value("process_resident_memory_bytes").value_or(0), 0);
  EXPECT_TRUE(m.has("askdb_build_info"));

  // SQL a person wrote that fails in the database counts by its SQLSTATE class.
  HttpReply bad = client_->send_json("POST", "/api/v1/conversations/" + id + "/messages",
                                     {{"sql", "SELECT no_such_column FROM orders"}});
  ASSERT_EQ(bad.status, 200) << bad.body;
  m = scrape_until(*client_, [](const testing::PromText& t) {
    return t.value("askdb_sql_errors_total", {{"sqlstate_class", "42"}}).value_or(0) >= 1;
  });
  EXPECT_EQ(m.value("askdb_sql_errors_total", {{"sqlstate_class", "42"}}), 1);
}

TEST(MetricsSettingTest, OffAnswers404) {
  FakeOpenAiServer llm;
  ASSERT_TRUE(llm.start().ok());
  Server server(llm, "metrics_off_test", "", [](Config& c) { c.server.metrics = "off"; });
  HttpTestClient client(server.port());
  EXPECT_EQ(client.get("/metrics").status, 404);
  EXPECT_EQ(client.get("/healthz").status, 200);
}

TEST(MetricsSettingTest, OnlyTheLiteralPathAnswers) {
  // A load balancer refusing "/metrics" compares the path as sent: an escaped spelling that
  // decodes to the same route must not reach the metrics.
  FakeOpenAiServer llm;
  ASSERT_TRUE(llm.start().ok());
  Server server(llm, "metrics_spelling_test", "");
  HttpTestClient client(server.port());
  EXPECT_EQ(client.get("/metrics").status, 200);
  EXPECT_EQ(client.get("/%6Detrics").status, 404);
  EXPECT_EQ(client.get("/%6d%65trics").status, 404);
}

TEST(ProxyAuthTest, TheLoadBalancersHeaderNamesTheUser) {
  FakeOpenAiServer llm;
  ASSERT_TRUE(llm.start().ok());
  Server server(llm, "proxy_test", "proxy");
  HttpTestClient client(server.port());
  EXPECT_EQ(client.get("/api/v1/conversations").status, 401);
  auto as = [](const std::string& user) {
    return std::vector<std::pair<std::string, std::string>>{{"X-Forwarded-User", user}};
  };
  HttpReply created = client.send_json("POST", "/api/v1/conversations", json::object(), as("dana"));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json()["id"];
  HttpCall read;
  read.target = "/api/v1/conversations/" + id;
  read.headers = as("dana");
  EXPECT_EQ(client.send(read).status, 200);
  read.headers = as("erin");
  EXPECT_EQ(client.send(read).status, 404);
  HttpCall session;
  session.target = "/api/v1/session";
  session.headers = as("dana");
  EXPECT_EQ(client.send(session).json()["user"], "dana");
}

class LocalAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(llm_.start().ok());
    server_ = std::make_unique<Server>(llm_, "auth_test", "local");
    client_ = std::make_unique<HttpTestClient>(server_->port());
    auto conn = pg::Connection::open(DemoCluster::get().cluster().owner_conninfo(), "store");
    ASSERT_TRUE(conn.ok());
    store::UserStore users("auth_test");
    for (const char* name : {"alice", "bob"}) {
      auto hash = server::hash_password(std::string(name) + "-long-password");
      ASSERT_TRUE(hash.ok());
      ASSERT_TRUE(users.add_user(*conn, name, *hash).ok());
    }
  }

  // Logs in; returns {cookie header value, csrf token}.
  std::pair<std::string, std::string> login(const std::string& user) {
    HttpReply r = client_->send_json("POST", "/api/v1/login",
                                     {{"user", user}, {"password", user + "-long-password"}});
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string set_cookie = r.header("set-cookie");
    EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    HttpCall session;
    session.target = "/api/v1/session";
    session.headers = {{"Cookie", cookie}};
    HttpReply s = client_->send(session);
    EXPECT_EQ(s.json()["user"], user);
    return {cookie, s.json()["csrf"].get<std::string>()};
  }

  FakeOpenAiServer llm_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpTestClient> client_;
};

TEST_F(LocalAuthTest, LoginSessionsCsrfAndPrivacy) {
  EXPECT_EQ(client_->get("/api/v1/conversations").status, 401);
  EXPECT_EQ(client_->get("/metrics").status, 200);  // Prometheus has no login
  EXPECT_EQ(client_->get("/api/v1/notes").status, 401);
  EXPECT_EQ(client_->send_json("POST", "/api/v1/notes", {{"term", "a"}, {"text", "b"}}).status,
            401);
  EXPECT_EQ(client_->get("/api/v1/session").json()["auth"], "local");
  HttpReply wrong = client_->send_json("POST", "/api/v1/login",
                                       {{"user", "alice"}, {"password", "not it at all"}});
  EXPECT_EQ(wrong.status, 401);

  auto [alice, alice_csrf] = login("alice");
  EXPECT_EQ(client_->send_json("POST", "/api/v1/conversations", json::object(), {{"Cookie", alice}})
                .status,
            403);  // no CSRF token
  HttpReply created = client_->send_json("POST", "/api/v1/conversations", json::object(),
                                         {{"Cookie", alice}, {"X-CSRF-Token", alice_csrf}});
  ASSERT_EQ(created.status, 201) << created.body;
  // A note is added by whoever is logged in, with the CSRF token.
  EXPECT_EQ(client_
                ->send_json("POST", "/api/v1/notes", {{"term", "vip"}, {"text", "Tier gold."}},
                            {{"Cookie", alice}})
                .status,
            403);
  HttpReply noted =
      client_->send_json("POST", "/api/v1/notes", {{"term", "vip"}, {"text", "Tier gold."}},
                         {{"Cookie", alice}, {"X-CSRF-Token", alice_csrf}});
  EXPECT_EQ(noted.status, 201) << noted.body;
  const std::string id = created.json()["id"];

  auto [bob, bob_csrf] = login("bob");
  HttpCall peek;
  peek.target = "/api/v1/conversations/" + id;
  peek.headers = {{"Cookie", bob}};
  EXPECT_EQ(client_->send(peek).status, 404);  // another user's conversation does not exist
  peek.headers = {{"Cookie", alice}};
  EXPECT_EQ(client_->send(peek).status, 200);

  // Logout ends the session.
  EXPECT_EQ(client_
                ->send_json("POST", "/api/v1/logout", nullptr,
                            {{"Cookie", alice}, {"X-CSRF-Token", alice_csrf}})
                .status,
            204);
  EXPECT_EQ(client_->send(peek).status, 401);
}

TEST_F(LocalAuthTest, LoginsAreThrottled) {
  int limited = 0;
  for (int i = 0; i < 20 && limited == 0; ++i) {
    HttpReply r = client_->send_json(
        "POST", "/api/v1/login", {{"user", "alice"}, {"password", "guess " + std::to_string(i)}});
    if (r.status == 429) {
      ++limited;
      EXPECT_FALSE(r.header("retry-after").empty());
    }
  }
  EXPECT_EQ(limited, 1);
}

}  // namespace
}  // namespace askdb
