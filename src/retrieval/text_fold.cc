#include "retrieval/text_fold.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

#include "core/text.h"

namespace askdb::retrieval {
namespace {

struct Fold {
  uint32_t code_point;
  const char* to;
};

constexpr Fold kFolds[] = {
#include "retrieval/text_fold_table.inc"
};

uint32_t decode(std::string_view s, size_t i, size_t n) {
  const auto byte = [&](size_t k) {
    return static_cast<uint32_t>(static_cast<unsigned char>(s[k]));
  };
  switch (n) {
    case 1:
      return byte(i);
    case 2:
      return ((byte(i) & 0x1F) << 6) | (byte(i + 1) & 0x3F);
    case 3:
      return ((byte(i) & 0x0F) << 12) | ((byte(i + 1) & 0x3F) << 6) | (byte(i + 2) & 0x3F);
    default:
      return ((byte(i) & 0x07) << 18) | ((byte(i + 1) & 0x3F) << 12) | ((byte(i + 2) & 0x3F) << 6) |
             (byte(i + 3) & 0x3F);
  }
}

bool in(uint32_t c, uint32_t lo, uint32_t hi) { return c >= lo && c <= hi; }

// Characters that vanish: apostrophes (so "Men's" and "mens" meet), combining marks (text that
// arrives decomposed, "e" + U+0301), zero-width characters and variation selectors.
bool vanishes(uint32_t c) {
  return c == '\'' || c == '`' || c == 0x2018 || c == 0x2019 || c == 0x02BC || c == 0x00B4 ||
         in(c, 0x0300, 0x036F) || in(c, 0x1AB0, 0x1AFF) || in(c, 0x1DC0, 0x1DFF) ||
         in(c, 0x20D0, 0x20FF) || in(c, 0xFE20, 0xFE2F) || in(c, 0x200B, 0x200D) || c == 0x2060 ||
         c == 0xFEFF || in(c, 0xFE00, 0xFE0F);
}

// Characters that separate words: ASCII punctuation and symbols, Latin-1's, Unicode's
// punctuation, symbol, arrow, shape and emoji blocks, CJK and full-width punctuation.
bool separates(uint32_t c) {
  if (c < 0x80) {
    return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
  }
  return in(c, 0x0080, 0x00BF) || c == 0x00D7 || c == 0x00F7 || in(c, 0x02C2, 0x02FF) ||
         in(c, 0x2000, 0x2BFF) || in(c, 0x2E00, 0x2E7F) || in(c, 0x3000, 0x303F) ||
         in(c, 0xFE10, 0xFE1F) || in(c, 0xFE30, 0xFE6F) || in(c, 0xFF00, 0xFF0F) ||
         in(c, 0xFF1A, 0xFF20) || in(c, 0xFF3B, 0xFF40) || in(c, 0xFF5B, 0xFF65) ||
         in(c, 0x1F000, 0x1FAFF);
}

}  // namespace

std::string fold_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto space = [&out] {
    if (!out.empty() && out.back() != ' ') out += ' ';
  };
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_sequence_length(text, i);
    if (n == 0) {  // not UTF-8: a break
      space();
      ++i;
      continue;
    }
    const uint32_t c = decode(text, i, n);
    if (vanishes(c)) {
      // nothing
    } else if (separates(c)) {
      space();
    } else if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    } else {
      const auto* f = std::lower_bound(std::begin(kFolds), std::end(kFolds), c,
                                       [](const Fold& a, uint32_t b) { return a.code_point < b; });
      if (f != std::end(kFolds) && f->code_point == c) {
        out += f->to;
      } else {
        out.append(text.substr(i, n));
      }
    }
    i += n;
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> folded_words(std::string_view text) {
  std::vector<std::string> words = split(fold_text(text), ' ');
  std::erase_if(words, [](const std::string& w) { return w.empty(); });
  return words;
}

}  // namespace askdb::retrieval
