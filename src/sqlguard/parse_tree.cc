// libpg_query's pg_query_parse, with its C result freed and its JSON read without exceptions.
#include "sqlguard/parse_tree.h"

#include <pg_query.h>

namespace askdb::sqlguard {

ParseTree parse_sql(const std::string& sql) {
  ParseTree tree;
  PgQueryParseResult result = pg_query_parse(sql.c_str());
  if (result.error != nullptr) {
    tree.error = ParseError{result.error->message != nullptr ? result.error->message : "",
                            result.error->cursorpos};
  } else if (result.parse_tree == nullptr) {
    tree.error = ParseError{"the parser returned no tree", 0};
  } else {
    tree.root = nlohmann::json::parse(result.parse_tree, nullptr, /*allow_exceptions=*/false);
    if (tree.root.is_discarded() || !tree.root.is_object()) {
      tree.error = ParseError{"the parser returned a tree that is not valid JSON", 0};
    }
  }
  pg_query_free_parse_result(result);
  return tree;
}

LineColumn line_column_at(const std::string& text, int cursor) {
  LineColumn at;
  int chars = 1;  // 1-based position of the character starting at byte i
  for (size_t i = 0; i < text.size() && chars < cursor; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte: same character
    if (c == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
    ++chars;
  }
  return at;
}

}  // namespace askdb::sqlguard
