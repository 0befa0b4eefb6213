#include "retrieval/builtin_embedder.h"

#include <libstemmer.h>

#include <cmath>
#include <cstdint>
#include <set>

#include "core/text.h"
#include "retrieval/schema_index.h"

namespace askdb::retrieval {
namespace {

// Words a question is made of that say nothing about which table it needs.
const std::set<std::string, std::less<>>& stop_words() {
  static const std::set<std::string, std::less<>> words = {
      "a",      "about", "all",  "also",  "an",    "and",   "any",   "are",   "as",   "at",
      "be",     "been",  "but",  "by",    "can",   "could", "did",   "do",    "does", "each",
      "either", "for",   "from", "give",  "had",   "has",   "have",  "he",    "her",  "his",
      "how",    "i",     "if",   "in",    "into",  "is",    "it",    "its",   "list", "many",
      "me",     "much",  "my",   "of",    "on",    "one",   "or",    "our",   "out",  "please",
      "return", "s",     "she",  "show",  "so",    "some",  "tell",  "than",  "that", "the",
      "their",  "them",  "then", "there", "these", "they",  "this",  "those", "to",   "us",
      "was",    "we",    "were", "what",  "when",  "where", "which", "while", "who",  "whom",
      "whose",  "why",   "will", "with",  "would", "you",   "your"};
  return words;
}

void add_feature(std::vector<float>& v, std::string_view feature, double weight) {
  const uint64_t h = fnv1a64(feature);
  const size_t i = static_cast<size_t>(h % v.size());
  v[i] += static_cast<float>((h >> 63) != 0 ? -weight : weight);
}

class DoneCall final : public llm::Call {
 public:
  void cancel() override {}
};

}  // namespace

std::vector<std::string> content_words(std::string_view text) {
  std::vector<std::string> words = split(identifier_words(text), ' ');
  std::erase_if(words, [](const std::string& w) { return w.empty() || stop_words().count(w) > 0; });
  return words;
}

std::string english_stem(std::string_view word) {
  // A stemmer is not thread-safe; one per thread is cheap and lives as long as the thread.
  thread_local std::unique_ptr<sb_stemmer, void (*)(sb_stemmer*)> stemmer(
      sb_stemmer_new("english", nullptr), sb_stemmer_delete);
  if (!stemmer) return std::string(word);
  const sb_symbol* s =
      sb_stemmer_stem(stemmer.get(), reinterpret_cast<const sb_symbol*>(word.data()),
                      static_cast<int>(word.size()));
  if (s == nullptr) return std::string(word);
  return std::string(reinterpret_cast<const char*>(s),
                     static_cast<size_t>(sb_stemmer_length(stemmer.get())));
}

BuiltinEmbedder::BuiltinEmbedder(BuiltinEmbedderOptions options) : options_(std::move(options)) {
  if (options_.dimensions == 0) options_.dimensions = 1;
}

std::string BuiltinEmbedder::describe() const {
  return "built-in (hashed word stems and character trigrams" +
         std::string(options_.wordnet && options_.wordnet->available() ? ", WordNet synonyms"
                                                                       : "") +
         ", " + std::to_string(options_.dimensions) + " dimensions)";
}

std::string BuiltinEmbedder::model() const {
  char settings[96];
  std::snprintf(settings, sizeof settings, "askdb-hash-v1 d%zu t%.2f s%.2f%s", options_.dimensions,
                options_.trigram_weight, options_.synonym_weight,
                options_.wordnet && options_.wordnet->available() ? " wordnet" : "");
  return settings;
}

std::vector<float> BuiltinEmbedder::embed_text(std::string_view text) const {
  const std::vector<std::string> words = content_words(text);
  if (words.empty()) return {};
  std::vector<float> v(options_.dimensions, 0.0f);
  for (const std::string& w : words) {
    add_feature(v, "w:" + english_stem(w), 1.0);
    if (options_.trigram_weight > 0) {
      const std::string padded = "^" + w + "$";
      const size_t n = padded.size() - 2;
      const double each = options_.trigram_weight / std::sqrt(static_cast<double>(n));
      for (size_t i = 0; i + 3 <= padded.size(); ++i) {
        add_feature(v, "t:" + padded.substr(i, 3), each);
      }
    }
    if (options_.wordnet && options_.synonym_weight > 0) {
      for (const std::string& s : options_.wordnet->synonyms(w, 1)) {
        add_feature(v, "w:" + english_stem(s), options_.synonym_weight);
      }
    }
  }
  llm::normalize(v);
  return v;
}

std::shared_ptr<llm::Call> BuiltinEmbedder::start(std::vector<std::string> texts,
                                                  llm::EmbeddingsHandler on_done) {
  llm::Embeddings out;
  out.vectors.reserve(texts.size());
  for (const auto& t : texts) {
    out.vectors.push_back(embed_text(t));
    out.tokens += static_cast<int64_t>((t.size() + 3) / 4);
  }
  on_done(std::move(out));
  return std::make_shared<DoneCall>();
}

}  // namespace askdb::retrieval
