// Request targets: splitting, percent-decoding and what is refused.

#include "server/request_target.h"

#include <gtest/gtest.h>

namespace askdb::server {
namespace {

TEST(HttpRequestTargetTest, SplitsAndDecodesPathAndQuery) {
  auto target = parse_request_target("/a%20b/c%2Fd?x=1&y=two+words&z=%26&flag&&=v");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->raw_path, "/a%20b/c%2Fd");
  EXPECT_EQ(target->path, "/a b/c/d");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"x", "1"}, {"y", "two words"}, {"z", "&"}, {"flag", ""}, {"", "v"}};
  EXPECT_EQ(target->query, expected);
}

TEST(HttpRequestTargetTest, PlusIsASpaceOnlyInTheQuery) {
  auto target = parse_request_target("/a+b?q=a+b");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->path, "/a+b");
  EXPECT_EQ(target->query[0].second, "a b");
}

TEST(HttpRequestTargetTest, AbsoluteFormKeepsThePath) {
  auto target = parse_request_target("http://example.com:8080/x/y?z=1");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->path, "/x/y");
  EXPECT_EQ(target->query.size(), 1u);
  auto bare = parse_request_target("HTTP://example.com");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->path, "/");
}

TEST(HttpRequestTargetTest, RefusesMalformedTargets) {
  for (const char* bad :
       {"", "x", "*", "/bad%zz", "/bad%2", "/bad%", "/nul%00", "/q?x=%00", "/frag#x"}) {
    EXPECT_FALSE(parse_request_target(bad)) << bad;
  }
}

TEST(HttpRequestTargetTest, PercentDecode) {
  EXPECT_EQ(percent_decode("%41%62c", false), "Abc");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_FALSE(percent_decode("%4", false));
  EXPECT_FALSE(percent_decode("%00", false));
}

}  // namespace
}  // namespace askdb::server
