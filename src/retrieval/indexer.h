// The indexer: keeps the knowledge index in the app store (schema_index.h) in step with the
// target database's catalog. The index is rewritten when the catalog's fingerprint differs from
// the one indexed last, or when asked to, and left alone otherwise, so checking at every start
// (and now and then while serving) costs one query.
//
// Thread-safety: functions only; two processes indexing at once take turns (advisory lock).
#pragma once

#include <cstddef>
#include <string>

#include "core/result.h"
#include "pg/connection.h"
#include "retrieval/catalog.h"

namespace askdb::retrieval {

struct IndexReport {
  bool rewritten = false;   // false: the index already described this catalog
  std::string fingerprint;  // catalog_fingerprint() of the catalog now indexed
  size_t tables = 0;
  size_t columns = 0;
  double ms = 0;  // checking and, when done, rewriting
};

// Brings the index in `store_schema` up to date with `catalog`; `force` rewrites it even when
// the fingerprints agree. Error{kDatabase} naming what failed; the old index stays then.
Result<IndexReport> update_index(pg::Connection& store, const std::string& store_schema,
                                 const Catalog& catalog, bool force = false);

}  // namespace askdb::retrieval
