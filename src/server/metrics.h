// Metrics: a small registry of counters, gauges and histograms with labels, rendered in
// Prometheus' text exposition format 0.0.4 (what GET /metrics serves). A family is one metric
// name with its help text and label names; it holds one series per set of label values.
// `askdb serve` registers its families at start (server_metrics.h) and records into them as
// requests come and go; families read at render time (collected()) cover figures that live
// elsewhere (pools, the process).
//
// Thread-safety: register every family first, from one thread, before anything records or
// renders; from then on add(), set(), observe() and render() may be called from any thread at
// once (each family has a mutex, held for one lookup and one addition). Families are never
// removed: the references registration returns stay valid as long as the registry.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace askdb::server {

// The Content-Type of render()'s text.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The label values of one series, in the order of its family's label names.
using LabelValues = std::initializer_list<std::string_view>;

// Series are kept sorted by their label values (so the output's order is stable) and looked up
// without copying the values.
struct LabelValuesLess {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    auto less = [](std::string_view x, std::string_view y) { return x < y; };
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), less);
  }
};

// One metric name: its help, type and label names, and how its series are written.
class MetricFamily {
 public:
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  // Appends "# HELP", "# TYPE" and the family's series, sorted by their label values.
  virtual void render(std::string& out) const = 0;

 protected:
  MetricFamily(std::string name, std::string help, std::string_view type,
               std::vector<std::string> label_names);
  void render_header(std::string& out) const;
  // `{a="x",b="y"}` for these values (nothing without labels); `extra` ("le=\"0.5\"") is
  // appended inside the braces when not empty.
  void render_labels(std::string& out, const std::vector<std::string>& values,
                     std::string_view extra = {}) const;
  bool fits(LabelValues labels) const { return labels.size() == label_names_.size(); }
  // One `name{labels} value` line per series (a counter's or a gauge's).
  void render_values(
      std::string& out,
      const std::map<std::vector<std::string>, double, LabelValuesLess>& series) const;

  const std::string name_;
  const std::string help_;
  const std::string type_;
  const std::vector<std::string> label_names_;
};

// A value that only goes up (requests, tokens, USD).
class CounterFamily final : public MetricFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  // Adds `amount` to the series of `labels` (made at 0 when new). Ignored when `amount` is
  // negative or not finite, or when `labels` has not one value per label name (a bug).
  void add(LabelValues labels, double amount = 1);
  // Makes the series of `labels` at 0 if it does not exist, so it is exported before its
  // first event.
  void touch(LabelValues labels) { add(labels, 0); }
  // The series' value; 0 when it does not exist.
  double value(LabelValues labels) const;
  void render(std::string& out) const override;

 private:
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, double, LabelValuesLess> series_;
};

// A value that goes up and down (open streams).
class GaugeFamily final : public MetricFamily {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names);
  // Set, or add to (a negative `amount` subtracts), the series of `labels`, made at 0 when
  // new. Ignored when `labels` has not one value per label name (a bug).
  void set(LabelValues labels, double value);
  void add(LabelValues labels, double amount);
  double value(LabelValues labels) const;
  void render(std::string& out) const override;

 private:
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, double, LabelValuesLess> series_;
};

// Observations counted in fixed buckets (durations in seconds): exported as the cumulative
// `_bucket{le="..."}` counts, `le="+Inf"` included, `_sum` and `_count`.
class HistogramFamily final : public MetricFamily {
 public:
  // REQUIRES: `buckets` (upper bounds) finite and strictly increasing; no label named "le".
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> buckets);
  // Counts `value` in the series of `labels` (made empty when new). Ignored when `value` is
  // NaN, or when `labels` has not one value per label name (a bug).
  void observe(LabelValues labels, double value);
  void touch(LabelValues labels);
  // Observations so far in the series; 0 when it does not exist.
  uint64_t count(LabelValues labels) const;
  const std::vector<double>& buckets() const { return buckets_; }
  void render(std::string& out) const override;

 private:
  struct Series {
    std::vector<uint64_t> counts;  // per bucket, not cumulative; the last one is +Inf's
    double sum = 0;
    uint64_t count = 0;
  };
  Series& series(LabelValues labels);  // REQUIRES mu_

  const std::vector<double> buckets_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, Series, LabelValuesLess> series_;
};

class Metrics {
 public:
  enum class Type { kCounter, kGauge };
  // One series of a collected family.
  struct Sample {
    std::vector<std::string> labels;  // one value per label name
    double value = 0;
  };
  // Reads a collected family's series; runs at every render(), on the rendering thread, with
  // no lock of the registry held. Must be thread-safe and must not throw.
  using Collector = std::function<std::vector<Sample>()>;

  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Registration. REQUIRES: a name not registered yet, made of [a-zA-Z_:][a-zA-Z0-9_:]*, label
  // names of [a-zA-Z_][a-zA-Z0-9_]* not starting with "__"; see the class comment for when.
  CounterFamily& counter(std::string name, std::string help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  HistogramFamily& histogram(std::string name, std::string help,
                             std::vector<std::string> label_names, std::vector<double> buckets);
  // A family whose series `read` returns at each render (samples with the wrong number of
  // label values are left out).
  void collected(std::string name, std::string help, Type type,
                 std::vector<std::string> label_names, Collector read);

  // Every family in the order registered, in the text exposition format 0.0.4.
  std::string render() const;

 private:
  template <class F, class... Args>
  F& add_family(Args&&... args);

  std::vector<std::unique_ptr<MetricFamily>> families_;
};

// A value as the text format writes it: "42", "0.005", "1.5e+20", "+Inf", "-Inf", "NaN".
std::string format_metric_value(double value);

}  // namespace askdb::server
