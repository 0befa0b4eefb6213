// The built-in embedder (retrieval/builtin_embedder.h): unit vectors of hashed stems, character
// trigrams and, with WordNet, synonyms; the same text gives the same vector.
#include "retrieval/builtin_embedder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "support/temp_home.h"

namespace askdb::retrieval {
namespace {

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}

TEST(BuiltinEmbedder, UnitVectorsOfTheConfiguredLengthSameTextSameVector) {
  BuiltinEmbedderOptions options;
  options.dimensions = 128;
  const BuiltinEmbedder embedder(options);
  EXPECT_EQ(embedder.dimensions(), 128u);
  const auto v = embedder.embed_text("How many orders shipped last week?");
  ASSERT_EQ(v.size(), 128u);
  EXPECT_NEAR(dot(v, v), 1.0, 1e-5);
  EXPECT_EQ(embedder.embed_text("How many orders shipped last week?"), v);
  // Nothing but stop words, or nothing at all: no vector.
  EXPECT_TRUE(embedder.embed_text("which of the").empty());
  EXPECT_TRUE(embedder.embed_text("").empty());
}

TEST(BuiltinEmbedder, IdentifiersAreSplitAndWordsStemmed) {
  const BuiltinEmbedder embedder;
  // "OrderItems" is the words "order items"; case does not matter.
  EXPECT_NEAR(dot(embedder.embed_text("OrderItems"), embedder.embed_text("order items")), 1.0,
              1e-5);
  // Stemmed: "shipped" and "shipping" are one word; "invoices" is another.
  const BuiltinEmbedderOptions stems_only{256, 0.0, 0.0, nullptr};
  const BuiltinEmbedder stems(stems_only);
  EXPECT_NEAR(dot(stems.embed_text("shipped"), stems.embed_text("shipping")), 1.0, 1e-5);
  EXPECT_LT(std::abs(dot(stems.embed_text("shipped"), stems.embed_text("invoices"))), 0.2);
  EXPECT_EQ(english_stem("countries"), "countri");
  EXPECT_EQ(content_words("How many HighSchoolers are there?"),
            (std::vector<std::string>{"high", "schoolers"}));
}

TEST(BuiltinEmbedder, CharacterTrigramsRelateCloseSpellings) {
  // "shipment" and "shipping" have different stems; only their trigrams (^sh, shi, hip) meet.
  const BuiltinEmbedder with({256, 0.5, 0.0, nullptr});
  const BuiltinEmbedder without({256, 0.0, 0.0, nullptr});
  EXPECT_GT(dot(with.embed_text("shipments"), with.embed_text("shipping")), 0.05);
  EXPECT_LT(std::abs(dot(without.embed_text("shipments"), without.embed_text("shipping"))), 0.01);
}

TEST(BuiltinEmbedder, WordNetSynonymsBringWordsTogether) {
  testing::TempHome home("askdb-wordnet");
  // A WordNet database of one noun synset: state, nation, country (byte offsets are real).
  std::string data = "  1 This software and database is being provided\n";
  const size_t offset = data.size();
  char line[160];
  std::snprintf(line, sizeof line,
                "%08zu 14 n 03 state 0 nation 0 country 0 000 | a politically organized body\n",
                offset);
  data += line;
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(home.path() + "/" + name) << text;
  };
  write("data.noun", data);
  char index[96];
  std::string index_noun = "  1 licence\n";
  for (const char* lemma : {"country", "nation", "state"}) {
    std::snprintf(index, sizeof index, "%s n 1 0 1 0 %08zu  \n", lemma, offset);
    index_noun += index;
  }
  write("index.noun", index_noun);
  write("noun.exc", "");
  write("index.verb", "  1 licence\n");
  write("data.verb", "  1 licence\n");
  const auto wordnet = WordNet::load(home.path());
  ASSERT_TRUE(wordnet->available());
  EXPECT_EQ(wordnet->synonyms("nations"), (std::vector<std::string>{"state", "country"}));

  const BuiltinEmbedder plain({256, 0.0, 0.5, nullptr});
  const BuiltinEmbedder synonyms({256, 0.0, 0.5, wordnet});
  EXPECT_LT(std::abs(dot(plain.embed_text("nations"), plain.embed_text("country"))), 0.05);
  EXPECT_GT(dot(synonyms.embed_text("nations"), synonyms.embed_text("country")), 0.3);
  EXPECT_NE(synonyms.model(), plain.model());
}

TEST(BuiltinEmbedder, StartAnswersAtOnceInOrder) {
  BuiltinEmbedder embedder;
  auto result = embedder.embed({"customers", "  ", "order items"});
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->vectors.size(), 3u);
  EXPECT_EQ(result->vectors[0], embedder.embed_text("customers"));
  EXPECT_TRUE(result->vectors[1].empty());
  EXPECT_EQ(result->vectors[2], embedder.embed_text("order items"));
}

}  // namespace
}  // namespace askdb::retrieval
