// Prometheus' text exposition format 0.0.4 read back, for tests of GET /metrics: a strict
// line-by-line check of what a Prometheus server would refuse or misread (names, label syntax
// and escapes, values, HELP and TYPE at most once per family and before its samples, a
// family's lines together, no series twice, histograms with cumulative buckets ending in
// le="+Inf" that equals _count, and a _sum), and the samples it holds. Pure functions;
// thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace askdb::testing {

struct PromSample {
  std::string name;                           // as written: "x_bucket", "x_total"
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct PromText {
  std::vector<std::string> problems;         // "line 12: ...", empty when the text is valid
  std::vector<PromSample> samples;           // in order
  std::map<std::string, std::string> types;  // family → "counter", "gauge", "histogram"...
  std::map<std::string, std::string> help;   // family → its HELP text, unescaped

  // The value of the series `name` with exactly these labels; nullopt when there is none.
  std::optional<double> value(std::string_view name,
                              const std::map<std::string, std::string>& labels = {}) const;
  // The sum over the series of `name` whose labels include `labels` (0 when none match).
  double sum(std::string_view name, const std::map<std::string, std::string>& labels = {}) const;
  // Whether any sample of `name` has labels including `labels`.
  bool has(std::string_view name, const std::map<std::string, std::string>& labels = {}) const;
};

PromText parse_prometheus_text(std::string_view text);

}  // namespace askdb::testing
