#include "support/prometheus_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

namespace askdb::testing {
namespace {

bool name_char(char c, bool first, bool colons) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colons && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

// Reads a metric (colons allowed) or label name at `at`; "" when there is none.
std::string read_name(std::string_view line, size_t& at, bool colons) {
  const size_t start = at;
  while (at < line.size() && name_char(line[at], at == start, colons)) ++at;
  return std::string(line.substr(start, at - start));
}

// A float as Go's strconv.ParseFloat (what Prometheus uses) reads it.
std::optional<double> parse_value(std::string_view text) {
  if (text == "+Inf" || text == "Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return std::nan("");
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
      return std::nullopt;
    }
  }
  const std::string copy(text);
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || errno == ERANGE) return std::nullopt;
  return v;
}

// Unescapes a HELP text (\\ and \n) or a label value (\\, \" and \n); nullopt for any other
// escape.
std::optional<std::string> unescape(std::string_view text, bool quotes) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) return std::nullopt;
    if (text[i] == '\\') {
      out += '\\';
    } else if (text[i] == 'n') {
      out += '\n';
    } else if (quotes && text[i] == '"') {
      out += '"';
    } else {
      return std::nullopt;
    }
  }
  return out;
}

bool includes(const std::map<std::string, std::string>& labels,
              const std::map<std::string, std::string>& wanted) {
  for (const auto& [k, v] : wanted) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

std::string series_key(const std::string& name, const std::map<std::string, std::string>& labels) {
  std::string key = name + "{";
  for (const auto& [k, v] : labels) key += k + "=" + v + "\x1f";
  return key + "}";
}

// The family a sample belongs to: x for x_bucket / x_sum / x_count of a histogram (or
// summary) x, else its own name.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      const std::string base = name.substr(0, name.size() - suffix.size());
      auto it = types.find(base);
      if (it != types.end() &&
          (it->second == "histogram" || (it->second == "summary" && suffix != "_bucket"))) {
        return base;
      }
    }
  }
  return name;
}

}  // namespace

std::optional<double> PromText::value(std::string_view name,
                                      const std::map<std::string, std::string>& labels) const {
  for (const PromSample& s : samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return std::nullopt;
}

double PromText::sum(std::string_view name,
                     const std::map<std::string, std::string>& labels) const {
  double total = 0;
  for (const PromSample& s : samples) {
    if (s.name == name && includes(s.labels, labels)) total += s.value;
  }
  return total;
}

bool PromText::has(std::string_view name, const std::map<std::string, std::string>& labels) const {
  for (const PromSample& s : samples) {
    if (s.name == name && includes(s.labels, labels)) return true;
  }
  return false;
}

PromText parse_prometheus_text(std::string_view text) {
  PromText out;
  if (!text.empty() && text.back() != '\n')
    out.problems.push_back("the text does not end with \\n");

  std::set<std::string> families_done;  // families whose lines are over
  std::string current;                  // the family of the lines being read
  std::set<std::string> with_samples;   // families that had a sample
  std::set<std::string> series;
  auto enter = [&](const std::string& family, const std::string& where) {
    if (family == current) return;
    if (families_done.contains(family)) {
      out.problems.push_back(where + family + "'s lines are not all together");
    }
    if (!current.empty()) families_done.insert(current);
    current = family;
  };

  size_t number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    const std::string where = "line " + std::to_string(number) + ": ";
    if (line.empty()) continue;

    if (line[0] == '#') {
      const bool help = line.starts_with("# HELP ");
      const bool type = line.starts_with("# TYPE ");
      if (!help && !type) continue;  // a comment
      size_t at = 7;
      const std::string name = read_name(line, at, true);
      if (name.empty() || (at < line.size() && line[at] != ' ')) {
        out.problems.push_back(where + "a bad metric name after # HELP / # TYPE");
        continue;
      }
      const std::string_view rest = at < line.size() ? line.substr(at + 1) : std::string_view();
      enter(name, where);
      if (help) {
        if (out.help.contains(name)) out.problems.push_back(where + "a second HELP for " + name);
        auto unescaped = unescape(rest, false);
        if (!unescaped) out.problems.push_back(where + "a bad escape in HELP");
        out.help[name] = unescaped.value_or("");
      } else {
        if (out.types.contains(name)) out.problems.push_back(where + "a second TYPE for " + name);
        if (with_samples.contains(name)) {
          out.problems.push_back(where + "TYPE after samples of " + name);
        }
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (!kTypes.contains(std::string(rest))) {
          out.problems.push_back(where + "unknown type \"" + std::string(rest) + "\"");
        }
        out.types[name] = std::string(rest);
      }
      continue;
    }

    // name{label="value",...} value [timestamp]
    PromSample sample;
    size_t at = 0;
    sample.name = read_name(line, at, true);
    if (sample.name.empty()) {
      out.problems.push_back(where + "no metric name");
      continue;
    }
    bool bad = false;
    if (at < line.size() && line[at] == '{') {
      ++at;
      while (!bad && at < line.size() && line[at] != '}') {
        const std::string label = read_name(line, at, false);
        if (label.empty() || at + 1 >= line.size() || line[at] != '=' || line[at + 1] != '"') {
          bad = true;
          break;
        }
        at += 2;
        const size_t value_start = at;
        while (at < line.size() && line[at] != '"') at += line[at] == '\\' ? 2 : 1;
        if (at >= line.size()) {
          bad = true;
          break;
        }
        auto value = unescape(line.substr(value_start, at - value_start), true);
        ++at;  // the closing quote
        if (!value) {
          out.problems.push_back(where + "a bad escape in label " + label);
          bad = true;
          break;
        }
        if (!sample.labels.emplace(label, *value).second) {
          out.problems.push_back(where + "label " + label + " twice");
        }
        if (at < line.size() && line[at] == ',') ++at;
      }
      if (!bad && (at >= line.size() || line[at] != '}')) bad = true;
      ++at;
    }
    if (bad || at >= line.size() || line[at] != ' ') {
      out.problems.push_back(where + "a malformed sample: " + std::string(line));
      continue;
    }
    while (at < line.size() && line[at] == ' ') ++at;
    std::string_view value_text = line.substr(at);
    std::string_view timestamp;
    if (const size_t space = value_text.find(' '); space != std::string_view::npos) {
      timestamp = value_text.substr(space + 1);
      value_text = value_text.substr(0, space);
    }
    auto value = parse_value(value_text);
    if (!value) {
      out.problems.push_back(where + "a bad value \"" + std::string(value_text) + "\"");
      continue;
    }
    if (!timestamp.empty() && timestamp.find_first_not_of("-0123456789") != std::string::npos) {
      out.problems.push_back(where + "a bad timestamp");
    }
    sample.value = *value;

    const std::string family = family_of(sample.name, out.types);
    enter(family, where);
    with_samples.insert(family);
    if (!series.insert(series_key(sample.name, sample.labels)).second) {
      out.problems.push_back(where + "series written twice: " + std::string(line));
    }
    auto type = out.types.find(family);
    if (type != out.types.end() && type->second == "counter" && !(sample.value >= 0)) {
      out.problems.push_back(where + "a counter below 0 or NaN");
    }
    if (type != out.types.end() && type->second == "histogram" && sample.name == family) {
      out.problems.push_back(where + "a histogram's sample without _bucket, _sum or _count");
    }
    out.samples.push_back(std::move(sample));
  }

  // Histograms: per series, buckets in increasing le with non-decreasing counts, the last
  // one le="+Inf" and equal to _count; a _sum.
  for (const auto& [family, type] : out.types) {
    if (type != "histogram") continue;
    struct Series {
      std::vector<std::pair<double, double>> buckets;  // le, count
      std::optional<double> count;
      bool sum = false;
    };
    std::map<std::string, Series> by_labels;
    for (const PromSample& s : out.samples) {
      std::map<std::string, std::string> labels = s.labels;
      if (s.name == family + "_bucket") {
        auto le = labels.find("le");
        std::optional<double> bound;
        if (le != labels.end()) bound = parse_value(le->second);
        if (!bound) {
          out.problems.push_back(family + ": a bucket without a valid le");
          continue;
        }
        labels.erase("le");
        by_labels[series_key(family, labels)].buckets.emplace_back(*bound, s.value);
      } else if (s.name == family + "_count") {
        by_labels[series_key(family, labels)].count = s.value;
      } else if (s.name == family + "_sum") {
        by_labels[series_key(family, labels)].sum = true;
      }
    }
    for (const auto& [key, s] : by_labels) {
      const std::string what = family + " " + key + ": ";
      if (s.buckets.empty() || !std::isinf(s.buckets.back().first)) {
        out.problems.push_back(what + "no le=\"+Inf\" bucket last");
      }
      for (size_t i = 1; i < s.buckets.size(); ++i) {
        if (!(s.buckets[i].first > s.buckets[i - 1].first)) {
          out.problems.push_back(what + "buckets not in increasing le");
        }
        if (s.buckets[i].second < s.buckets[i - 1].second) {
          out.problems.push_back(what + "bucket counts not cumulative");
        }
      }
      if (!s.count) {
        out.problems.push_back(what + "no _count");
      } else if (!s.buckets.empty() && s.buckets.back().second != *s.count) {
        out.problems.push_back(what + "the +Inf bucket differs from _count");
      }
      if (!s.sum) out.problems.push_back(what + "no _sum");
    }
  }
  return out;
}

}  // namespace askdb::testing
