// Where a fuzz target cuts its input to feed it in pieces: split points derived from the input
// itself (a hash of its bytes seeds a small generator), so a crash reproduces from the input file
// alone and every mutation of the input also moves the cuts.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace askdb::fuzz {

// Increasing offsets in (0, data.size()): 1 to 16 cuts, plus one every `stride` bytes when the
// hash picks a stride (so some runs feed in tiny, regular pieces).
inline std::vector<size_t> cuts_for(std::string_view data) {
  std::vector<size_t> cuts;
  if (data.size() < 2) return cuts;
  uint64_t state = 0xcbf29ce484222325ull;  // FNV-1a
  for (char c : data) state = (state ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  auto next = [&state] {  // xorshift64*
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dull;
  };
  const uint64_t stride = next() % 8;  // 0: no regular cuts
  if (stride > 0) {
    for (size_t at = stride; at < data.size(); at += stride) cuts.push_back(at);
    return cuts;
  }
  const size_t count = 1 + next() % 16;
  for (size_t i = 0; i < count; ++i) cuts.push_back(1 + next() % (data.size() - 1));
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

// Calls feed(piece) for each piece of `data` between `cuts`; stops when feed returns false.
template <class Feed>
void feed_in_pieces(std::string_view data, const std::vector<size_t>& cuts, Feed&& feed) {
  size_t at = 0;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const size_t end = i < cuts.size() ? cuts[i] : data.size();
    if (!feed(data.substr(at, end - at))) return;
    at = end;
  }
}

}  // namespace askdb::fuzz
