#include "chat/result_json.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "chat/chart.h"

namespace askdb::chat {

using json = nlohmann::json;

json cell_json(const pg::Cell& cell, const pg::Column& column) {
  if (!cell) return nullptr;
  switch (pg::json_kind(column.type_oid)) {
    case pg::JsonKind::kBool:
      return *cell == "t";
    case pg::JsonKind::kNumber: {
      const std::string& s = *cell;
      char* end = nullptr;
      errno = 0;
      const long long i = std::strtoll(s.c_str(), &end, 10);
      if (errno == 0 && end == s.c_str() + s.size()) return i;
      errno = 0;
      const double d = std::strtod(s.c_str(), &end);
      // Keep the exact text where a double would change it (NaN, Infinity, long numerics).
      if (errno == 0 && end == s.c_str() + s.size() && std::isfinite(d) && s.size() <= 15) {
        return d;
      }
      return s;
    }
    case pg::JsonKind::kString:
      return *cell;
  }
  return *cell;
}

json chart_json(const AskResult& r) {
  const auto chart = suggest_chart(r.columns, r.rows);
  if (!chart) return nullptr;
  return {{"type", chart->type}, {"x", chart->x}, {"y", chart->y}};
}

json to_json(const AskResult& r, bool with_answer) {
  json out = json::object();
  if (with_answer) out["question"] = r.question;
  out["sql"] = r.sql;
  json columns = json::array();
  for (const auto& c : r.columns) columns.push_back({{"name", c.name}, {"type", c.type}});
  out["columns"] = columns;
  json rows = json::array();
  for (const auto& row : r.rows) {
    json jr = json::array();
    for (size_t i = 0; i < row.size(); ++i) jr.push_back(cell_json(row[i], r.columns[i]));
    rows.push_back(std::move(jr));
  }
  out["rows"] = std::move(rows);
  out["row_count"] = r.rows.size();
  out["truncated"] = r.truncated;
  out["chart"] = chart_json(r);
  if (with_answer) out["answer"] = r.answer;
  json attempts = json::array();
  for (const auto& a : r.attempts) {
    attempts.push_back(
        {{"sql", a.sql}, {"error", a.error.empty() ? json(nullptr) : json(a.error)}});
  }
  out["attempts"] = attempts;
  json timings = json::object();
  for (const auto& [stage, ms] : r.timings_ms) timings[stage] = std::round(ms * 1000) / 1000;
  out["timings_ms"] = timings;
  out["tokens"] = tokens_json(r);
  if (r.verified) {
    out["verified_match"] = {{"question", r.verified->question},
                             {"similarity", std::round(r.verified->similarity * 1000) / 1000}};
  }
  if (r.error) {
    out["error"] = {{"code", error_code_name(r.error->code)}, {"message", r.error->message}};
  }
  return out;
}

// Token usage and cost: totals, then each LLM call. Costs in USD, null when unpriced.
json tokens_json(const AskResult& r) {
  const auto usd = [](const std::optional<double>& v) {
    return v ? json(std::round(*v * 1e6) / 1e6) : json(nullptr);
  };
  json calls = json::array();
  for (const auto& c : r.llm_calls) {
    calls.push_back({{"stage", c.stage},
                     {"model", c.model},
                     {"prompt", c.usage.prompt_tokens},
                     {"completion", c.usage.completion_tokens},
                     {"cost_usd", usd(c.cost_usd)}});
  }
  return {{"prompt", r.tokens.prompt_tokens},
          {"completion", r.tokens.completion_tokens},
          {"cost_usd", usd(r.cost_usd)},
          {"calls", std::move(calls)}};
}

}  // namespace askdb::chat
