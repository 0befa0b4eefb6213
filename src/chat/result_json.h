// The JSON form of an AskResult, shared by `askdb ask --json`, `askdb sql --json` and the HTTP
// API: {"question", "sql", "columns": [{"name","type"}], "rows", "row_count", "truncated",
// "chart" (chat/chart.h, or null), "answer", "attempts": [{"sql","error"}], "timings_ms", "tokens":
// {"prompt", "completion", "cost_usd", "calls": [{"stage", "model", "prompt", "completion",
// "cost_usd"}]}}, plus "verified_match" when answered from a verified question and
// "error": {"code", "message"} on failure. Cells are JSON numbers, booleans, strings or null by
// column type.
#pragma once

#include <nlohmann/json.hpp>

#include "chat/pipeline.h"

namespace askdb::chat {

// `with_answer`: false for `askdb sql`, which has no question and no answer.
nlohmann::json to_json(const AskResult& result, bool with_answer);

// The chart suggestion for the result's rows, or null.
nlohmann::json chart_json(const AskResult& result);

// Token usage and cost: the totals and each LLM call; costs in USD, null when the model has no
// price.
nlohmann::json tokens_json(const AskResult& result);

// One cell as JSON, by its column's type.
nlohmann::json cell_json(const pg::Cell& cell, const pg::Column& column);

}  // namespace askdb::chat
