// WordNet: synonyms of English words, read from Princeton WordNet's database files (Debian's
// wordnet-base puts them in /usr/share/wordnet), for retrieval to find a table the question
// names with another word ("nations" → country, "stores" → shop).
//
// Optional by design: WordNet::load() of a folder without the files gives an empty WordNet
// whose synonyms() are always empty, never an error. Only nouns and verbs are read (index.noun,
// data.noun, noun.exc and the same for verbs); a word is first brought to its base form the way
// WordNet's own morphy() does (exception lists, then suffix rules: "countries" → country).
//
// Immutable after load(); thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace askdb::retrieval {

class WordNet {
 public:
  // Where Debian's wordnet-base installs the database.
  static constexpr const char* kDefaultDir = "/usr/share/wordnet";

  // Reads the database in `dir`; an empty WordNet when the files are missing or unreadable.
  static std::shared_ptr<const WordNet> load(const std::string& dir = kDefaultDir);

  // True when the database was read.
  bool available() const { return !index_.empty(); }

  // The single-word synonyms of `word` (lower case, ASCII) in the first `senses` senses of each
  // part of speech, nouns first, in WordNet's order, without `word`'s own base form and without
  // repeats. Empty when the word is unknown or WordNet is not available.
  std::vector<std::string> synonyms(std::string_view word, size_t senses = 1) const;

 private:
  struct Pos {
    std::string data;  // data.<pos>, whole: a synset's offset is its byte offset here
    std::unordered_map<std::string, std::string> exceptions;  // inflected form → base form
  };
  // The base forms of `word` that the part of speech's index holds.
  std::vector<std::string> base_forms(const Pos& pos, char tag, const std::string& word) const;

  std::vector<Pos> pos_;  // noun, verb
  // "n:word" / "v:word" → the offsets of its synsets, most frequent sense first.
  std::unordered_map<std::string, std::vector<size_t>> index_;
};

}  // namespace askdb::retrieval
