#include "support/fake_embedding.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>

namespace askdb::test {

std::vector<float> fake_embedding(std::string_view text, size_t dimensions) {
  std::vector<float> v(dimensions == 0 ? 1 : dimensions, 0.0f);
  std::string word;
  const auto add_word = [&] {
    if (word.empty()) return;
    uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (const char c : word) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
    for (int k = 0; k < 3; ++k) {
      const size_t at = static_cast<size_t>((h >> (k * 16)) % v.size());
      v[at] += ((h >> (48 + k)) & 1) != 0 ? 1.0f : -1.0f;
    }
    word.clear();
  };
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || (c & 0x80) != 0) {
      word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      add_word();
    }
  }
  add_word();
  double sum = 0;
  for (const float x : v) sum += static_cast<double>(x) * x;
  if (sum == 0) {
    v[0] = 1.0f;
    sum = 1;
  }
  const double scale = 3.0 / std::sqrt(sum);
  for (float& x : v) x = static_cast<float>(x * scale);
  return v;
}

}  // namespace askdb::test
