// Two `askdb serve` processes on one app store, as two tasks behind a load balancer run: a login
// made on one is valid on the other, a conversation begun on one goes on on the other with its
// history, and neither shows it to another user. Both read their database passwords apart from
// the URLs (from a file, from a variable), write their logs as JSON lines that carry the request
// id, user and conversation, and never log a password. Real binaries, real HTTP, a fake LLM.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "support/demo_cluster.h"
#include "support/fake_openai_server.h"
#include "support/http_test_client.h"
#include "support/subprocess.h"
#include "support/test_database.h"

namespace askdb {
namespace {

using json = nlohmann::json;
using test::FakeOpenAiServer;
using testing::DemoCluster;
using testing::free_port;
using testing::HttpCall;
using testing::HttpReply;
using testing::HttpTestClient;
using testing::wait_until_up;

// Splits key=value conninfo into the conninfo without its password, and the password.
std::pair<std::string, std::string> without_password(const std::string& conninfo) {
  std::istringstream words(conninfo);
  std::string word;
  std::string rest;
  std::string password;
  while (words >> word) {
    if (word.starts_with("password=")) {
      password = word.substr(9);
    } else {
      rest += word + " ";
    }
  }
  return {rest, password};
}

// The JSON objects of a log; a line that is not one fails the test.
std::vector<json> log_lines(const std::string& err) {
  std::vector<json> out;
  std::istringstream lines(err);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    json parsed = json::parse(line, nullptr, false);
    EXPECT_TRUE(parsed.is_object()) << "not a JSON log line: " << line;
    if (parsed.is_object()) out.push_back(std::move(parsed));
  }
  return out;
}

// A logged-in user of one replica: the session cookie and the CSRF token.
struct Login {
  std::string cookie;
  std::string csrf;
  std::vector<std::pair<std::string, std::string>> headers() const {
    return {{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
  }
};

Login log_in(const HttpTestClient& at, const std::string& user, const std::string& password) {
  HttpReply r = at.send_json("POST", "/api/v1/login", {{"user", user}, {"password", password}});
  EXPECT_EQ(r.status, 200) << r.body;
  const std::string set_cookie = r.header("set-cookie");
  return {set_cookie.substr(0, set_cookie.find(';')), ""};
}

// The session's CSRF token, as `at` (maybe the other replica) knows the session.
std::string csrf_at(const HttpTestClient& at, const Login& login) {
  HttpCall call;
  call.target = "/api/v1/session";
  call.headers = {{"Cookie", login.cookie}};
  HttpReply r = at.send(call);
  EXPECT_EQ(r.status, 200) << r.body;
  return r.json().value("csrf", "");
}

HttpReply get_as(const HttpTestClient& at, const Login& login, const std::string& target) {
  HttpCall call;
  call.target = target;
  call.headers = login.headers();
  return at.send(call);
}

TEST(Replicas, TwoProcessesShareEveryStateThroughTheAppStore) {
  FakeOpenAiServer llm;
  ASSERT_TRUE(llm.start().ok());
  llm.set_default_reply("```sql\nSELECT count(*) AS orders FROM orders\n```");

  const auto& cluster = DemoCluster::get().cluster();
  const auto [target_url, target_password] = without_password(cluster.reader_conninfo());
  const auto [store_url, store_password] = without_password(cluster.owner_conninfo());
  ASSERT_FALSE(target_password.empty());
  ASSERT_FALSE(store_password.empty());
  const std::string schema = testing::unique_name("replicas");
  const std::string secrets = DemoCluster::get().home() + "/" + schema;
  std::ofstream(secrets + "-db") << target_password << "\n";
  std::ofstream(secrets + "-store") << store_password << "\n";

  auto common = testing::isolated_askdb_env(DemoCluster::get().home());
  common["ASKDB_DATABASE_URL"] = target_url;
  common["ASKDB_STORE_URL"] = store_url;
  common["ASKDB_STORE_SCHEMA"] = schema;
  common["ASKDB_SERVER_AUTH"] = "local";
  common["ASKDB_LLM_BASE_URL"] = llm.base_url();
  common["ASKDB_LLM_MODEL"] = "fake";
  common["ASKDB_RETRIEVAL_REFRESH_SECONDS"] = "0";
  // Replica A reads the passwords from files (mounted secrets), replica B from variables.
  auto env_a = common;
  env_a["ASKDB_DATABASE_PASSWORD_FILE"] = secrets + "-db";
  env_a["ASKDB_STORE_PASSWORD_FILE"] = secrets + "-store";
  auto env_b = common;
  env_b["ASKDB_DATABASE_PASSWORD"] = target_password;
  env_b["ASKDB_STORE_PASSWORD"] = store_password;

  for (const char* user : {"dana", "eve"}) {
    auto added = testing::run_subprocess({ASKDB_BINARY, "users", "add", user}, env_a, 120, nullptr,
                                         "a good long passphrase\n");
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }

  const uint16_t port_a = free_port();
  uint16_t port_b = free_port();
  while (port_b == port_a) port_b = free_port();
  HttpTestClient a(port_a);
  HttpTestClient b(port_b);
  std::string conversation;
  std::string request_id;
  std::promise<void> b_done;
  std::future<testing::SubprocessResult> replica_b;

  auto replica_a = testing::run_subprocess(
      {ASKDB_BINARY, "serve", "--port", std::to_string(port_a)}, env_a, 240, [&](pid_t pid_a) {
        replica_b = std::async(std::launch::async, [&, pid_a] {
          return testing::run_subprocess(
              {ASKDB_BINARY, "serve", "--port", std::to_string(port_b)}, env_b, 240,
              [&, pid_a](pid_t pid_b) {
                std::thread([&, pid_a, pid_b] {
                  if (wait_until_up(a) && wait_until_up(b)) {
                    for (const HttpTestClient* replica : {&a, &b}) {
                      HttpReply ready = replica->get("/readyz");
                      EXPECT_EQ(ready.status, 200) << ready.body;
                    }
                    // Logged in on A; the session is valid on B.
                    Login dana = log_in(a, "dana", "a good long passphrase");
                    dana.csrf = csrf_at(b, dana);
                    EXPECT_FALSE(dana.csrf.empty());
                    EXPECT_EQ(dana.csrf, csrf_at(a, dana));

                    // Begun on A...
                    HttpReply created = a.send_json("POST", "/api/v1/conversations", json::object(),
                                                    dana.headers());
                    EXPECT_EQ(created.status, 201) << created.body;
                    conversation = created.json().value("id", "");
                    HttpReply first =
                        a.send_json("POST", "/api/v1/conversations/" + conversation + "/messages",
                                    {{"question", "How many orders are there?"}}, dana.headers());
                    EXPECT_EQ(first.status, 200) << first.body;
                    request_id = first.header("x-request-id");
                    // ...continued on B, whose LLM request carries A's turn.
                    llm.clear_requests();
                    HttpReply second = b.send_json(
                        "POST", "/api/v1/conversations/" + conversation + "/messages",
                        {{"question", "And how many of them were late?"}}, dana.headers());
                    EXPECT_EQ(second.status, 200) << second.body;
                    // (No ASSERT here: this thread must reach the kill() below.)
                    const auto sent = llm.requests();
                    EXPECT_FALSE(sent.empty());
                    EXPECT_TRUE(!sent.empty() &&
                                sent.front().body.find("How many orders are there?") !=
                                    std::string::npos)
                        << "B wrote SQL without the conversation so far";
                    HttpReply listed = get_as(b, dana, "/api/v1/conversations/" + conversation);
                    EXPECT_EQ(listed.status, 200) << listed.body;
                    const std::string body = listed.body;
                    const size_t q1 = body.find("How many orders are there?");
                    const size_t q2 = body.find("And how many of them were late?");
                    EXPECT_NE(q1, std::string::npos) << body;
                    EXPECT_NE(q2, std::string::npos) << body;
                    EXPECT_LT(q1, q2) << body;

                    // Another user sees none of it, on either replica.
                    Login eve = log_in(b, "eve", "a good long passphrase");
                    eve.csrf = csrf_at(a, eve);
                    for (const HttpTestClient* replica : {&a, &b}) {
                      HttpReply hidden =
                          get_as(*replica, eve, "/api/v1/conversations/" + conversation);
                      EXPECT_EQ(hidden.status, 404) << hidden.body;
                      EXPECT_EQ(hidden.json()["error"].value("request_id", ""),
                                hidden.header("x-request-id"))
                          << "the error body names the request";
                    }
                  }
                  kill(pid_b, SIGTERM);
                  kill(pid_a, SIGTERM);
                }).detach();
              });
        });
      });
  const testing::SubprocessResult result_b = replica_b.get();
  EXPECT_EQ(replica_a.exit_code, 0) << replica_a.err;
  EXPECT_EQ(result_b.exit_code, 0) << result_b.err;
  ASSERT_FALSE(conversation.empty());

  // A's log: JSON lines only; the question's request and its answer carry who and what.
  bool request_logged = false;
  bool answer_logged = false;
  for (const json& line : log_lines(replica_a.err)) {
    EXPECT_TRUE(line.contains("time") && line.contains("level") && line.contains("message"))
        << line;
    if (line.value("request_id", "") != request_id) continue;
    if (line.value("method", "") == "POST") {
      request_logged = true;
      EXPECT_EQ(line.value("status", 0), 200) << line;
      EXPECT_EQ(line.value("user", ""), "dana") << line;
      EXPECT_EQ(line.value("conversation", ""), conversation) << line;
      EXPECT_TRUE(line.contains("duration_ms")) << line;
    }
    if (line.value("message", "") == "question answered") {
      answer_logged = true;
      EXPECT_EQ(line.value("user", ""), "dana") << line;
      EXPECT_EQ(line.value("conversation", ""), conversation) << line;
      for (const char* stage :
           {"retrieve_ms", "write_sql_ms", "guard_ms", "run_ms", "answer_ms", "duration_ms"}) {
        EXPECT_TRUE(line.contains(stage)) << stage << " missing: " << line;
      }
    }
  }
  EXPECT_TRUE(request_logged) << replica_a.err;
  EXPECT_TRUE(answer_logged) << replica_a.err;
  log_lines(result_b.err);  // B's log is JSON lines too
  for (const std::string& secret : {target_password, store_password}) {
    EXPECT_EQ(replica_a.err.find(secret), std::string::npos) << "a password in A's log";
    EXPECT_EQ(result_b.err.find(secret), std::string::npos) << "a password in B's log";
  }

  auto owner = testing::connect(cluster.owner_conninfo());
  (void)owner.exec("SET client_min_messages = warning; DROP SCHEMA IF EXISTS " + schema +
                   " CASCADE");
  std::remove((secrets + "-db").c_str());
  std::remove((secrets + "-store").c_str());
}

}  // namespace
}  // namespace askdb
