// The row cap: every accepted query returns at most row_cap rows. Internal to sqlguard.
// Pure; thread-safe.
//
// The rewrite splices the user's text rather than deparsing it, so formatting and comments
// survive:
//   - no LIMIT / FETCH FIRST on the top-level query: append "\nLIMIT <cap>" (a newline first,
//     so a trailing "--" comment cannot swallow it; valid after ORDER BY, OFFSET, a set
//     operation, VALUES and TABLE alike);
//   - an integer constant larger than the cap: replace its digits in place;
//   - an integer constant within the cap: keep the query as it is;
//   - anything else (LIMIT ALL, LIMIT NULL, an expression, a parameter, a non-integer
//     constant, FETCH ... WITH TIES, which may return more rows than its count): wrap it,
//     "SELECT * FROM (\n<query>\n) AS capped\nLIMIT <cap>".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace askdb::sqlguard {

// The top-level query's LIMIT / FETCH FIRST count, as the parser saw it.
struct TopLimit {
  enum class Kind { kNone, kConstant, kOther };
  Kind kind = Kind::kNone;
  int64_t value = 0;        // kConstant: the count (saturated at INT64_MAX); a negative
                            // constant reads as 0 (libpg_query's JSON drops it): check the text
  long long location = -1;  // kConstant: byte offset of its digits in the parsed text, or -1
};

// REQUIRES: `select_stmt` is the fields of a SelectStmt.
TopLimit read_top_limit(const nlohmann::json& select_stmt);

struct CappedQuery {
  std::string sql;
  bool limit_applied = false;
};

// Applies the cap to `statement`, the trimmed text of the parsed statement, which starts at
// byte `statement_offset` of the text the parser saw (parse-tree locations count from there).
// REQUIRES: row_cap > 0; `select_stmt` is the statement's SelectStmt fields.
CappedQuery apply_row_cap(std::string_view statement, size_t statement_offset,
                          const nlohmann::json& select_stmt, int64_t row_cap);

// "SELECT * FROM (\n<statement>\n) AS capped\nLIMIT <row_cap>".
std::string wrap_with_limit(std::string_view statement, int64_t row_cap);

// True when the top-level limit is an integer constant no larger than `row_cap`, written as
// such in `text` (the text the parser saw; FETCH FIRST ROW ONLY's implicit 1 counts too).
bool limit_within_cap(const nlohmann::json& select_stmt, std::string_view text, int64_t row_cap);

}  // namespace askdb::sqlguard
