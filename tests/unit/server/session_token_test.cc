#include "server/session_token.h"

#include <gtest/gtest.h>

#include <set>

namespace askdb::server {
namespace {

TEST(SessionTokenTest, TokenIs32RandomBytesInBase64Url) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string token = new_token();
    ASSERT_EQ(token.size(), 43u) << token;  // 32 bytes, no padding
    EXPECT_EQ(
        token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << token;
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(SessionTokenTest, HashIsSha256Hex) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(token_hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string token = new_token();
  EXPECT_EQ(token_hash(token), token_hash(token));
  EXPECT_NE(token_hash(token), token_hash(new_token()));
  EXPECT_EQ(token_hash(token).size(), 64u);
}

TEST(SessionTokenTest, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("same secret", "same secret"));
  EXPECT_FALSE(constant_time_equal("same secret", "same secreT"));
  EXPECT_FALSE(constant_time_equal("Same secret", "same secret"));
  EXPECT_FALSE(constant_time_equal("short", "shorter"));
  EXPECT_FALSE(constant_time_equal("", "x"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace askdb::server
