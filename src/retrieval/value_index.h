// The value index: the distinct values of the target database's categorical text columns, kept
// in the app store (<store schema>.value_entries and value_terms, migration 0003) so that a
// question that names a value in everyday spelling ("customers in Sao Paolo") finds the exact
// literal the data holds (customers.city = 'São Paulo') for the SQL prompt.
//
// Three steps, each its own call:
//   read_values()        reads the values from the target (its read-only role): from pg_stats
//                        (most common values, histogram bounds) where they cover the column, so
//                        big tables are never scanned; else, for small tables only, a bounded
//                        SELECT under a short statement_timeout. Enum columns from their labels.
//   write_value_index()  replaces the index in the app store in one transaction.
//   search_values()      ranks the indexed values against a question.
//
// Matching: values and question are folded alike (retrieval/text_fold.h: case, accents,
// apostrophes, punctuation). A value's score is the best trigram similarity (as pg_trgm counts
// trigrams: words padded, "  s", " sa", "sao", "ao ") between the value and any run of adjacent
// question words holding a word that is neither a common English function word nor a number
// (a "content word"; the value must hold one too): small typos ("Sao Paolo" 0.54), plurals
// ("outlets" 0.67) and inflections still score well, while "in", "the" or "2024" never match.
// Values scoring at least kMinValueScore are hits. Matching runs over the distinct folded values
// (a value many columns hold is matched once): candidates from a pg_trgm GIN index on them
// (phrases of the question matched with the % operator) when the extension is there, else from a
// GIN index on their words (exact words and singular forms only: no typos); write_value_index()
// reports which, and what to do. The entries (columns) of the best are then read in rank order,
// as many as asked for.
//
// pg_trgm is never created by a migration (a failing migration would block the whole app
// store): write_value_index() creates it when the store's role may (a trusted extension since
// PostgreSQL 13; needs CREATE on the database), and otherwise degrades and says so.
//
// Thread-safety: functions only; a Connection is used by one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "pg/connection.h"
#include "retrieval/catalog.h"

namespace askdb::retrieval {

// The least score a value needs to be a hit (a trigram similarity, 0..1).
inline constexpr double kMinValueScore = 0.5;

// Whether a column must never be read (private data, e.g. PII from the configuration).
using PrivateColumn = std::function<bool(const std::string& schema, const std::string& table,
                                         const std::string& column)>;

struct ValueReadOptions {
  // A column with more distinct values than this is not categorical, and is skipped.
  size_t max_values_per_column = 1000;
  // Longer values are cut to this many bytes (at a UTF-8 character boundary) and marked so.
  size_t max_value_bytes = 100;
  // A table is scanned (when its statistics do not hold every value of a column) only when it
  // has at most this many rows by its estimate, or no estimate; at most this many rows are read.
  int64_t scan_rows = 10000;
  // The statement_timeout of each scan, in milliseconds.
  int scan_timeout_ms = 2000;
  // Columns never read; empty: none.
  PrivateColumn is_private;
  // When it becomes true, reading stops at the next table (an error).
  const std::atomic<bool>* stop = nullptr;
};

struct ColumnValue {
  std::string text;        // the value as stored, or its first max_value_bytes bytes
  bool truncated = false;  // text is the start of a longer value
};

struct ColumnValues {
  std::string schema;
  std::string table;
  std::string column;
  std::string source;    // "enum" (its labels), "statistics" (pg_stats) or "scan"
  bool complete = true;  // false: the statistics' most common values, or the rows first read
  std::vector<ColumnValue> values;  // distinct, sorted (by byte)
};

struct SkippedColumn {
  std::string schema;
  std::string table;
  std::string column;  // "" when the whole table was skipped
  std::string reason;  // for the user: why, and what to do where something can be done
};

struct ValueSet {
  std::vector<ColumnValues> columns;  // in catalog order, then column order
  std::vector<SkippedColumn> skipped;
};

// Reads the values of the text-like columns (text, varchar, char(n), citext, enums, domains over
// them) of the catalog's tables and materialized views. A column skipped (private, unreadable,
// not categorical, too big to scan without statistics, a view's, gone since the catalog was
// read, a scan that failed or timed out) is listed with the reason; never fatal.
// REQUIRES: `target` is not inside a transaction. Error{kDatabase} only when the catalog
// queries themselves fail (the connection is gone).
Result<ValueSet> read_values(pg::Connection& target, const Catalog& catalog,
                             const ValueReadOptions& options = {});

struct ValueIndexReport {
  size_t columns = 0;
  size_t values = 0;
  bool trigram = false;               // candidates by pg_trgm (typos found); false: words only
  std::vector<std::string> warnings;  // what is missing and what to do about it
};

// Replaces the value index in `store_schema` with `values`, in one transaction (readers see the
// old index or the new one); creates pg_trgm first when it is missing and the role may.
// REQUIRES: `store` is not inside a transaction; the store is migrated. Error{kDatabase}
// naming what failed.
Result<ValueIndexReport> write_value_index(pg::Connection& store, const std::string& store_schema,
                                           const ValueSet& values);

struct ValueHit {
  std::string schema;
  std::string table;
  std::string column;
  std::string value;  // the exact stored literal (its start when truncated)
  bool truncated = false;
  double score = 0;  // kMinValueScore..1
};

// The indexed values `question` names, best first, at most `limit`; ties go to the value
// matched on more trigrams, then by schema, table, column and value (byte order). Empty when
// nothing matches or nothing was indexed yet. Runs in a read-only transaction of its own, or in
// a savepoint of the caller's, whose settings (pg_trgm.similarity_threshold, enable_seqscan,
// jit) end with it. Error{kDatabase} naming what failed (an unmigrated store: what to run).
Result<std::vector<ValueHit>> search_values(pg::Connection& store, const std::string& store_schema,
                                            std::string_view question, size_t limit = 10);

// The hits for the SQL prompt, one line per column, its values in hit order:
//   customers.city: 'São Paulo', 'Sao Bento'
//   reviews.body: LIKE 'Arrived broken and%'        (a truncated value)
// Table names as CatalogTable::qualified_name() writes them, identifiers quoted where needed.
std::string render_value_hits(const std::vector<ValueHit>& hits);

// The similarity search_values() gives `value` for `question` (0 when the value or the question
// holds no content word), for tests and tools.
double value_match_score(std::string_view value, std::string_view question);

}  // namespace askdb::retrieval
