// Abbreviations that column and table names use everywhere ("fname", "dept_no", "cust_id",
// "qty"), and the words they stand for, so that a question's "first name" or "department
// number" finds them. A fixed list of common, unambiguous ones; a database's own jargon is
// better said in a comment (COMMENT ON COLUMN ...), which the schema index reads too.
//
// Thread-safety: pure functions over constant data.
#pragma once

#include <string>
#include <string_view>

namespace askdb::retrieval {

// The words `word` (one lower-case word of an identifier) stands for: "fname" → "first name",
// "custid" → "customer id" (an abbreviation followed by "id", "no" or "num"); "" when it is
// not a known abbreviation.
std::string expand_abbreviation(std::string_view word);

}  // namespace askdb::retrieval
