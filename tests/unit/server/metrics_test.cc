// The metrics registry's text exposition format 0.0.4, byte for byte: HELP and TYPE once per
// family, series sorted by label values with label names in their declared order, escapes,
// cumulative histogram buckets with le="+Inf", _sum and _count; and the test validator
// (tests/support/prometheus_text) refusing what Prometheus would refuse.
#include "server/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "support/prometheus_text.h"

namespace askdb::server {
namespace {

using testing::parse_prometheus_text;

std::string problems_of(const std::string& text) {
  std::string out;
  for (const std::string& p : parse_prometheus_text(text).problems) out += p + "\n";
  return out;
}

TEST(MetricsTest, CounterFamilyOnceWithSeriesSortedByLabelValues) {
  Metrics m;
  CounterFamily& requests = m.counter("t_requests_total", "Requests.", {"route", "status"});
  requests.add({"/b", "200"});
  requests.add({"/a", "404"}, 2);
  requests.add({"/a", "200"});
  requests.add({"/b", "200"}, 0.5);
  EXPECT_EQ(m.render(),
            "# HELP t_requests_total Requests.\n"
            "# TYPE t_requests_total counter\n"
            "t_requests_total{route=\"/a\",status=\"200\"} 1\n"
            "t_requests_total{route=\"/a\",status=\"404\"} 2\n"
            "t_requests_total{route=\"/b\",status=\"200\"} 1.5\n");
  EXPECT_EQ(requests.value({"/b", "200"}), 1.5);
  EXPECT_EQ(requests.value({"/c", "200"}), 0);
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  Metrics m;
  m.counter("t_total", "A \\ back\nslash.", {"v"}).add({"a\\b\"c\nd"});
  const std::string text = m.render();
  EXPECT_EQ(text,
            "# HELP t_total A \\\\ back\\nslash.\n"
            "# TYPE t_total counter\n"
            "t_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
  const auto parsed = parse_prometheus_text(text);
  EXPECT_TRUE(parsed.problems.empty()) << problems_of(text);
  EXPECT_EQ(parsed.value("t_total", {{"v", "a\\b\"c\nd"}}), 1);
  EXPECT_EQ(parsed.help.at("t_total"), "A \\ back\nslash.");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Metrics m;
  HistogramFamily& h = m.histogram("t_seconds", "Durations.", {"stage"}, {0.25, 1, 10});
  for (double v : {0.125, 0.25, 0.5, 5.0, 50.0}) h.observe({"run"}, v);
  h.touch({"guard"});
  EXPECT_EQ(m.render(),
            "# HELP t_seconds Durations.\n"
            "# TYPE t_seconds histogram\n"
            "t_seconds_bucket{stage=\"guard\",le=\"0.25\"} 0\n"
            "t_seconds_bucket{stage=\"guard\",le=\"1\"} 0\n"
            "t_seconds_bucket{stage=\"guard\",le=\"10\"} 0\n"
            "t_seconds_bucket{stage=\"guard\",le=\"+Inf\"} 0\n"
            "t_seconds_sum{stage=\"guard\"} 0\n"
            "t_seconds_count{stage=\"guard\"} 0\n"
            "t_seconds_bucket{stage=\"run\",le=\"0.25\"} 2\n"
            "t_seconds_bucket{stage=\"run\",le=\"1\"} 3\n"
            "t_seconds_bucket{stage=\"run\",le=\"10\"} 4\n"
            "t_seconds_bucket{stage=\"run\",le=\"+Inf\"} 5\n"
            "t_seconds_sum{stage=\"run\"} 55.875\n"
            "t_seconds_count{stage=\"run\"} 5\n");
  EXPECT_EQ(h.count({"run"}), 5u);
  EXPECT_EQ(h.count({"answer"}), 0u);
}

TEST(MetricsTest, UnlabeledGaugesAndCollectedFamiliesInRegistrationOrder) {
  Metrics m;
  GaugeFamily& open = m.gauge("t_open", "Open now.");
  m.collected("t_pool", "Pool.", Metrics::Type::kGauge, {"pool", "state"}, [] {
    return std::vector<Metrics::Sample>{{{"store", "idle"}, 2},
                                        {{"store"}, 9},  // wrong label count: left out
                                        {{"db", "in_use"}, 1}};
  });
  m.collected("t_cpu_seconds_total", "CPU.", Metrics::Type::kCounter, {}, [] {
    return std::vector<Metrics::Sample>{{{}, 0.25}};
  });
  open.add({}, 3);
  open.add({}, -1);
  EXPECT_EQ(m.render(),
            "# HELP t_open Open now.\n"
            "# TYPE t_open gauge\n"
            "t_open 2\n"
            "# HELP t_pool Pool.\n"
            "# TYPE t_pool gauge\n"
            "t_pool{pool=\"db\",state=\"in_use\"} 1\n"
            "t_pool{pool=\"store\",state=\"idle\"} 2\n"
            "# HELP t_cpu_seconds_total CPU.\n"
            "# TYPE t_cpu_seconds_total counter\n"
            "t_cpu_seconds_total 0.25\n");
  open.set({}, -4);
  EXPECT_EQ(open.value({}), -4);
}

TEST(MetricsTest, MisuseIsIgnored) {
  Metrics m;
  CounterFamily& c = m.counter("t_total", "C.", {"a"});
  c.add({"x", "y"});  // two values for one label
  c.add({"x"}, -1);   // counters only go up
  c.add({"x"}, std::nan(""));
  HistogramFamily& h = m.histogram("t_seconds", "H.", {}, {1});
  h.observe({}, std::nan(""));
  h.observe({"extra"}, 1);
  EXPECT_EQ(m.render(),
            "# HELP t_total C.\n# TYPE t_total counter\n"
            "# HELP t_seconds H.\n# TYPE t_seconds histogram\n");
}

TEST(MetricsTest, ValuesAreWrittenAsPrometheusReadsThem) {
  EXPECT_EQ(format_metric_value(42), "42");
  EXPECT_EQ(format_metric_value(-3), "-3");
  EXPECT_EQ(format_metric_value(0.005), "0.005");
  EXPECT_EQ(format_metric_value(2.5), "2.5");
  EXPECT_EQ(format_metric_value(1e20), "1e+20");
  EXPECT_EQ(format_metric_value(HUGE_VAL), "+Inf");
  EXPECT_EQ(format_metric_value(-HUGE_VAL), "-Inf");
  EXPECT_EQ(format_metric_value(std::nan("")), "NaN");
}

TEST(MetricsTest, RecordingFromManyThreadsLosesNothing) {
  Metrics m;
  CounterFamily& c = m.counter("t_total", "C.", {"route"});
  HistogramFamily& h = m.histogram("t_seconds", "H.", {"route"}, {0.5});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const std::string route = t % 2 == 0 ? "/a" : "/b";
      for (int i = 0; i < 5000; ++i) {
        c.add({route});
        h.observe({route}, 0.25);
        if (i % 1000 == 0) (void)m.render();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value({"/a"}) + c.value({"/b"}), 20000);
  EXPECT_EQ(h.count({"/a"}) + h.count({"/b"}), 20000u);
  const std::string text = m.render();
  EXPECT_TRUE(parse_prometheus_text(text).problems.empty()) << problems_of(text);
}

// The validator the integration tests rely on must refuse what Prometheus would.
TEST(PrometheusTextTest, RefusesMalformedExpositions) {
  const std::string ok =
      "# HELP h_seconds H.\n# TYPE h_seconds histogram\n"
      "h_seconds_bucket{le=\"1\"} 1\nh_seconds_bucket{le=\"+Inf\"} 2\n"
      "h_seconds_sum 3\nh_seconds_count 2\n"
      "# TYPE c_total counter\nc_total{a=\"x\"} 1\n";
  EXPECT_EQ(problems_of(ok), "");
  const std::vector<std::string> bad = {
      "c_total 1",                                                    // no final line feed
      "# TYPE c_total counter\n# TYPE c_total counter\nc_total 1\n",  // TYPE twice
      "c_total 1\n# TYPE c_total counter\n",                          // TYPE after samples
      "# TYPE c_total countr\nc_total 1\n",                           // unknown type
      "c_total{a=\"x\\q\"} 1\n",                                      // bad escape
      "c_total{a=\"x} 1\n",                                           // unterminated value
      "c_total{a=\"x\",a=\"y\"} 1\n",                                 // label twice
      "c_total{9a=\"x\"} 1\n",                                        // bad label name
      "c_total one\n",                                                // bad value
      "c_total 1\nc_total 2\n",                                       // series twice
      "a 1\nb 1\na{x=\"1\"} 1\n",                                     // family split
      "# TYPE c_total counter\nc_total -1\n",                         // counter below 0
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",     // no +Inf
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",  // +Inf != count
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",           // no _sum
  };
  for (const std::string& text : bad) {
    EXPECT_FALSE(parse_prometheus_text(text).problems.empty()) << "accepted:\n" << text;
  }
}

}  // namespace
}  // namespace askdb::server
