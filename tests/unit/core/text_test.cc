#include "core/text.h"

#include <gtest/gtest.h>

namespace askdb {
namespace {

TEST(Utf8, ValidAndInvalid) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("São Paulo, Zürich, 東京, 🙂"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // cut short
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(Text, TrimSplitLower) {
  EXPECT_EQ(trim("  a b \n"), "a b");
  EXPECT_EQ(trim(" \t "), "");
  EXPECT_EQ(split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(to_lower("SeLeCt"), "select");
  EXPECT_TRUE(starts_with_icase("SELECT 1", "select"));
}

TEST(Text, Utf8PrefixNeverSplitsACharacter) {
  EXPECT_EQ(utf8_prefix("São", 2), "S");  // "ã" is two bytes
  EXPECT_EQ(utf8_prefix("São", 3), "Sã");
  EXPECT_EQ(utf8_prefix("abc", 10), "abc");
  EXPECT_TRUE(is_valid_utf8(utf8_prefix("東京東京", 5)));
}

TEST(Text, Fnv1a64MatchesThePublishedVectorsAndContinues) {
  // From the FNV reference test suite (Landon Curt Noll's fnv_test.c).
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
  EXPECT_EQ(fnv1a64("bar", fnv1a64("foo")), fnv1a64("foobar"));
}

}  // namespace
}  // namespace askdb
