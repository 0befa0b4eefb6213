#include "retrieval/indexer.h"

#include <chrono>

#include "retrieval/schema_index.h"

namespace askdb::retrieval {

Result<IndexReport> update_index(pg::Connection& store, const std::string& store_schema,
                                 const Catalog& catalog, bool force) {
  const auto start = std::chrono::steady_clock::now();
  IndexReport report;
  report.fingerprint = catalog_fingerprint(catalog);
  report.tables = catalog.tables.size();
  for (const auto& t : catalog.tables) report.columns += t.columns.size();
  auto indexed = indexed_fingerprint(store, store_schema);
  if (!indexed) return indexed.error();
  if (force || *indexed != report.fingerprint) {
    if (auto st = write_schema_index(store, store_schema, catalog); !st) return st.error();
    report.rewritten = true;
  }
  report.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace askdb::retrieval
