// StaticFiles over real loopback HTTP: content types, ETag and 304, Cache-Control, and every
// way out of the root answering 404.

// GCC 12: false positives on Asio's coroutine frames (see src/server/connection.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "server/static_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "server/router.h"
#include "unit/server/http_test_support.h"

namespace askdb::server {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;
using testing::fetch;
using testing::TestServer;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "askdb-static-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    base_ = pattern;
    root_ = base_ / "web";
    fs::create_directories(root_ / "js");
    fs::create_directories(root_ / "docs");
    fs::create_directories(root_ / "empty");
    fs::create_directories(root_ / "node_modules" / "lib");
    write(base_ / "secret.txt", "outside the root");
    write(root_ / "index.html", "<!doctype html><title>askdb</title>");
    write(root_ / "js" / "app.js", "console.log('hi');");
    write(root_ / "style.css", "body{}");
    write(root_ / "logo.svg", "<svg/>");
    write(root_ / "openapi.json", "{}");
    write(root_ / "font.woff2", "wOF2");
    write(root_ / "blob.bin", "\x01\x02");
    write(root_ / "docs" / "index.html", "<p>docs</p>");
    write(root_ / ".env", "SECRET=1");
    write(root_ / "node_modules" / "lib" / "x.js", "skipped");
    fs::create_symlink(base_ / "secret.txt", root_ / "leak.txt");
    fs::create_directory_symlink(base_, root_ / "up");
    fs::create_symlink(root_ / "js" / "app.js", root_ / "alias.js");
  }
  void TearDown() override { fs::remove_all(base_); }

  static void write(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }

  StaticFiles load() {
    auto files = StaticFiles::load(root_.string());
    EXPECT_TRUE(files.ok()) << (files.ok() ? "" : files.error().message);
    return std::move(*files);
  }

  fs::path base_;
  fs::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirContentTypes) {
  TestServer server(load().handler());
  const std::pair<const char*, const char*> cases[] = {
      {"/", "text/html; charset=utf-8"},
      {"/index.html", "text/html; charset=utf-8"},
      {"/js/app.js", "text/javascript; charset=utf-8"},
      {"/style.css", "text/css; charset=utf-8"},
      {"/logo.svg", "image/svg+xml"},
      {"/openapi.json", "application/json"},
      {"/font.woff2", "font/woff2"},
      {"/blob.bin", "application/octet-stream"},
      {"/docs/", "text/html; charset=utf-8"},
      {"/alias.js", "text/javascript; charset=utf-8"},  // a symlink inside the root
  };
  for (const auto& [path, type] : cases) {
    auto response = fetch(server.port(), "GET", path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->result_int(), 200) << path;
    EXPECT_EQ(response->at(http::field::content_type), type) << path;
    EXPECT_EQ(response->at("X-Content-Type-Options"), "nosniff") << path;
  }
  EXPECT_EQ(fetch(server.port(), "GET", "/")->body(), "<!doctype html><title>askdb</title>");
}

TEST_F(StaticFilesTest, EtagsAnswer304) {
  TestServer server(load().handler());
  auto first = fetch(server.port(), "GET", "/js/app.js");
  ASSERT_TRUE(first);
  const std::string etag(first->at(http::field::etag));
  ASSERT_EQ(etag.size(), 34u);
  EXPECT_EQ(etag.front(), '"');

  for (const std::string& header : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    auto again = fetch(server.port(), "GET", "/js/app.js", "If-None-Match: " + header + "\r\n");
    ASSERT_TRUE(again) << header;
    EXPECT_EQ(again->result_int(), 304) << header;
    EXPECT_EQ(again->body(), "");
    EXPECT_EQ(again->at(http::field::etag), etag);
    EXPECT_EQ(again->at(http::field::cache_control), "no-cache");
  }
  auto changed = fetch(server.port(), "GET", "/js/app.js", "If-None-Match: \"stale\"\r\n");
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->result_int(), 200);
}

TEST_F(StaticFilesTest, CacheControlForPagesAndAssets) {
  StaticFilesOptions options;
  options.asset_cache_control = "public, max-age=3600";
  auto files = StaticFiles::load(root_.string(), options);
  ASSERT_TRUE(files.ok());
  TestServer server(files->handler());
  EXPECT_EQ(fetch(server.port(), "GET", "/")->at(http::field::cache_control), "no-cache");
  EXPECT_EQ(fetch(server.port(), "GET", "/style.css")->at(http::field::cache_control),
            "public, max-age=3600");
}

TEST_F(StaticFilesTest, NothingOutsideTheRootOrHiddenIsServed) {
  TestServer server(load().handler());
  for (const char* path :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/js/..%2f..%2fsecret.txt",
        "/js/../../secret.txt", "/leak.txt", "/up/secret.txt", "/up/web/index.html", "/.env",
        "/%2eenv", "/node_modules/lib/x.js", "/empty/", "/empty", "/js", "/js/", "//index.html",
        "/js\\..\\..\\secret.txt", "/missing.js"}) {
    auto response = fetch(server.port(), "GET", path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->result_int(), 404) << path;
    EXPECT_EQ(response->body().find("outside"), std::string::npos) << path;
  }
  auto nul = fetch(server.port(), "GET", "/index.html%00.js");
  ASSERT_TRUE(nul);
  EXPECT_EQ(nul->result_int(), 400);
}

TEST_F(StaticFilesTest, HeadAndOtherMethods) {
  TestServer server(load().handler());
  auto head = fetch(server.port(), "HEAD", "/style.css");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->result_int(), 200);
  EXPECT_EQ(head->at(http::field::content_length), "6");
  EXPECT_EQ(head->body(), "");
  auto post = fetch(server.port(), "POST", "/style.css");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->result_int(), 405);
  EXPECT_EQ(post->at(http::field::allow), "GET, HEAD");
}

TEST_F(StaticFilesTest, WorksAsTheRoutersFallback) {
  Router router;
  router.get("/api/v1/ping", [](Exchange& ex) -> boost::asio::awaitable<void> {
    ex.respond(200, "pong");
    co_return;
  });
  router.set_fallback(load().handler());
  TestServer server(router.handler());
  EXPECT_EQ(fetch(server.port(), "GET", "/api/v1/ping")->body(), "pong");
  EXPECT_EQ(fetch(server.port(), "GET", "/style.css")->body(), "body{}");
  EXPECT_EQ(fetch(server.port(), "GET", "/nope")->result_int(), 404);
}

TEST_F(StaticFilesTest, LoadRefusesAMissingFolderOrTooMuch) {
  auto missing = StaticFiles::load((base_ / "nope").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kConfig);
  EXPECT_NE(missing.error().message.find("paths.web_dir"), std::string::npos);

  StaticFilesOptions small;
  small.max_total_bytes = 10;
  auto too_big = StaticFiles::load(root_.string(), small);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message.find("paths.web_dir"), std::string::npos);
}

TEST_F(StaticFilesTest, LoadsOnlyRegularFilesInside) {
  StaticFiles files = load();
  // index.html, js/app.js, style.css, logo.svg, openapi.json, font.woff2, blob.bin,
  // docs/index.html, alias.js — not .env, node_modules, leak.txt or up/.
  EXPECT_EQ(files.file_count(), 9u);
}

}  // namespace
}  // namespace askdb::server
