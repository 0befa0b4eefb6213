// Router over real loopback HTTP: parameters, precedence, 404, 405 with Allow, HEAD, fallback.

// GCC 12: false positives on Asio's coroutine frames (see src/server/connection.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "server/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "unit/server/http_test_support.h"

namespace askdb::server {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using testing::fetch;
using testing::TestServer;
using json = nlohmann::json;

// Answers with the route's name and its parameters.
Router::Handler named(std::string name) {
  return [name](Exchange& ex) -> net::awaitable<void> {
    std::string text = name;
    for (const char* param : {"id", "mid"}) {
      if (!ex.path_param(param).empty()) {
        text += " " + std::string(param) + "=" + std::string(ex.path_param(param));
      }
    }
    ex.respond(200, text);
    co_return;
  };
}

Router api_router() {
  Router router;
  router.get("/api/v1/conversations", named("list"));
  router.post("/api/v1/conversations", named("create"));
  router.get("/api/v1/conversations/{id}", named("get"));
  router.patch("/api/v1/conversations/{id}", named("rename"));
  router.del("/api/v1/conversations/{id}", named("delete"));
  router.get("/api/v1/conversations/new", named("new"));
  router.post("/api/v1/conversations/{id}/messages", named("ask"));
  router.post("/api/v1/messages/{mid}/feedback", named("feedback"));
  router.get("/", named("root"));
  return router;
}

std::string body_of(uint16_t port, std::string_view method, std::string_view target) {
  auto response = fetch(port, method, target);
  return response ? std::to_string(response->result_int()) + " " + response->body() : "none";
}

TEST(RouterTest, MatchesLiteralsAndParameters) {
  TestServer server(api_router().handler());
  const uint16_t port = server.port();
  EXPECT_EQ(body_of(port, "GET", "/api/v1/conversations"), "200 list");
  EXPECT_EQ(body_of(port, "POST", "/api/v1/conversations"), "200 create");
  EXPECT_EQ(body_of(port, "GET", "/api/v1/conversations/abc"), "200 get id=abc");
  EXPECT_EQ(body_of(port, "PATCH", "/api/v1/conversations/abc"), "200 rename id=abc");
  EXPECT_EQ(body_of(port, "DELETE", "/api/v1/conversations/abc"), "200 delete id=abc");
  EXPECT_EQ(body_of(port, "POST", "/api/v1/conversations/abc/messages"), "200 ask id=abc");
  EXPECT_EQ(body_of(port, "POST", "/api/v1/messages/m1/feedback"), "200 feedback mid=m1");
  EXPECT_EQ(body_of(port, "GET", "/"), "200 root");
  EXPECT_EQ(body_of(port, "GET", "/api/v1/conversations?limit=5"), "200 list");
}

TEST(RouterTest, ParametersAreDecodedSegmentBySegment) {
  TestServer server(api_router().handler());
  EXPECT_EQ(body_of(server.port(), "GET", "/api/v1/conversations/a%2Fb%20c"), "200 get id=a/b c");
}

TEST(RouterTest, LiteralSegmentsWinOverParameters) {
  TestServer server(api_router().handler());
  EXPECT_EQ(body_of(server.port(), "GET", "/api/v1/conversations/new"), "200 new");
  // Other methods on that path still reach the parameter routes.
  EXPECT_EQ(body_of(server.port(), "DELETE", "/api/v1/conversations/new"), "200 delete id=new");
}

TEST(RouterTest, UnknownPathsAre404) {
  TestServer server(api_router().handler());
  for (const char* target : {"/nope", "/api/v1/conversations/abc/extra/more",
                             "/api/v1/conversations/", "/api/v1/conversations//messages"}) {
    auto response = fetch(server.port(), "GET", target);
    ASSERT_TRUE(response) << target;
    EXPECT_EQ(response->result_int(), 404) << target;
    const json body = json::parse(response->body());
    EXPECT_EQ(body["error"]["code"], "not_found");
    EXPECT_EQ(body["error"]["request_id"], std::string(response->at("X-Request-Id")));
  }
}

TEST(RouterTest, KnownPathsWithOtherMethodsAre405WithAllow) {
  TestServer server(api_router().handler());
  auto response = fetch(server.port(), "PUT", "/api/v1/conversations/abc");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 405);
  EXPECT_EQ(response->at(http::field::allow), "DELETE, GET, HEAD, PATCH");
  EXPECT_EQ(json::parse(response->body())["error"]["code"], "method_not_allowed");

  auto post_only = fetch(server.port(), "GET", "/api/v1/messages/m1/feedback");
  ASSERT_TRUE(post_only);
  EXPECT_EQ(post_only->result_int(), 405);
  EXPECT_EQ(post_only->at(http::field::allow), "POST");
}

TEST(RouterTest, HeadIsAnsweredByTheGetRoute) {
  TestServer server(api_router().handler());
  auto response = fetch(server.port(), "HEAD", "/api/v1/conversations/abc");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->at(http::field::content_length),
            std::to_string(std::string("get id=abc").size()));
  EXPECT_EQ(response->body(), "");
}

TEST(RouterTest, FallbackTakesUnknownPaths) {
  Router router = api_router();
  router.set_fallback(named("fallback"));
  TestServer server(router.handler());
  EXPECT_EQ(body_of(server.port(), "GET", "/app.js"), "200 fallback");
  // Known paths keep their 405.
  EXPECT_EQ(fetch(server.port(), "PUT", "/api/v1/conversations")->result_int(), 405);
}

TEST(RouterTest, AddingARouteAgainReplacesIt) {
  Router router;
  router.get("/x", named("first"));
  router.get("/x", named("second"));
  TestServer server(router.handler());
  EXPECT_EQ(body_of(server.port(), "GET", "/x"), "200 second");
}

}  // namespace
}  // namespace askdb::server
