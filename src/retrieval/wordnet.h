// WordNet: synonyms of English words, read from Princeton WordNet's database files (Debian's
// wordnet-base puts them in /usr/share/wordnet), for retrieval to find a table the question
// names with another word ("nations" → country, "stores" → shop).
//
// Optional by design: WordNet::load() of a folder without the files gives an empty WordNet
// whose synonyms() are always empty, never an error. Only nouns and verbs are read (index.noun,
// data.noun, noun.exc and the same for verbs); a word is first brought to its base form the way
// WordNet's own morphy() does (exception lists, then suffix rules: "countries" → country).
//
// The files are mapped into memory and searched (they are sorted), not read: loading costs
// nothing, which matters to a one-question `askdb ask`. Immutable after load(); thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace askdb::retrieval {

class WordNet {
 public:
  // Where Debian's wordnet-base installs the database.
  static constexpr const char* kDefaultDir = "/usr/share/wordnet";

  // Reads the database in `dir`; an empty WordNet when the files are missing or unreadable.
  static std::shared_ptr<const WordNet> load(const std::string& dir = kDefaultDir);

  // True when the database was read.
  bool available() const { return !pos_.empty(); }

  // The single-word synonyms of `word` (lower case, ASCII) in the first `senses` senses of each
  // part of speech, nouns first, in WordNet's order, without `word`'s own base form and without
  // repeats. Empty when the word is unknown or WordNet is not available.
  std::vector<std::string> synonyms(std::string_view word, size_t senses = 1) const;

 private:
  // A database file mapped into memory (read-only, shared with the page cache): nothing is read
  // at load, and a lookup touches a few pages.
  class Mapped {
   public:
    Mapped() = default;
    Mapped(const Mapped&) = delete;
    Mapped& operator=(const Mapped&) = delete;
    ~Mapped();
    bool open(const std::string& path);
    std::string_view text() const { return {data_, size_}; }

   private:
    const char* data_ = nullptr;
    size_t size_ = 0;
  };
  struct Pos {
    char tag;           // 'n', 'v'
    Mapped index;       // index.<pos>: "lemma pos synset_cnt ..." lines, sorted by lemma
    Mapped data;        // data.<pos>: a synset's offset is its byte offset here
    Mapped exceptions;  // <pos>.exc: "inflected base..." lines, sorted
  };
  // The synset offsets of `lemma` in `pos`, most frequent sense first; empty when unknown.
  static std::vector<size_t> offsets(const Pos& pos, std::string_view lemma);
  // The base forms of `word` that the part of speech's index holds.
  static std::vector<std::string> base_forms(const Pos& pos, const std::string& word);
  std::vector<std::unique_ptr<Pos>> pos_;  // noun, verb; empty when not installed
};

}  // namespace askdb::retrieval
