// Reading the top-level LIMIT and splicing the row cap into the user's text.
#include "sqlguard/row_cap.h"

#include <limits>

#include "sqlguard/tree_walk.h"

namespace askdb::sqlguard {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Parses decimal digits, saturating at INT64_MAX; false when `s` is not all digits.
bool parse_digits(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  int64_t value = 0;
  for (const char c : s) {
    if (!is_digit(c)) return false;
    const int d = c - '0';
    if (value > (std::numeric_limits<int64_t>::max() - d) / 10) {
      value = std::numeric_limits<int64_t>::max();
    } else {
      value = value * 10 + d;
    }
  }
  out = value;
  return true;
}

// True when the integer literal at byte `location` of `text` has the value `value`.
bool literal_matches(std::string_view text, long long location, int64_t value) {
  if (location < 0) return value == 1;  // FETCH FIRST ROW ONLY: an implicit 1, no literal
  if (static_cast<size_t>(location) >= text.size()) return false;
  const size_t at = static_cast<size_t>(location);
  size_t end = at;
  while (end < text.size() && is_digit(text[end])) ++end;
  int64_t written = 0;
  return parse_digits(text.substr(at, end - at), written) && written == value;
}

}  // namespace

TopLimit read_top_limit(const nlohmann::json& select_stmt) {
  TopLimit limit;
  if (!select_stmt.is_object()) return limit;
  const auto count = select_stmt.find("limitCount");
  if (count == select_stmt.end() || count->is_null()) return limit;
  limit.kind = TopLimit::Kind::kOther;
  if (json_string(select_stmt, "limitOption") == "LIMIT_OPTION_WITH_TIES") return limit;
  if (!count->is_object() || !count->contains("A_Const")) return limit;
  const auto& constant = (*count)["A_Const"];
  if (!constant.is_object() || json_bool(constant, "isnull")) return limit;  // LIMIT ALL / NULL
  const long long location = json_int(constant, "location", -1);
  if (const auto ival = constant.find("ival"); ival != constant.end() && ival->is_object()) {
    const long long value = json_int(*ival, "ival", 0);  // a zero is left out of the JSON
    if (value < 0) return limit;
    limit.kind = TopLimit::Kind::kConstant;
    limit.value = value;
    limit.location = location;
    return limit;
  }
  if (const auto fval = constant.find("fval"); fval != constant.end() && fval->is_object()) {
    // Integers too large for int4 arrive as Float nodes holding their digits.
    const std::string_view text = json_string(*fval, "fval");
    int64_t value = 0;
    if (!parse_digits(text, value)) return limit;  // 10.5, 1e3: not an integer
    limit.kind = TopLimit::Kind::kConstant;
    limit.value = value;
    limit.location = location;
  }
  return limit;
}

bool limit_within_cap(const nlohmann::json& select_stmt, std::string_view text, int64_t row_cap) {
  const TopLimit limit = read_top_limit(select_stmt);
  return limit.kind == TopLimit::Kind::kConstant && limit.value <= row_cap &&
         literal_matches(text, limit.location, limit.value);
}

std::string wrap_with_limit(std::string_view statement, int64_t row_cap) {
  return "SELECT * FROM (\n" + std::string(statement) + "\n) AS capped\nLIMIT " +
         std::to_string(row_cap);
}

CappedQuery apply_row_cap(std::string_view statement, size_t statement_offset,
                          const nlohmann::json& select_stmt, int64_t row_cap) {
  const TopLimit limit = read_top_limit(select_stmt);
  switch (limit.kind) {
    case TopLimit::Kind::kNone:
      return {std::string(statement) + "\nLIMIT " + std::to_string(row_cap), true};
    case TopLimit::Kind::kOther:
      return {wrap_with_limit(statement, row_cap), true};
    case TopLimit::Kind::kConstant:
      break;
  }
  // Check the literal in the text: libpg_query's JSON leaves out negative integers as it does
  // zero, so LIMIT -1 reads as 0 until the text says otherwise.
  const long long at =
      limit.location >= 0 && static_cast<size_t>(limit.location) >= statement_offset
          ? limit.location - static_cast<long long>(statement_offset)
          : -1;
  if ((limit.location >= 0 && at < 0) || !literal_matches(statement, at, limit.value)) {
    return {wrap_with_limit(statement, row_cap), true};
  }
  if (limit.value <= row_cap) return {std::string(statement), false};
  if (at >= 0) {
    size_t end = static_cast<size_t>(at);
    while (end < statement.size() && is_digit(statement[end])) ++end;
    std::string sql(statement);
    sql.replace(static_cast<size_t>(at), end - static_cast<size_t>(at), std::to_string(row_cap));
    return {std::move(sql), true};
  }
  return {wrap_with_limit(statement, row_cap), true};
}

}  // namespace askdb::sqlguard
