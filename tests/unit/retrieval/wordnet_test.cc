// WordNet (retrieval/wordnet.h): optional synonyms. Without the database nothing is found and
// nothing fails; with Debian's wordnet-base, everyday synonyms are found from inflected words.
#include "retrieval/wordnet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace askdb::retrieval {
namespace {

bool has(const std::vector<std::string>& words, const std::string& word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

TEST(WordNet, AbsentDatabaseGivesNoSynonymsAndNoError) {
  const auto wordnet = WordNet::load("/nonexistent/wordnet");
  ASSERT_NE(wordnet, nullptr);
  EXPECT_FALSE(wordnet->available());
  EXPECT_TRUE(wordnet->synonyms("nations").empty());
}

TEST(WordNet, DebianDatabaseFindsSynonymsOfInflectedWords) {
  if (!std::filesystem::exists(std::string(WordNet::kDefaultDir) + "/index.noun")) {
    GTEST_SKIP() << "wordnet-base is not installed";
  }
  const auto wordnet = WordNet::load();
  ASSERT_TRUE(wordnet->available());
  EXPECT_TRUE(has(wordnet->synonyms("nations"), "country"));  // -s
  EXPECT_TRUE(has(wordnet->synonyms("stores"), "shop"));
  EXPECT_TRUE(has(wordnet->synonyms("countries"), "nation"));  // -ies → -y
  const auto own = wordnet->synonyms("country");
  EXPECT_FALSE(has(own, "country"));
  EXPECT_FALSE(has(own, "res_publica"));  // single words only
  EXPECT_TRUE(wordnet->synonyms("xyzzyq").empty());
}

}  // namespace
}  // namespace askdb::retrieval
