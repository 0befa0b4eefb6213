#include "chat/chart.h"

#include <gtest/gtest.h>

namespace askdb::chat {
namespace {

// OIDs from pg_type: the JSON kind of a column comes from them.
constexpr uint32_t kText = 25, kInt8 = 20, kInt4 = 23, kNumeric = 1700, kDate = 1082,
                   kTimestamptz = 1184;

std::vector<std::vector<pg::Cell>> rows(size_t n, size_t width) {
  return std::vector<std::vector<pg::Cell>>(n, std::vector<pg::Cell>(width, pg::Cell("1")));
}

TEST(ChartTest, DateAndNumbersMakeALine) {
  const std::vector<pg::Column> cols = {
      {"month", "date", kDate}, {"revenue", "numeric", kNumeric}, {"orders", "bigint", kInt8}};
  const auto chart = suggest_chart(cols, rows(12, 3));
  ASSERT_TRUE(chart);
  EXPECT_EQ(chart->type, "line");
  EXPECT_EQ(chart->x, "month");
  EXPECT_EQ(chart->y, (std::vector<std::string>{"revenue", "orders"}));
}

TEST(ChartTest, IntegerYearIsATimeAxis) {
  const std::vector<pg::Column> cols = {{"year", "integer", kInt4}, {"total", "numeric", kNumeric}};
  const auto chart = suggest_chart(cols, rows(3, 2));
  ASSERT_TRUE(chart);
  EXPECT_EQ(chart->type, "line");
  EXPECT_EQ(chart->x, "year");
  EXPECT_EQ(chart->y, std::vector<std::string>{"total"});
}

TEST(ChartTest, CategoryAndNumberMakeABar) {
  const std::vector<pg::Column> cols = {{"category", "text", kText},
                                        {"avg_rating", "numeric", kNumeric}};
  const auto chart = suggest_chart(cols, rows(8, 2));
  ASSERT_TRUE(chart);
  EXPECT_EQ(chart->type, "bar");
  EXPECT_EQ(chart->x, "category");
}

TEST(ChartTest, IdentifiersAreNotPlotted) {
  const std::vector<pg::Column> cols = {{"customer_id", "bigint", kInt8}, {"name", "text", kText}};
  EXPECT_FALSE(suggest_chart(cols, rows(5, 2)));
  const std::vector<pg::Column> with_value = {
      {"customer_id", "bigint", kInt8}, {"name", "text", kText}, {"spent", "numeric", kNumeric}};
  const auto chart = suggest_chart(with_value, rows(5, 3));
  ASSERT_TRUE(chart);
  EXPECT_EQ(chart->x, "name");
  EXPECT_EQ(chart->y, std::vector<std::string>{"spent"});
}

TEST(ChartTest, NoChartForOneRowTooManyBarsOrMixedSeries) {
  const std::vector<pg::Column> bar = {{"city", "text", kText}, {"n", "bigint", kInt8}};
  EXPECT_FALSE(suggest_chart(bar, rows(1, 2)));
  EXPECT_FALSE(suggest_chart(bar, rows(51, 2)));
  const std::vector<pg::Column> mixed = {{"day", "timestamp with time zone", kTimestamptz},
                                         {"city", "text", kText},
                                         {"n", "bigint", kInt8}};
  EXPECT_FALSE(suggest_chart(mixed, rows(10, 3)));
  const std::vector<pg::Column> text_only = {{"a", "text", kText}, {"b", "text", kText}};
  EXPECT_FALSE(suggest_chart(text_only, rows(10, 2)));
}

}  // namespace
}  // namespace askdb::chat
