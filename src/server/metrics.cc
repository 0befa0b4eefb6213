#include "server/metrics.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <utility>

namespace askdb::server {
namespace {

bool valid_name(std::string_view name, bool colons) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colons && c == ':');
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

[[maybe_unused]] bool valid_label_names(const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    if (!valid_name(n, false) || n.starts_with("__")) return false;
  }
  return true;
}

// HELP text: backslash and line feed escaped.
void append_help(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// A label value: backslash, double quote and line feed escaped.
void append_label_value(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_value(std::string& out, double value) { out += format_metric_value(value); }

std::vector<std::string> to_strings(LabelValues labels) {
  std::vector<std::string> out;
  out.reserve(labels.size());
  for (std::string_view v : labels) out.emplace_back(v);
  return out;
}

// The series of `labels` in `series`, made with `make()` when new.
template <class Map, class Make>
typename Map::mapped_type& find_or_make(Map& series, LabelValues labels, Make make) {
  auto it = series.find(labels);
  if (it == series.end()) it = series.emplace(to_strings(labels), make()).first;
  return it->second;
}

}  // namespace

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[40];
  std::to_chars_result written;
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    written = std::to_chars(text, text + sizeof(text), static_cast<int64_t>(value));
  } else {
    written = std::to_chars(text, text + sizeof(text), value);  // the shortest exact form
  }
  return std::string(text, written.ptr);
}

// ----------------------------------------------------------------------------------------
// MetricFamily

MetricFamily::MetricFamily(std::string name, std::string help, std::string_view type,
                           std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {
  assert(valid_name(name_, true));
  assert(valid_label_names(label_names_));
}

void MetricFamily::render_header(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  append_help(out, help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type_;
  out += '\n';
}

void MetricFamily::render_values(
    std::string& out,
    const std::map<std::vector<std::string>, double, LabelValuesLess>& series) const {
  for (const auto& [labels, value] : series) {
    out += name_;
    render_labels(out, labels);
    out += ' ';
    append_value(out, value);
    out += '\n';
  }
}

void MetricFamily::render_labels(std::string& out, const std::vector<std::string>& values,
                                 std::string_view extra) const {
  if (values.empty() && extra.empty()) return;
  out += '{';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += label_names_[i];
    out += "=\"";
    append_label_value(out, values[i]);
    out += '"';
  }
  if (!extra.empty()) {
    if (!values.empty()) out += ',';
    out += extra;
  }
  out += '}';
}

// ----------------------------------------------------------------------------------------
// CounterFamily

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), "counter", std::move(label_names)) {}

void CounterFamily::add(LabelValues labels, double amount) {
  if (!fits(labels) || !(amount >= 0) || std::isinf(amount)) return;
  std::lock_guard lock(mu_);
  find_or_make(series_, labels, [] { return 0.0; }) += amount;
}

double CounterFamily::value(LabelValues labels) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second;
}

void CounterFamily::render(std::string& out) const {
  render_header(out);
  std::lock_guard lock(mu_);
  render_values(out, series_);
}

// ----------------------------------------------------------------------------------------
// GaugeFamily

GaugeFamily::GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : MetricFamily(std::move(name), std::move(help), "gauge", std::move(label_names)) {}

void GaugeFamily::set(LabelValues labels, double value) {
  if (!fits(labels)) return;
  std::lock_guard lock(mu_);
  find_or_make(series_, labels, [] { return 0.0; }) = value;
}

void GaugeFamily::add(LabelValues labels, double amount) {
  if (!fits(labels)) return;
  std::lock_guard lock(mu_);
  find_or_make(series_, labels, [] { return 0.0; }) += amount;
}

double GaugeFamily::value(LabelValues labels) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second;
}

void GaugeFamily::render(std::string& out) const {
  render_header(out);
  std::lock_guard lock(mu_);
  render_values(out, series_);
}

// ----------------------------------------------------------------------------------------
// HistogramFamily

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> buckets)
    : MetricFamily(std::move(name), std::move(help), "histogram", std::move(label_names)),
      buckets_(std::move(buckets)) {
  assert(std::adjacent_find(buckets_.begin(), buckets_.end(), std::greater_equal<double>()) ==
         buckets_.end());
  assert(std::find(label_names_.begin(), label_names_.end(), "le") == label_names_.end());
}

HistogramFamily::Series& HistogramFamily::series(LabelValues labels) {
  return find_or_make(series_, labels, [this] {
    Series s;
    s.counts.assign(buckets_.size() + 1, 0);
    return s;
  });
}

void HistogramFamily::observe(LabelValues labels, double value) {
  if (!fits(labels) || std::isnan(value)) return;
  // The first bucket whose upper bound is >= value (buckets count values up to and with it).
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(buckets_.begin(), buckets_.end(), value) - buckets_.begin());
  std::lock_guard lock(mu_);
  Series& s = series(labels);
  ++s.counts[bucket];
  s.sum += value;
  ++s.count;
}

void HistogramFamily::touch(LabelValues labels) {
  if (!fits(labels)) return;
  std::lock_guard lock(mu_);
  (void)series(labels);
}

uint64_t HistogramFamily::count(LabelValues labels) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.count;
}

void HistogramFamily::render(std::string& out) const {
  render_header(out);
  std::lock_guard lock(mu_);
  std::string le;
  for (const auto& [labels, s] : series_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= buckets_.size(); ++i) {
      cumulative += s.counts[i];
      le = "le=\"";
      le += i < buckets_.size() ? format_metric_value(buckets_[i]) : "+Inf";
      le += '"';
      out += name_;
      out += "_bucket";
      render_labels(out, labels, le);
      out += ' ';
      append_value(out, static_cast<double>(cumulative));
      out += '\n';
    }
    out += name_;
    out += "_sum";
    render_labels(out, labels);
    out += ' ';
    append_value(out, s.sum);
    out += '\n';
    out += name_;
    out += "_count";
    render_labels(out, labels);
    out += ' ';
    append_value(out, static_cast<double>(s.count));
    out += '\n';
  }
}

// ----------------------------------------------------------------------------------------
// Collected families

namespace {

class CollectedFamily final : public MetricFamily {
 public:
  CollectedFamily(std::string name, std::string help, Metrics::Type type,
                  std::vector<std::string> label_names, Metrics::Collector read)
      : MetricFamily(std::move(name), std::move(help),
                     type == Metrics::Type::kCounter ? "counter" : "gauge", std::move(label_names)),
        read_(std::move(read)) {}

  void render(std::string& out) const override {
    render_header(out);
    std::vector<Metrics::Sample> samples = read_();
    std::sort(samples.begin(), samples.end(),
              [](const auto& a, const auto& b) { return LabelValuesLess()(a.labels, b.labels); });
    for (const Metrics::Sample& sample : samples) {
      if (sample.labels.size() != label_names_.size()) continue;
      out += name_;
      render_labels(out, sample.labels);
      out += ' ';
      append_value(out, sample.value);
      out += '\n';
    }
  }

 private:
  const Metrics::Collector read_;
};

}  // namespace

// ----------------------------------------------------------------------------------------
// Metrics

template <class F, class... Args>
F& Metrics::add_family(Args&&... args) {
  auto family = std::make_unique<F>(std::forward<Args>(args)...);
  F& out = *family;
  assert(std::none_of(families_.begin(), families_.end(),
                      [&](const auto& f) { return f->name() == out.name(); }));
  families_.push_back(std::move(family));
  return out;
}

CounterFamily& Metrics::counter(std::string name, std::string help,
                                std::vector<std::string> label_names) {
  return add_family<CounterFamily>(std::move(name), std::move(help), std::move(label_names));
}

GaugeFamily& Metrics::gauge(std::string name, std::string help,
                            std::vector<std::string> label_names) {
  return add_family<GaugeFamily>(std::move(name), std::move(help), std::move(label_names));
}

HistogramFamily& Metrics::histogram(std::string name, std::string help,
                                    std::vector<std::string> label_names,
                                    std::vector<double> buckets) {
  return add_family<HistogramFamily>(std::move(name), std::move(help), std::move(label_names),
                                     std::move(buckets));
}

void Metrics::collected(std::string name, std::string help, Type type,
                        std::vector<std::string> label_names, Collector read) {
  add_family<CollectedFamily>(std::move(name), std::move(help), type, std::move(label_names),
                              std::move(read));
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(16 * 1024);
  for (const auto& family : families_) family->render(out);
  return out;
}

}  // namespace askdb::server
