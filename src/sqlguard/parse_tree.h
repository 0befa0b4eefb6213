// PostgreSQL's parser (libpg_query) behind a small value type: SQL text in, the raw parse tree
// as JSON or PostgreSQL's own error out. Internal to sqlguard.
//
// Thread-safe: libpg_query keeps its memory per thread. Never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace askdb::sqlguard {

struct ParseError {
  std::string message;  // PostgreSQL's message, e.g. syntax error at or near "FORM"
  int cursor = 0;       // 1-based character (not byte) position in the input; 0 when unknown
};

struct ParseTree {
  // {"version": ..., "stmts": [{"stmt": {"SelectStmt": {...}}, "stmt_location": .., ...}]};
  // locations in it are byte offsets into the parsed text. Discarded when `error` is set.
  nlohmann::json root;
  std::optional<ParseError> error;
};

// Parses `sql`. REQUIRES: `sql` holds no NUL byte (the parser would stop there).
ParseTree parse_sql(const std::string& sql);

// The 1-based line and column (in characters) of a 1-based character position in `text`.
struct LineColumn {
  int line = 1;
  int column = 1;
};
LineColumn line_column_at(const std::string& text, int cursor);

}  // namespace askdb::sqlguard
