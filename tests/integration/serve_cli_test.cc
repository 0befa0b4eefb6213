// `askdb demo` / `askdb serve` / `askdb users` as a user runs them: the real binary over the
// demo cluster, a fake LLM on loopback, real HTTP. Covers refusing to start without a login on
// a reachable address, local accounts made on the command line, a graceful stop that lets an
// answer in flight finish, and one that stops an answer past the grace period but keeps what
// it had.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "pg/connection.h"
#include "support/demo_cluster.h"
#include "support/fake_bedrock_server.h"
#include "support/fake_openai_server.h"
#include "support/http_test_client.h"
#include "support/subprocess.h"

namespace askdb {
namespace {

using json = nlohmann::json;
using test::FakeOpenAiServer;
using test::FakeRule;
using testing::DemoCluster;
using testing::free_port;
using testing::HttpCall;
using testing::HttpReply;
using testing::HttpTestClient;
using testing::wait_until_up;

constexpr const char* kAnswerMarker = "Answer the question from this result";

class ServeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(llm_.start().ok());
    llm_.set_default_reply("```sql\nSELECT count(*) AS orders FROM orders\n```");
    port_ = free_port();
  }

  std::map<std::string, std::string> env(const std::string& schema) {
    auto e = testing::isolated_askdb_env(DemoCluster::get().home());
    e["ASKDB_LLM_BASE_URL"] = llm_.base_url();
    e["ASKDB_LLM_MODEL"] = "fake";
    e["ASKDB_STORE_SCHEMA"] = schema;
    return e;
  }

  // A slow answer: `words` words, one every `delay_ms`.
  void slow_answer(int words, int delay_ms) {
    FakeRule rule;
    rule.match = kAnswerMarker;
    for (int i = 0; i < words; ++i) rule.reply += "word" + std::to_string(i) + " ";
    rule.chunk_delay_ms = delay_ms;
    llm_.add_rule(rule);
  }

  static std::string message_status(const std::string& schema) {
    auto conn = pg::Connection::open(DemoCluster::get().cluster().owner_conninfo(), "store");
    auto rows = conn->query("SELECT status || ':' || coalesce(answer, '') FROM " + schema +
                            ".messages ORDER BY created_at DESC LIMIT 1");
    if (!rows.ok() || rows->rows.empty()) return "";
    return rows->rows[0][0].value_or("");
  }

  static void drop_schema(const std::string& schema) {
    auto conn = pg::Connection::open(DemoCluster::get().cluster().owner_conninfo(), "store");
    if (conn) (void)conn->exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  // Asks over SSE; calls `on_first_delta` once when the first piece of the answer arrives.
  static HttpReply ask(const HttpTestClient& client, std::function<void()> on_first_delta) {
    HttpReply created = client.send_json("POST", "/api/v1/conversations", json::object());
    HttpCall call;
    call.method = "POST";
    call.target = "/api/v1/conversations/" + created.json().value("id", "") + "/messages";
    call.body = json{{"question", "How many orders are there?"}}.dump();
    call.headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
    bool fired = false;
    call.on_event = [&](const testing::SseEvent& e) {
      if (e.name == "answer" && !fired) {
        fired = true;
        on_first_delta();
      }
      return true;
    };
    return client.send(call);
  }

  FakeOpenAiServer llm_;
  uint16_t port_ = 0;
};

TEST_F(ServeCliTest, RefusesAReachableAddressWithoutLogin) {
  auto r = testing::run_subprocess({ASKDB_BINARY, "demo", "--host", "0.0.0.0", "--port", "0"},
                                   env("serve_refuse"), 120);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("ASKDB_SERVER_AUTH=local"), std::string::npos) << r.err;
  drop_schema("serve_refuse");
}

TEST_F(ServeCliTest, GracefulStopLetsTheAnswerInFlightFinish) {
  slow_answer(12, 150);  // about 2 s of answer
  auto e = env("serve_graceful");
  e["ASKDB_SERVER_SHUTDOWN_GRACE_S"] = "20";
  HttpTestClient client(port_);
  std::future<HttpReply> streamed;
  std::atomic<bool> refused_after_stop{false};
  auto r = testing::run_subprocess(
      {ASKDB_BINARY, "demo", "--port", std::to_string(port_)}, e, 120, [&](pid_t pid) {
        streamed = std::async(std::launch::async, [&, pid] {
          if (!wait_until_up(client)) return HttpReply{};
          return ask(client, [&, pid] {
            kill(pid, SIGTERM);
            // Once stopping, new requests are refused (503) or not accepted at all.
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            const int status = client.get("/api/v1/conversations").status;
            refused_after_stop = status == 503 || status == 0;
          });
        });
      });
  HttpReply reply = streamed.get();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("the web chat is at http://127.0.0.1:" + std::to_string(port_)),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("stopped"), std::string::npos) << r.err;
  ASSERT_FALSE(reply.events.empty()) << reply.failure;
  EXPECT_EQ(reply.events.back().name, "done");
  EXPECT_TRUE(refused_after_stop);
  EXPECT_TRUE(message_status("serve_graceful").starts_with("done:word0 "));
  drop_schema("serve_graceful");
}

TEST_F(ServeCliTest, PastTheGraceTheAnswerIsStoppedAndKept) {
  slow_answer(60, 200);  // 12 s of answer, far past the grace
  auto e = env("serve_grace_over");
  e["ASKDB_SERVER_SHUTDOWN_GRACE_S"] = "1";
  HttpTestClient client(port_);
  std::future<HttpReply> streamed;
  auto r = testing::run_subprocess({ASKDB_BINARY, "demo", "--port", std::to_string(port_)}, e, 120,
                                   [&](pid_t pid) {
                                     streamed = std::async(std::launch::async, [&, pid] {
                                       if (!wait_until_up(client)) return HttpReply{};
                                       return ask(client, [pid] { kill(pid, SIGTERM); });
                                     });
                                   });
  HttpReply reply = streamed.get();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_FALSE(reply.events.empty()) << reply.failure;
  EXPECT_EQ(reply.events.back().name, "error");
  const std::string stored = message_status("serve_grace_over");
  EXPECT_TRUE(stored.starts_with("interrupted:word0")) << stored;
  EXPECT_EQ(stored.find("word59"), std::string::npos);
  drop_schema("serve_grace_over");
}

// Serves with `e`, asks one question through the API (plain JSON) and stops. Returns the
// server's output and, in `seen`, every byte the API sent back.
testing::SubprocessResult serve_one_question(const std::map<std::string, std::string>& e,
                                             uint16_t port, std::string& seen) {
  HttpTestClient client(port);
  std::future<std::string> replies;
  auto r = testing::run_subprocess(
      {ASKDB_BINARY, "demo", "--port", std::to_string(port)}, e, 120, [&](pid_t pid) {
        replies = std::async(std::launch::async, [&client, pid] {
          std::string bodies;
          if (wait_until_up(client)) {
            HttpReply created = client.send_json("POST", "/api/v1/conversations", json::object());
            bodies += created.body;
            const std::string id = created.json().value("id", "");
            bodies += client
                          .send_json("POST", "/api/v1/conversations/" + id + "/messages",
                                     {{"question", "Which city had the most late deliveries?"}})
                          .body;
            bodies += client.get("/api/v1/conversations/" + id + "/messages").body;
          }
          kill(pid, SIGTERM);
          return bodies;
        });
      });
  seen = replies.get();
  return r;
}

// Whatever goes wrong with the LLM's credentials, the server log (its stderr), its output and
// every API reply name the problem and never the secret: not the AWS secret key, the session
// token, a signature, nor an API key.
TEST_F(ServeCliTest, SecretsNeverReachTheLogOrTheUser) {
  const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
  const std::string token = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN0123456789";
  test::FakeBedrockOptions options;
  options.session_token = token;  // the server knows another secret: every signature is wrong
  test::FakeBedrockServer bedrock(options);
  ASSERT_TRUE(bedrock.start().ok());
  auto e = env("serve_secrets");
  e["ASKDB_LLM_BASE_URL"] = testing::kUnset;
  e["ASKDB_LLM_MODEL"] = testing::kUnset;
  e["ASKDB_LLM_MAX_RETRIES"] = "0";
  e["AWS_ACCESS_KEY_ID"] = options.access_key_id;
  e["AWS_SECRET_ACCESS_KEY"] = secret;
  e["AWS_SESSION_TOKEN"] = token;
  e["AWS_REGION"] = "us-east-1";
  e["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = bedrock.endpoint();
  std::string seen;
  auto r = serve_one_question(e, port_, seen);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_GE(bedrock.request_count(), 1u) << r.err;
  const std::string authorization = bedrock.requests()[0].header("authorization");
  const std::string signature = authorization.substr(authorization.find("Signature=") + 10);
  ASSERT_EQ(signature.size(), 64u) << authorization;
  // Not vacuous: the failure is in the log and in the reply, with its cause.
  EXPECT_NE(r.err.find("InvalidSignatureException"), std::string::npos) << r.err;
  EXPECT_NE(seen.find("InvalidSignatureException"), std::string::npos) << seen;
  EXPECT_NE(r.err.find("LLM bedrock (us.anthropic.claude-sonnet-4-5"), std::string::npos) << r.err;
  for (const std::string& leaked : {secret, token, signature}) {
    EXPECT_EQ(r.err.find(leaked), std::string::npos) << "in the log: " << leaked;
    EXPECT_EQ(r.out.find(leaked), std::string::npos) << "in the output: " << leaked;
    EXPECT_EQ(seen.find(leaked), std::string::npos) << "in a reply: " << leaked;
  }

  // An OpenAI-compatible server refusing the key: the log says 401, never the key.
  test::FakeOpenAiOptions keyed;
  keyed.api_key = "sk-the-right-key-000000000000";
  FakeOpenAiServer openai(keyed);
  ASSERT_TRUE(openai.start().ok());
  const std::string api_key = "sk-proj-WRONGKEY0123456789abcdefghijklmnop";
  e = env("serve_secrets");
  e["ASKDB_LLM_BASE_URL"] = openai.base_url();
  e["ASKDB_LLM_API_KEY"] = api_key;
  r = serve_one_question(e, port_, seen);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("HTTP 401"), std::string::npos) << r.err;
  EXPECT_NE(seen.find("ASKDB_LLM_API_KEY"), std::string::npos) << seen;
  EXPECT_EQ(r.err.find(api_key), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find(api_key), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("WRONGKEY0123456789"), std::string::npos) << r.err;
  EXPECT_EQ(seen.find(api_key), std::string::npos) << seen;
  EXPECT_EQ(seen.find("WRONGKEY0123456789"), std::string::npos) << seen;
  drop_schema("serve_secrets");
}

TEST_F(ServeCliTest, LocalAccountsFromTheCommandLine) {
  auto e = env("serve_users");
  auto weak =
      testing::run_subprocess({ASKDB_BINARY, "users", "add", "carol"}, e, 120, nullptr, "short\n");
  EXPECT_EQ(weak.exit_code, 2);
  EXPECT_NE(weak.err.find("10"), std::string::npos) << weak.err;
  auto added = testing::run_subprocess({ASKDB_BINARY, "users", "add", "carol"}, e, 120, nullptr,
                                       "a good long passphrase\n");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto again = testing::run_subprocess({ASKDB_BINARY, "users", "add", "carol"}, e, 120, nullptr,
                                       "a good long passphrase\n");
  EXPECT_EQ(again.exit_code, 2) << again.err;
  auto list = testing::run_subprocess({ASKDB_BINARY, "users", "list"}, e, 120);
  EXPECT_NE(list.out.find("carol"), std::string::npos);

  e["ASKDB_SERVER_AUTH"] = "local";
  HttpTestClient client(port_);
  std::future<int> login_status;
  auto r = testing::run_subprocess(
      {ASKDB_BINARY, "serve", "--port", std::to_string(port_)}, e, 120, [&](pid_t pid) {
        login_status = std::async(std::launch::async, [&, pid] {
          int status = 0;
          if (wait_until_up(client)) {
            status = client
                         .send_json("POST", "/api/v1/login",
                                    {{"user", "carol"}, {"password", "a good long passphrase"}})
                         .status;
          }
          kill(pid, SIGTERM);
          return status;
        });
      });
  EXPECT_EQ(login_status.get(), 200);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  drop_schema("serve_users");
}

}  // namespace
}  // namespace askdb
