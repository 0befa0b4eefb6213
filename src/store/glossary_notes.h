// GlossaryNoteStore: glossary notes added through the API (POST /api/v1/notes) and `askdb note`
// — a term of the business ("churned customer") and what it means in this database. They join
// the notes of glossary.md in the knowledge the SQL prompt draws on; a stored note wins over a
// file note of the same term.
//
// One note per term, whatever its case: adding a note for a term replaces the old one. Notes
// are shared by all users. One round trip per call; holds only the schema name: thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"
#include "pg/connection.h"

namespace askdb::store {

// The longest term and text accepted, in bytes.
inline constexpr size_t kMaxNoteTermBytes = 200;
inline constexpr size_t kMaxNoteTextBytes = 20000;

struct StoredNote {
  std::string term;
  std::string text;
  std::string created_by;
  std::string created_at;  // ISO-8601 UTC: when it was added or last replaced
};

// Checks a note before it is stored: a term of one line and a text, neither empty nor too long,
// both valid UTF-8. Error{kUsage} saying what is wrong with which.
Status validate_note(const std::string& term, const std::string& text);

class GlossaryNoteStore {
 public:
  explicit GlossaryNoteStore(const std::string& schema);

  // Every stored note, by term (case-insensitive).
  Result<std::vector<StoredNote>> list_notes(pg::Connection& conn) const;

  // Stores the note, replacing the one of the same term (any case). Returns true when the term
  // was new, false when a note was replaced. Error{kUsage} as validate_note() says.
  Result<bool> put_note(pg::Connection& conn, const std::string& term, const std::string& text,
                        const std::string& created_by) const;

 private:
  std::string prefix_;  // "schema".
};

}  // namespace askdb::store
