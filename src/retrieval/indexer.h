// The indexer: keeps the knowledge index in the app store — the schema's tables and columns
// (schema_index.h) and the values of its categorical columns (value_index.h) — in step with the
// target database's catalog. Both are rewritten when the catalog's fingerprint differs from the
// one indexed last, or when asked to, and left alone otherwise: checking costs reading the
// catalog (a few milliseconds for a small database, about 0.6 s for 10,000 tables) and one
// query. (Values that change while the catalog does not
// are picked up by the next rewrite: askdb index, or a schema change.)
//
// Thread-safety: functions only; two processes indexing at once take turns (advisory lock).
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

#include "core/result.h"
#include "llm/embedder.h"
#include "pg/connection.h"
#include "retrieval/catalog.h"
#include "retrieval/value_index.h"

namespace askdb::retrieval {

struct IndexOptions {
  bool force = false;                 // rewrite even when the fingerprints agree
  ValueReadOptions values;            // how values are read (and which columns never are)
  llm::Embedder* embedder = nullptr;  // vectors for the documents; null: none
  // When it becomes true, indexing stops as soon as it can (an error; the old index stays).
  // values.stop is set from it.
  const std::atomic<bool>* stop = nullptr;
};

struct IndexReport {
  bool rewritten = false;   // false: the index already described this catalog
  std::string fingerprint;  // index_fingerprint() of the catalog now indexed
  size_t tables = 0;
  size_t columns = 0;
  size_t value_columns = 0;  // columns whose values were indexed
  size_t values = 0;
  bool trigram = false;  // values matched with typos (pg_trgm); false: words only
  std::vector<SkippedRelation> unreadable;  // left out of the catalog (or some of their columns)
  std::vector<SkippedColumn> skipped;  // columns (or tables) whose values were not read, and why
  std::vector<std::string> warnings;   // what is missing and what to do about it
  double ms = 0;                       // checking and, when done, rewriting
};

// Brings the index in `store_schema` up to date with `catalog`, reading values through
// `target` (the read-only connection; null: no values). REQUIRES: neither connection is in a
// transaction. Error{kDatabase} naming what failed; the old index stays then.
Result<IndexReport> update_index(pg::Connection& store, const std::string& store_schema,
                                 pg::Connection* target, const Catalog& catalog,
                                 const IndexOptions& options = {});

}  // namespace askdb::retrieval
