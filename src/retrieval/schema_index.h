// The schema index: the target database's tables and columns as full-text documents in the app
// store (<store schema>.schema_documents, migration 0002), and the search that ranks tables for
// a question.
//
// Each table and each column is one document: its name split into words (snake_case,
// camelCase and digits apart) and its details (comment, type, keys, the names around it), as
// English tsvectors with GIN indexes. A question's English lexemes are looked up there, each
// weighted by how rare it is among the documents (log N/df, from schema_terms), and every table
// gets, for each lexeme, the best place the lexeme was found: the table's name, a column's
// name, or their details. A table's score is the sum. Deterministic: ties go by name.
//
// Thread-safety: functions only; a Connection is used by one thread at a time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "pg/connection.h"
#include "retrieval/catalog.h"

namespace askdb::retrieval {

// "OrderItems_2024" → "order items 2024": an identifier as the words it is made of.
std::string identifier_words(std::string_view identifier);

// Rewrites the index in `store_schema` for `catalog`, in one transaction (readers see the old
// index or the new one). Error{kDatabase} naming what failed.
Status write_schema_index(pg::Connection& store, const std::string& store_schema,
                          const Catalog& catalog);

// write_schema_index(), unless the index already holds `catalog` (the fingerprint stored is
// catalog_fingerprint(catalog)). Decided under the indexers' lock, so of two indexers started
// together the second finds the first one's work and writes nothing. Returns whether it wrote.
// A change in how documents are made does not change the fingerprint: after one, call
// write_schema_index().
Result<bool> refresh_schema_index(pg::Connection& store, const std::string& store_schema,
                                  const Catalog& catalog);

// catalog_fingerprint() of the catalog last indexed in `store_schema`; "" when none was.
Result<std::string> indexed_fingerprint(pg::Connection& store, const std::string& store_schema);

struct TableHit {
  std::string schema;
  std::string name;
  double score = 0;
  std::vector<std::string> columns;  // columns whose name holds a word of the question, best first
};

// The query search_schema() runs ($1 the question, $2-$5 the weights of a word found in a
// table's name, its details, a column's name, a column's details), for EXPLAIN.
std::string schema_search_sql(const std::string& store_schema);

// Tables whose documents share a word with `question`, best first, at most `limit`.
Result<std::vector<TableHit>> search_schema(pg::Connection& store, const std::string& store_schema,
                                            std::string_view question, size_t limit = 50);

}  // namespace askdb::retrieval
