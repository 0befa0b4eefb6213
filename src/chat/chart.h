// Chart suggestion: whether a result's shape suits a chart, and which one. The suggestion is a
// small declarative spec ({"type": "bar"|"line", "x": column, "y": [columns]}) that the web
// chat renders with its charting library; nothing the LLM writes is ever run as chart code.
//
// Rules: a date/time column (or an integer year/month/quarter/week/day column) and numbers →
// line over time; one text category and numbers, at most 50 rows → bar. Identifier columns
// (id, *_id) are never plotted. Fewer than two rows, or no number → no chart. Pure function.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg/connection.h"

namespace askdb::chat {

struct ChartSpec {
  std::string type;            // "bar" or "line"
  std::string x;               // the column along the x axis
  std::vector<std::string> y;  // the numeric columns plotted, at most 4
};

std::optional<ChartSpec> suggest_chart(const std::vector<pg::Column>& columns,
                                       const std::vector<std::vector<pg::Cell>>& rows);

}  // namespace askdb::chat
