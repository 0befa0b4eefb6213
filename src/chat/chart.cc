#include "chat/chart.h"

#include "core/text.h"

namespace askdb::chat {
namespace {

bool is_temporal_type(const std::string& type) {
  return type == "date" || type.starts_with("timestamp") || type.starts_with("time ") ||
         type == "time";
}

bool is_identifier(const std::string& name) {
  const std::string n = to_lower(name);
  return n == "id" || n.ends_with("_id") || n.ends_with("_key");
}

bool is_period_name(const std::string& name) {
  const std::string n = to_lower(name);
  for (const char* p : {"year", "month", "quarter", "week", "day", "hour"}) {
    if (n == p || n.ends_with(std::string("_") + p) || n.starts_with(std::string(p) + "_")) {
      return true;
    }
  }
  return false;
}

bool is_integer_type(const std::string& type) {
  return type == "integer" || type == "bigint" || type == "smallint";
}

bool is_number(const pg::Column& c) {
  return pg::json_kind(c.type_oid) == pg::JsonKind::kNumber && !is_identifier(c.name);
}

bool is_text(const pg::Column& c) {
  return pg::json_kind(c.type_oid) == pg::JsonKind::kString && !is_temporal_type(c.type) &&
         !is_identifier(c.name);
}

}  // namespace

std::optional<ChartSpec> suggest_chart(const std::vector<pg::Column>& columns,
                                       const std::vector<std::vector<pg::Cell>>& rows) {
  constexpr size_t kMaxSeries = 4;
  constexpr size_t kMaxBars = 50;
  if (rows.size() < 2 || columns.size() < 2) return std::nullopt;

  // The x axis: a date/time column first, else an integer period column.
  std::optional<size_t> time_x;
  for (size_t i = 0; i < columns.size() && !time_x; ++i) {
    if (is_temporal_type(columns[i].type)) time_x = i;
  }
  for (size_t i = 0; i < columns.size() && !time_x; ++i) {
    if (is_integer_type(columns[i].type) && is_period_name(columns[i].name)) time_x = i;
  }
  std::vector<size_t> text_columns;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (is_text(columns[i])) text_columns.push_back(i);
  }

  auto numbers_except = [&](size_t x) {
    std::vector<std::string> y;
    for (size_t i = 0; i < columns.size() && y.size() < kMaxSeries; ++i) {
      if (i != x && is_number(columns[i]) &&
          !(is_integer_type(columns[i].type) && is_period_name(columns[i].name))) {
        y.push_back(columns[i].name);
      }
    }
    return y;
  };

  // A line over time needs one series per x value: a second category column would mix series.
  if (time_x && text_columns.empty()) {
    auto y = numbers_except(*time_x);
    if (!y.empty()) return ChartSpec{"line", columns[*time_x].name, std::move(y)};
  }
  if (text_columns.size() == 1 && !time_x && rows.size() <= kMaxBars) {
    auto y = numbers_except(text_columns[0]);
    if (!y.empty()) return ChartSpec{"bar", columns[text_columns[0]].name, std::move(y)};
  }
  return std::nullopt;
}

}  // namespace askdb::chat
