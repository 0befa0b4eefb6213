#include "chat/sql_extract.h"

#include <cctype>
#include <vector>

#include "core/text.h"

namespace askdb::chat {
namespace {

constexpr std::string_view kCannotAnswer = "-- cannot answer:";

// True when `line` starts a SQL statement (after optional whitespace).
bool starts_statement(std::string_view line) {
  line = trim(line);
  for (std::string_view kw :
       {"select", "with",   "values", "table", "(",     "insert",   "update",
        "delete", "merge",  "create", "drop",  "alter", "explain",  "copy",
        "begin",  "commit", "set",    "do",    "call",  "truncate", "grant"}) {
    if (starts_with_icase(line, kw) &&
        (line.size() == kw.size() || kw == "(" ||
         !std::isalnum(static_cast<unsigned char>(line[kw.size()])))) {
      return true;
    }
  }
  return false;
}

// True when `line` can follow a blank line inside one statement.
bool continues_sql(std::string_view line) {
  line = trim(line);
  if (line.empty()) return false;
  if (line[0] == ')' || line[0] == ',' || starts_with_icase(line, "--")) return true;
  for (std::string_view kw : {"from",      "where",  "group",  "order", "having", "limit", "offset",
                              "join",      "left",   "right",  "inner", "full",   "cross", "union",
                              "intersect", "except", "window", "and",   "or",     "on"}) {
    if (starts_with_icase(line, kw) &&
        (line.size() == kw.size() || !std::isalnum(static_cast<unsigned char>(line[kw.size()])))) {
      return true;
    }
  }
  return starts_statement(line);
}

// The body of the first fenced block whose info string satisfies `want`, if any.
std::optional<std::string> fenced(std::string_view reply, bool sql_only) {
  size_t pos = 0;
  while (true) {
    const size_t open = reply.find("```", pos);
    if (open == std::string_view::npos) return std::nullopt;
    const size_t info_end = reply.find('\n', open);
    if (info_end == std::string_view::npos) return std::nullopt;
    const std::string info = to_lower(trim(reply.substr(open + 3, info_end - open - 3)));
    size_t close = reply.find("```", info_end);
    const std::string_view body =
        reply.substr(info_end + 1, close == std::string_view::npos ? std::string_view::npos
                                                                   : close - info_end - 1);
    const bool is_sql = info == "sql" || info == "postgresql" || info == "postgres" ||
                        info == "pgsql" || info == "psql";
    if (!sql_only || is_sql) {
      if (sql_only || info.empty() || starts_statement(body)) return std::string(trim(body));
    }
    if (close == std::string_view::npos) return std::nullopt;
    pos = close + 3;
  }
}

// Unfenced SQL: from the first line that starts a statement up to a blank line followed by
// prose, or up to the first semicolon that ends a line.
std::optional<std::string> unfenced(std::string_view reply) {
  const auto lines = split(reply, '\n');
  size_t first = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = trim(lines[i]);
    for (std::string_view prefix : {"SQLQuery:", "SQL Query:", "SQL:", "Query:"}) {
      if (starts_with_icase(l, prefix)) {
        l = trim(l.substr(prefix.size()));
        if (l.empty() && i + 1 < lines.size()) {
          first = i + 1;
        } else {
          first = i;
        }
        break;
      }
    }
    if (first != lines.size()) break;
    if (starts_statement(l)) {
      first = i;
      break;
    }
  }
  if (first == lines.size()) return std::nullopt;
  std::string out;
  for (size_t i = first; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (i == first) {
      for (std::string_view prefix : {"SQLQuery:", "SQL Query:", "SQL:", "Query:"}) {
        std::string_view t = trim(l);
        if (starts_with_icase(t, prefix)) l = trim(t.substr(prefix.size()));
      }
    }
    if (starts_with_icase(trim(l), "SQLResult:") || starts_with_icase(trim(l), "Answer:")) break;
    if (trim(l).empty()) {
      // A blank line ends the statement unless SQL continues after it.
      size_t next = i + 1;
      while (next < lines.size() && trim(lines[next]).empty()) ++next;
      if (next >= lines.size() || !continues_sql(lines[next])) break;
    }
    out += std::string(l) + "\n";
    if (!trim(l).empty() && trim(l).back() == ';') {
      // A statement ended; keep going only if another statement follows at once (the guard
      // must see it to refuse it).
      size_t next = i + 1;
      while (next < lines.size() && trim(lines[next]).empty()) ++next;
      if (next >= lines.size() || !starts_statement(lines[next])) break;
    }
  }
  std::string sql(trim(out));
  if (sql.empty()) return std::nullopt;
  return sql;
}

}  // namespace

std::optional<ExtractedSql> extract_sql(std::string_view reply) {
  std::optional<std::string> sql = fenced(reply, true);
  if (!sql) sql = fenced(reply, false);
  if (!sql) sql = unfenced(reply);
  if (!sql) {
    // A bare "cannot answer" comment with nothing else.
    const auto at = reply.find(kCannotAnswer);
    if (at == std::string_view::npos) return std::nullopt;
    sql = std::string(trim(reply.substr(at)));
  }
  ExtractedSql out;
  const std::string_view text = trim(*sql);
  if (starts_with_icase(text, kCannotAnswer)) {
    std::string_view reason = text.substr(kCannotAnswer.size());
    reason = trim(reason.substr(0, reason.find('\n')));
    out.cannot_answer = std::string(reason);
    return out;
  }
  if (text.empty()) return std::nullopt;
  out.sql = std::string(text);
  return out;
}

}  // namespace askdb::chat
