#include "retrieval/wordnet.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

WordNet::Mapped::~Mapped() {
  if (data_ != nullptr) munmap(const_cast<char*>(data_), size_);
}

bool WordNet::Mapped::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool ok = fstat(fd, &st) == 0;
  if (ok && st.st_size > 0) {
    void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    ok = p != MAP_FAILED;
    if (ok) {
      data_ = static_cast<const char*>(p);
      size_ = static_cast<size_t>(st.st_size);
    }
  }
  ::close(fd);
  return ok;
}

std::shared_ptr<const WordNet> WordNet::load(const std::string& dir) {
  auto wn = std::make_shared<WordNet>();
  const std::pair<const char*, char> parts[] = {{"noun", 'n'}, {"verb", 'v'}};
  std::vector<std::unique_ptr<Pos>> pos;
  for (const auto& [name, tag] : parts) {
    auto p = std::make_unique<Pos>();
    p->tag = tag;
    if (!p->index.open(dir + "/index." + name) || !p->data.open(dir + "/data." + name)) {
      return wn;  // not installed: no synonyms
    }
    (void)p->exceptions.open(dir + "/" + name + ".exc");  // optional; may be empty
    pos.push_back(std::move(p));
  }
  wn->pos_ = std::move(pos);
  return wn;
}

namespace {

// The line of sorted `file` whose first word is `key`; empty when none. Lines before the first
// entry (the licence) start with a space: their first word is empty and sorts first.
std::string_view find_line(std::string_view file, std::string_view key) {
  size_t lo = 0;
  size_t hi = file.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const size_t newline = mid == 0 ? std::string_view::npos : file.rfind('\n', mid - 1);
    const size_t start = newline == std::string_view::npos ? 0 : newline + 1;
    size_t end = file.find('\n', start);
    if (end == std::string_view::npos) end = file.size();
    const std::string_view line = file.substr(start, end - start);
    const std::string_view first = line.substr(0, line.find(' '));
    if (first == key) return line;
    if (first < key) {
      lo = end + 1;
    } else {
      hi = start;
    }
  }
  return {};
}

}  // namespace

std::vector<size_t> WordNet::offsets(const Pos& pos, std::string_view lemma) {
  std::vector<size_t> out;
  const std::string_view line = find_line(pos.index.text(), lemma);
  if (line.empty()) return out;
  // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
  std::istringstream f{std::string(line)};
  std::string token;
  size_t synsets = 0, pointers = 0;
  if (!(f >> token >> token >> synsets >> pointers)) return out;
  for (size_t i = 0; i < pointers; ++i) f >> token;
  f >> token >> token;  // sense_cnt, tagsense_cnt
  while (out.size() < synsets && f >> token) {
    out.push_back(static_cast<size_t>(std::strtoull(token.c_str(), nullptr, 10)));
  }
  return out;
}

std::vector<std::string> WordNet::base_forms(const Pos& pos, const std::string& word) {
  std::vector<std::string> out;
  const auto add = [&](const std::string& w) {
    if (!find_line(pos.index.text(), w).empty() &&
        std::find(out.begin(), out.end(), w) == out.end()) {
      out.push_back(w);
    }
  };
  // "inflected base [base...]"
  const std::string_view exception = find_line(pos.exceptions.text(), word);
  if (!exception.empty()) {
    std::istringstream f{std::string(exception)};
    std::string inflected, base;
    if (f >> inflected >> base) add(base);
  }
  add(word);
  if (out.empty()) {
    for (const auto& [from, to] :
         pos.tag == 'n' ? std::vector<Suffix>(std::begin(kNounSuffixes), std::end(kNounSuffixes))
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
  std::vector<std::string> own;
  for (const auto& pos : pos_) {
    const std::string_view data = pos->data.text();
    for (const std::string& base : base_forms(*pos, w)) {
      own.push_back(base);
      const std::vector<size_t> found = offsets(*pos, base);
      for (size_t s = 0; s < found.size() && s < senses; ++s) {
        // offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] ...
        if (found[s] >= data.size()) continue;
        size_t end = data.find('\n', found[s]);
        if (end == std::string_view::npos) end = data.size();
        std::istringstream f{std::string(data.substr(found[s], end - found[s]))};
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
