// extract_sql: finds the SQL in an LLM's reply, however the model wrapped it — a ```sql fence,
// a plain ``` fence, leading prose, a trailing explanation, a "SQLQuery:" prefix — or says
// there is none. The guard judges what comes out; this only cuts. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace askdb::chat {

struct ExtractedSql {
  std::string sql;            // the statement text, trimmed, without a ``` fence
  std::string cannot_answer;  // set when the model said "-- cannot answer: <reason>"
};

// nullopt when the reply holds nothing that looks like SQL.
std::optional<ExtractedSql> extract_sql(std::string_view reply);

}  // namespace askdb::chat
