// check() and guard(): parse with PostgreSQL's parser, refuse what is not one read-only query,
// then cap the rows. The pieces live beside this file: statement_kinds (what is not a query),
// query_shape (DML in CTEs, INTO, locking), function_calls (+ function_policy, the catalog)
// and row_cap (the LIMIT rewrite).
#include "sqlguard/guard.h"

#include <string>
#include <string_view>

#include "core/text.h"
#include "sqlguard/function_calls.h"
#include "sqlguard/parse_tree.h"
#include "sqlguard/query_shape.h"
#include "sqlguard/row_cap.h"
#include "sqlguard/statement_kinds.h"
#include "sqlguard/tree_walk.h"

namespace askdb::sqlguard {
namespace {

Verdict reject(Refusal refusal, std::string message) {
  Verdict verdict;
  verdict.rejected = Rejection{refusal, std::move(message)};
  return verdict;
}

Verdict reject(Rejection rejection) {
  Verdict verdict;
  verdict.rejected = std::move(rejection);
  return verdict;
}

// The one key of a wrapped node ({"SelectStmt": {...}}), or "" when it is not one.
std::string_view node_type(const nlohmann::json& wrapped) {
  if (!wrapped.is_object() || wrapped.size() != 1) return {};
  return wrapped.begin().key();
}

std::string parse_error_message(const std::string& text, const ParseError& error) {
  std::string message = "PostgreSQL cannot parse this SQL: " + error.message;
  if (error.cursor > 0) {
    const LineColumn at = line_column_at(text, error.cursor);
    message += " at line " + std::to_string(at.line) + ", column " + std::to_string(at.column) +
               " (character " + std::to_string(error.cursor) + ")";
  }
  return message + ". Fix the SQL and send a single valid SELECT statement.";
}

// True when `sql` parses as one SelectStmt whose limit is an integer within the cap.
bool is_capped_query(const std::string& sql, int64_t row_cap) {
  const ParseTree tree = parse_sql(sql);
  if (tree.error) return false;
  const auto stmts = tree.root.find("stmts");
  if (stmts == tree.root.end() || !stmts->is_array() || stmts->size() != 1) return false;
  const auto& raw = (*stmts)[0];
  if (!raw.is_object() || !raw.contains("stmt")) return false;
  const auto& wrapped = raw["stmt"];
  if (node_type(wrapped) != "SelectStmt") return false;
  return limit_within_cap(wrapped["SelectStmt"], sql, row_cap);
}

// A newline after a final "--" comment, so that whoever runs the SQL may append to it.
// Conservative: any "--" on the last line counts, even inside a string literal.
std::string end_outside_line_comment(std::string sql) {
  const size_t line_start = sql.rfind('\n');
  const std::string_view last_line =
      std::string_view(sql).substr(line_start == std::string::npos ? 0 : line_start + 1);
  if (last_line.find("--") != std::string_view::npos) sql += '\n';
  return sql;
}

Verdict check_parsed(const std::string& text, const ParseTree& tree,
                     const FunctionCatalog& functions, const GuardOptions& options) {
  const auto stmts = tree.root.find("stmts");
  if (stmts == tree.root.end() || !stmts->is_array() || stmts->empty()) {
    return reject(Refusal::kEmpty,
                  "The SQL is empty: it holds no statement, only whitespace or comments. Send a "
                  "single SELECT that answers the question.");
  }
  if (stmts->size() > 1) {
    std::string names;
    for (const auto& raw : *stmts) {
      if (!names.empty()) names += ", ";
      const nlohmann::json& wrapped = raw.contains("stmt") ? raw["stmt"] : raw;
      const std::string type(node_type(wrapped));
      if (type.empty()) {
        names += "?";
      } else {
        names += type == "SelectStmt" ? "SELECT" : statement_name(type, wrapped[type]);
      }
    }
    return reject(Refusal::kMultipleStatements,
                  "Only one read-only query may run, but this text holds " +
                      std::to_string(stmts->size()) + " statements (" + names +
                      "). Send a single SELECT.");
  }
  const auto& raw = (*stmts)[0];
  if (!raw.is_object() || !raw.contains("stmt")) {
    return reject(Refusal::kParseError, "The parser returned an unexpected tree (a bug in askdb).");
  }
  const auto& wrapped = raw["stmt"];
  const std::string type(node_type(wrapped));
  if (type.empty()) {
    return reject(Refusal::kParseError, "The parser returned an unexpected tree (a bug in askdb).");
  }
  const auto& fields = wrapped[type];
  if (type != "SelectStmt") return reject(Refusal::kNotAQuery, not_a_query_message(type, fields));
  if (auto problem = check_query_shape(fields)) return reject(std::move(*problem));
  if (auto problem = check_function_calls(fields, functions)) return reject(std::move(*problem));

  // The statement's own text: from its location, up to the semicolon (stmt_len 0: the end).
  const long long location = json_int(raw, "stmt_location", 0);
  const long long length = json_int(raw, "stmt_len", 0);
  std::string_view statement(text);
  if (location > 0 && static_cast<size_t>(location) <= statement.size()) {
    statement.remove_prefix(static_cast<size_t>(location));
  }
  if (length > 0 && static_cast<size_t>(length) < statement.size()) {
    statement = statement.substr(0, static_cast<size_t>(length));
  }
  statement = trim(statement);
  if (statement.empty()) {
    return reject(Refusal::kParseError, "The parser returned an unexpected tree (a bug in askdb).");
  }
  const size_t offset = static_cast<size_t>(statement.data() - text.data());

  GuardedSql guarded;
  guarded.row_cap = options.row_cap > 0 ? options.row_cap : 0;
  if (options.row_cap <= 0) {
    guarded.sql = end_outside_line_comment(std::string(statement));
  } else {
    CappedQuery capped = apply_row_cap(statement, offset, fields, options.row_cap);
    if (capped.limit_applied && !is_capped_query(capped.sql, options.row_cap)) {
      // The splice did not give the query we meant (it should not happen): wrap instead.
      capped.sql = wrap_with_limit(statement, options.row_cap);
      if (!is_capped_query(capped.sql, options.row_cap)) {
        return reject(Refusal::kParseError,
                      "askdb could not add LIMIT " + std::to_string(options.row_cap) +
                          " to this query (a bug in askdb). Add LIMIT " +
                          std::to_string(options.row_cap) + " to the query yourself.");
      }
    }
    guarded.sql = end_outside_line_comment(std::move(capped.sql));
    guarded.limit_applied = capped.limit_applied;
  }
  Verdict verdict;
  verdict.accepted = std::move(guarded);
  return verdict;
}

}  // namespace

const char* refusal_name(Refusal refusal) {
  switch (refusal) {
    case Refusal::kParseError:
      return "parse_error";
    case Refusal::kEmpty:
      return "empty";
    case Refusal::kMultipleStatements:
      return "multiple_statements";
    case Refusal::kNotAQuery:
      return "not_a_query";
    case Refusal::kSelectInto:
      return "select_into";
    case Refusal::kLocking:
      return "locking";
    case Refusal::kDataModifyingCte:
      return "data_modifying_cte";
    case Refusal::kDeniedFunction:
      return "denied_function";
    case Refusal::kVolatileFunction:
      return "volatile_function";
    case Refusal::kUnknownFunction:
      return "unknown_function";
  }
  return "unknown";
}

Verdict check(std::string_view sql, const FunctionCatalog& functions, const GuardOptions& options) {
  if (sql.find('\0') != std::string_view::npos) {
    return reject(Refusal::kParseError,
                  "The SQL contains a NUL byte, which PostgreSQL does not accept. Send plain "
                  "SQL text.");
  }
  const std::string text(sql);
  const ParseTree tree = parse_sql(text);
  if (tree.error) return reject(Refusal::kParseError, parse_error_message(text, *tree.error));
  try {
    return check_parsed(text, tree, functions, options);
  } catch (const nlohmann::json::exception& e) {
    return reject(
        Refusal::kParseError,
        std::string("askdb could not read PostgreSQL's parse tree (a bug in askdb): ") + e.what());
  }
}

Result<GuardedSql> guard(std::string_view sql, const FunctionCatalog& functions,
                         const GuardOptions& options) {
  return to_result(check(sql, functions, options));
}

Result<GuardedSql> to_result(Verdict verdict) {
  if (verdict.accepted) return std::move(*verdict.accepted);
  if (verdict.rejected) return make_error(ErrorCode::kGuard, std::move(verdict.rejected->message));
  return make_error(ErrorCode::kInternal, "The SQL guard returned no verdict (a bug in askdb).");
}

}  // namespace askdb::sqlguard
