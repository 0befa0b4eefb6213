#include "retrieval/wordnet.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "core/text.h"

namespace askdb::retrieval {
namespace {

struct Suffix {
  const char* from;
  const char* to;
};

// WordNet's morphy() detachment rules (wndb(5WN), morphy(7WN)).
constexpr Suffix kNounSuffixes[] = {{"s", ""},      {"ses", "s"},   {"xes", "x"},   {"zes", "z"},
                                    {"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"}};
constexpr Suffix kVerbSuffixes[] = {{"s", ""},   {"ies", "y"}, {"es", "e"},  {"es", ""},
                                    {"ed", "e"}, {"ed", ""},   {"ing", "e"}, {"ing", ""}};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::shared_ptr<const WordNet> WordNet::load(const std::string& dir) {
  auto wn = std::make_shared<WordNet>();
  const char* names[] = {"noun", "verb"};
  const char tags[] = {'n', 'v'};
  std::vector<Pos> pos(2);
  std::unordered_map<std::string, std::vector<size_t>> index;
  for (size_t p = 0; p < 2; ++p) {
    std::string index_text, exceptions;
    if (!read_file(dir + "/index." + names[p], index_text) ||
        !read_file(dir + "/data." + names[p], pos[p].data)) {
      return wn;  // not installed: no synonyms
    }
    if (read_file(dir + "/" + names[p] + ".exc", exceptions)) {
      std::istringstream in(exceptions);
      std::string inflected, base;
      while (in >> inflected >> base) {
        pos[p].exceptions.emplace(inflected, base);
        in.ignore(1 << 20, '\n');
      }
    }
    // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
    std::istringstream lines(index_text);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == ' ') continue;  // the licence at the top
      std::istringstream f(line);
      std::string lemma, tag, token;
      size_t synsets = 0, pointers = 0;
      if (!(f >> lemma >> tag >> synsets >> pointers)) continue;
      for (size_t i = 0; i < pointers; ++i) f >> token;
      f >> token >> token;  // sense_cnt, tagsense_cnt
      std::vector<size_t> offsets;
      while (offsets.size() < synsets && f >> token) {
        offsets.push_back(static_cast<size_t>(std::strtoull(token.c_str(), nullptr, 10)));
      }
      index[std::string(1, tags[p]) + ":" + lemma] = std::move(offsets);
    }
  }
  wn->pos_ = std::move(pos);
  wn->index_ = std::move(index);
  return wn;
}

std::vector<std::string> WordNet::base_forms(const Pos& pos, char tag,
                                             const std::string& word) const {
  std::vector<std::string> out;
  const auto add = [&](const std::string& w) {
    if (index_.count(std::string(1, tag) + ":" + w) > 0 &&
        std::find(out.begin(), out.end(), w) == out.end()) {
      out.push_back(w);
    }
  };
  if (auto it = pos.exceptions.find(word); it != pos.exceptions.end()) add(it->second);
  add(word);
  if (out.empty()) {
    for (const auto& [from, to] :
         tag == 'n' ? std::vector<Suffix>(std::begin(kNounSuffixes), std::end(kNounSuffixes))
                    : std::vector<Suffix>(std::begin(kVerbSuffixes), std::end(kVerbSuffixes))) {
      if (ends_with(word, from)) {
        add(word.substr(0, word.size() - std::string_view(from).size()) + to);
      }
    }
  }
  return out;
}

std::vector<std::string> WordNet::synonyms(std::string_view word, size_t senses) const {
  std::vector<std::string> out;
  if (!available() || word.empty()) return out;
  const std::string w = to_lower(word);
  const char tags[] = {'n', 'v'};
  std::vector<std::string> own;
  for (size_t p = 0; p < pos_.size(); ++p) {
    for (const std::string& base : base_forms(pos_[p], tags[p], w)) {
      own.push_back(base);
      const auto& offsets = index_.at(std::string(1, tags[p]) + ":" + base);
      for (size_t s = 0; s < offsets.size() && s < senses; ++s) {
        // offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] ...
        if (offsets[s] >= pos_[p].data.size()) continue;
        const size_t end = pos_[p].data.find('\n', offsets[s]);
        std::istringstream f(pos_[p].data.substr(offsets[s], end - offsets[s]));
        std::string token, lemma, lex_id;
        f >> token >> token >> token >> token;
        const auto count = std::strtoul(token.c_str(), nullptr, 16);
        for (unsigned long i = 0; i < count && f >> lemma >> lex_id; ++i) {
          if (lemma.find_first_of("_-.'") != std::string::npos) continue;  // one word only
          if (const size_t paren = lemma.find('('); paren != std::string::npos) {
            lemma.resize(paren);  // "big(a)": an adjective's syntactic marker
          }
          lemma = to_lower(lemma);
          if (std::find(out.begin(), out.end(), lemma) == out.end()) out.push_back(lemma);
        }
      }
    }
  }
  std::erase_if(out, [&](const std::string& s) {
    return s == w || std::find(own.begin(), own.end(), s) != own.end();
  });
  return out;
}

}  // namespace askdb::retrieval
