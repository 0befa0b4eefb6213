#include <gtest/gtest.h>

#include "core/text.h"
#include "store/conversations.h"

namespace askdb::store {
namespace {

size_t chars(const std::string& s) {
  size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

TEST(StoreTitleTest, FirstLineTrimmed) {
  EXPECT_EQ(title_from_question("How many orders?"), "How many orders?");
  EXPECT_EQ(title_from_question("  How many orders?  \nBy month, please."), "How many orders?");
  EXPECT_EQ(title_from_question("\n\n  \r\n\tTop customers\r\nin 2025"), "Top customers");
  EXPECT_EQ(title_from_question(""), "");
  EXPECT_EQ(title_from_question(" \n \n"), "");
}

TEST(StoreTitleTest, LongQuestionsAreCutOnACharacterBoundary) {
  const std::string exactly80(80, 'x');
  EXPECT_EQ(title_from_question(exactly80), exactly80);
  const std::string title = title_from_question(std::string(81, 'x'));
  EXPECT_EQ(title, std::string(79, 'x') + "\xE2\x80\xA6");
  EXPECT_EQ(chars(title), kTitleMaxChars);

  // 100 two-byte characters: cut at 79 characters (158 bytes), never inside one.
  std::string umlauts;
  for (int i = 0; i < 100; ++i) umlauts += "\xC3\xA4";
  const std::string cut = title_from_question(umlauts);
  EXPECT_TRUE(is_valid_utf8(cut));
  EXPECT_EQ(chars(cut), kTitleMaxChars);
  EXPECT_EQ(cut.size(), 79u * 2 + 3);

  // Four-byte characters (emoji) likewise.
  std::string emoji;
  for (int i = 0; i < 90; ++i) emoji += "\xF0\x9F\x93\x88";
  const std::string cut4 = title_from_question(emoji);
  EXPECT_TRUE(is_valid_utf8(cut4));
  EXPECT_EQ(chars(cut4), kTitleMaxChars);
}

TEST(StoreTitleTest, NoBlankBeforeTheEllipsis) {
  const std::string q = std::string(78, 'x') + " and then some more words";
  EXPECT_EQ(title_from_question(q), std::string(78, 'x') + "\xE2\x80\xA6");
}

TEST(StoreTitleTest, InvalidUtf8IsReplacedNotPassedOn) {
  const std::string title = title_from_question("sales in S\xE3o Paulo");
  EXPECT_TRUE(is_valid_utf8(title));
  EXPECT_EQ(title, "sales in S\xEF\xBF\xBDo Paulo");
}

}  // namespace
}  // namespace askdb::store
