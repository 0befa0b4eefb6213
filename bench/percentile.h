// The p-th percentile (0..1) of a sample, nearest rank; 0 for an empty sample. Shared by the
// bench programs.
#pragma once

#include <algorithm>
#include <vector>

namespace askdb::bench {

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i =
      std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace askdb::bench
