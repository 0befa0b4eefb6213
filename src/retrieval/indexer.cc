#include "retrieval/indexer.h"

#include <chrono>

#include "retrieval/schema_index.h"

namespace askdb::retrieval {

Result<IndexReport> update_index(pg::Connection& store, const std::string& store_schema,
                                 pg::Connection* target, const Catalog& catalog,
                                 const IndexOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  IndexReport report;
  report.fingerprint = index_fingerprint(catalog, options.embedder);
  report.tables = catalog.tables.size();
  report.unreadable = catalog.skipped;
  for (const auto& t : catalog.tables) report.columns += t.columns.size();
  auto indexed = indexed_fingerprint(store, store_schema);
  if (!indexed) return indexed.error();
  if (options.force || *indexed != report.fingerprint) {
    if (target != nullptr) {
      ValueReadOptions value_options = options.values;
      value_options.stop = options.stop;
      auto values = read_values(*target, catalog, value_options);
      if (!values) return values.error();
      if (options.stop != nullptr && options.stop->load()) return indexing_stopped();
      auto written = write_value_index(store, store_schema, *values);
      if (!written) return written.error();
      report.value_columns = written->columns;
      report.values = written->values;
      report.trigram = written->trigram;
      report.warnings = std::move(written->warnings);
      report.skipped = std::move(values->skipped);
    }
    // The schema index last: its fingerprint says that everything was indexed. Of two
    // indexers started together, the second finds it written and leaves it.
    if (options.force) {
      if (auto st =
              write_schema_index(store, store_schema, catalog, options.embedder, options.stop);
          !st) {
        return st.error();
      }
      report.rewritten = true;
    } else {
      auto wrote =
          refresh_schema_index(store, store_schema, catalog, options.embedder, options.stop);
      if (!wrote) return wrote.error();
      report.rewritten = *wrote;
    }
  }
  report.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace askdb::retrieval
