#include "store/glossary_notes.h"

#include <algorithm>

#include "core/text.h"
#include "store/sql_support.h"

namespace askdb::store {

Status validate_note(const std::string& term, const std::string& text) {
  const std::string_view t = trim(term);
  const std::string_view x = trim(text);
  if (t.empty() || x.empty()) {
    return make_error(ErrorCode::kUsage,
                      std::string("a glossary note needs a term and a text saying what it means in "
                                  "this database; its ") +
                          (t.empty() ? "term" : "text") + " is empty.");
  }
  // Control characters would reach the prompt's "### term" heading and the text as they are
  // (a carriage return or an escape sequence, say): none in the term; only tabs and line
  // breaks in the text.
  const auto control = [](std::string_view s, bool lines) {
    return std::any_of(s.begin(), s.end(), [lines](char ch) {
      const auto c = static_cast<unsigned char>(ch);
      return (c < 0x20 && !(lines && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f;
    });
  };
  if (control(t, false)) {
    return make_error(ErrorCode::kUsage,
                      "the note's term holds a control character (a line break, tab or escape); "
                      "write it as one line of plain text.");
  }
  if (control(x, true)) {
    return make_error(ErrorCode::kUsage,
                      "the note's text holds a control character other than a tab or a line "
                      "break; remove it.");
  }
  if (!is_valid_utf8(t) || !is_valid_utf8(x)) {
    return make_error(ErrorCode::kUsage,
                      "the note's term or text is not valid UTF-8; check the encoding.");
  }
  if (t.size() > kMaxNoteTermBytes || t.find('\n') != std::string_view::npos) {
    return make_error(ErrorCode::kUsage, "the note's term must be one line of at most " +
                                             std::to_string(kMaxNoteTermBytes) +
                                             " bytes (put the explanation in its text).");
  }
  if (x.size() > kMaxNoteTextBytes) {
    return make_error(ErrorCode::kUsage,
                      "the note's text is " + std::to_string(x.size()) + " bytes long; at most " +
                          std::to_string(kMaxNoteTextBytes) + " are accepted. Shorten it.");
  }
  return ok_status();
}

GlossaryNoteStore::GlossaryNoteStore(const std::string& schema)
    : prefix_(detail::schema_prefix(schema)) {}

Result<std::vector<StoredNote>> GlossaryNoteStore::list_notes(pg::Connection& conn) const {
  auto rows = conn.query("SELECT term, text, created_by, " + detail::iso_utc("created_at") +
                         " FROM " + prefix_ + "glossary_notes ORDER BY lower(term), term");
  if (!rows) return detail::store_error("read the glossary notes", rows.error());
  std::vector<StoredNote> out;
  out.reserve(rows->rows.size());
  for (const auto& row : rows->rows) {
    out.push_back({detail::text_cell(row.at(0)), detail::text_cell(row.at(1)),
                   detail::text_cell(row.at(2)), detail::text_cell(row.at(3))});
  }
  return out;
}

Result<bool> GlossaryNoteStore::put_note(pg::Connection& conn, const std::string& term,
                                         const std::string& text,
                                         const std::string& created_by) const {
  if (auto st = validate_note(term, text); !st) return st.error();
  // xmax is 0 for a row this statement inserted, and set for one it updated.
  auto rows =
      conn.query("INSERT INTO " + prefix_ +
                     "glossary_notes (term, text, created_by) VALUES ($1, $2, $3) "
                     "ON CONFLICT ((lower(term))) DO UPDATE SET term = EXCLUDED.term, "
                     "text = EXCLUDED.text, created_by = EXCLUDED.created_by, "
                     "created_at = now() RETURNING xmax = 0",
                 {detail::clean_text(trim(term)), detail::clean_text(trim(text)), created_by});
  if (!rows) return detail::store_error("store a glossary note", rows.error());
  return !rows->rows.empty() && detail::text_cell(rows->rows[0][0]) == "t";
}

}  // namespace askdb::store
