// Catalog: what the target database holds that a query may read — tables, views,
// materialized views, their columns, types, comments, and primary and foreign keys — as seen
// by the connection's role (only relations and columns it may SELECT from), and the relations
// it may not read, with the reason, for `askdb index` to list.
//
// load_catalog() reads it with a few set-based catalog queries in one snapshot; the result is an
// immutable value, safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/shared.h"
#include "pg/connection.h"

namespace askdb::retrieval {

struct CatalogColumn {
  std::string name;
  std::string type;  // format_type(): "integer", "numeric(12,2)", "text", ...
  std::string comment;
  bool not_null = false;
};

struct ForeignKey {
  std::vector<std::string> columns;
  std::string ref_schema;
  std::string ref_table;
  std::vector<std::string> ref_columns;
};

struct CatalogTable {
  std::string schema;
  std::string name;
  std::string kind;  // "table", "view", "materialized view", "foreign table"
  std::string comment;
  int64_t row_estimate = -1;  // -1: unknown (never analyzed)
  std::vector<CatalogColumn> columns;
  std::vector<std::string> primary_key;
  std::vector<ForeignKey> foreign_keys;

  // "name" in the public schema, else "schema.name"; identifiers quoted where needed.
  std::string qualified_name() const;
};

// A relation load_catalog() left out, or took without some of its columns, and why.
struct SkippedRelation {
  std::string schema;
  std::string name;
  std::string kind;                  // as CatalogTable::kind
  std::vector<std::string> columns;  // empty: the whole relation was left out; else the columns
                                     // left out of it (the relation is in Catalog::tables)
  std::string reason;                // "no SELECT privilege for role askdb_reader"

  // One line for a person: `sales.salaries (table): no SELECT privilege for role askdb_reader`,
  // or `hr.people (table), columns ssn, "Salary": no SELECT privilege ...`.
  std::string describe() const;
};

struct Catalog {
  std::vector<CatalogTable> tables;      // ordered by schema, then name
  std::vector<SkippedRelation> skipped;  // ordered by schema, then name; not in the fingerprint
};

// The catalog in use now: replaced when the database's schema changes (Workspace).
using SharedCatalog = Shared<Catalog>;

// Reads the catalog. `excluded_schemas` (e.g. askdb's own) are left out, as are the system
// schemas and partitions (their parent is listed). Relations in a schema the role may not use,
// relations it may not SELECT from, and columns it may not SELECT go to Catalog::skipped.
// When `conn` is not inside a transaction, every query reads one snapshot (REPEATABLE READ,
// READ ONLY), so DDL committed meanwhile is seen whole or not at all; a relation dropped while
// it is read is left out.
Result<Catalog> load_catalog(pg::Connection& conn,
                             const std::vector<std::string>& excluded_schemas);

// A digest of everything in `catalog` (names, kinds, types, comments, keys) as 16 hex digits:
// equal catalogs give equal fingerprints, and any change gives another (FNV-1a, 64 bits; for
// noticing change, not for security).
std::string catalog_fingerprint(const Catalog& catalog);

// The items of a PostgreSQL text[] as it comes back in text form: {a,b,"c d","e\"f"}.
std::vector<std::string> parse_text_array(const std::string& text);

// A table as the prompt names it: "name" in the public schema, else "schema.name"; identifiers
// quoted where needed.
std::string qualified_name(const std::string& schema, const std::string& name);

// The text form of a PostgreSQL text[] holding `items` (every item quoted, `"` and `\`
// escaped): what parse_text_array() reads back, and what a $n::text[] parameter takes.
std::string text_array_literal(const std::vector<std::string>& items);

// An identifier as it must be written in SQL: bare when it is a lower-case name that is not a
// reserved word, else quoted ("order", "Customers", "first name").
std::string sql_identifier(const std::string& name);

}  // namespace askdb::retrieval
