// The built-in embedder: texts as vectors with no model files and no network, askdb's default
// for the schema index (retrieval/schema_vectors.h) and the fallback when no embedding provider
// is configured.
//
// A text is split into words (identifiers too: "OrderItems" → order items), English stop words
// are dropped, and each word adds to the vector, by feature hashing (a 64-bit FNV-1a hash picks
// a dimension and a sign):
//   - its Snowball (Porter 2) stem, weight 1: "shipped" and "shipments" → ship;
//   - its character trigrams, with ^ and $ at the ends, together weight `trigram_weight`: close
//     spellings and compounds ("highschooler" ~ "high school") share some;
//   - with a WordNet (retrieval/wordnet.h), the stems of its first sense's synonyms, weight
//     `synonym_weight` ("nations" → country, state, land).
// The vector is scaled to unit length, so a dot product is the cosine similarity; a text with
// no word gets an empty vector (like a blank text from a provider embedder).
//
// It implements llm::Embedder, so indexing takes it or a provider embedder alike; start()
// finishes inside the call (on_done runs on the caller's thread). embed_text() is the
// synchronous form for embedding a question at query time.
//
// Immutable after construction; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "llm/embedder.h"
#include "retrieval/wordnet.h"

namespace askdb::retrieval {

struct BuiltinEmbedderOptions {
  size_t dimensions = 512;
  double trigram_weight = 0.5;
  double synonym_weight = 0.5;
  std::shared_ptr<const WordNet> wordnet;  // null or unavailable: no synonyms
};

class BuiltinEmbedder final : public llm::Embedder {
 public:
  explicit BuiltinEmbedder(BuiltinEmbedderOptions options = {});

  std::string describe() const override;
  // "askdb-hash-v1" and its settings: vectors of two models never mix in one index.
  std::string model() const override;
  size_t dimensions() const override { return options_.dimensions; }
  std::shared_ptr<llm::Call> start(std::vector<std::string> texts,
                                   llm::EmbeddingsHandler on_done) override;

  // `text` as a unit vector of dimensions() floats; empty when it holds no word.
  std::vector<float> embed_text(std::string_view text) const;

 private:
  BuiltinEmbedderOptions options_;
};

// The lower-case words of `text` an embedder or a search should weigh: identifiers split
// (identifier_words), English stop words ("the", "which", "many" ...) left out.
std::vector<std::string> content_words(std::string_view text);

// The Snowball English stem of a lower-case word ("countries" → countri).
std::string english_stem(std::string_view word);

}  // namespace askdb::retrieval
