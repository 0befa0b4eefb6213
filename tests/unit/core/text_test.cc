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

}  // namespace
}  // namespace askdb
