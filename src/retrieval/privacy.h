// Private data (PII): tables and columns the configuration marks private
// (`retrieval.private`) are taken out of the catalog as soon as it is read, so they are never
// indexed, sampled for values, or shown to the LLM or in the schema browser. This hides them;
// it does not stop a query that names them (refusing such queries is the guard's part of the
// policy, still to come), so the read-only role's privileges remain the hard limit. A view
// that shows a private column under its own name needs a rule of its own.
//
// A rule is a glob over qualified names, case folded, `*` matching any run of characters:
//   "public.customers"          the table (two parts: schema.table)
//   "public.customers.email"    one column (three parts: schema.table.column)
//   "*.*.ssn", "hr.*"           every ssn column; every table of schema hr
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "retrieval/catalog.h"

namespace askdb::retrieval {

struct PrivacyRules {
  std::vector<std::vector<std::string>> tables;   // {schema, table} globs
  std::vector<std::vector<std::string>> columns;  // {schema, table, column} globs

  bool empty() const { return tables.empty() && columns.empty(); }
  bool table_is_private(std::string_view schema, std::string_view table) const;
  bool column_is_private(std::string_view schema, std::string_view table,
                         std::string_view column) const;
};

// Parses "a.b, c.d.e, ..." (commas or whitespace between rules). Error{kConfig} naming a rule
// that is not two or three dot-separated parts.
Result<PrivacyRules> parse_privacy_rules(std::string_view text);

// Removes private tables and columns from `catalog`, and with them the keys that name a private
// column, the foreign keys that reach a private table, and the private names among the
// relations and columns the catalog skipped (Catalog::skipped) because they cannot be read. Returns how many tables and columns
// were removed.
struct Removed {
  size_t tables = 0;
  size_t columns = 0;
  std::vector<std::string> unmatched;  // rules that matched nothing (a typo hides nothing)
};
Removed remove_private(Catalog& catalog, const PrivacyRules& rules);

}  // namespace askdb::retrieval
