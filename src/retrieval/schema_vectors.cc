#include "retrieval/schema_vectors.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace askdb::retrieval {

bool parse_float_array(const std::string& text, std::vector<float>& out) {
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return false;
  const char* p = text.c_str() + 1;
  const char* end = text.c_str() + text.size() - 1;
  while (p < end) {
    char* next = nullptr;
    out.push_back(std::strtof(p, &next));
    if (next == p) return false;
    p = next;
    if (p < end && *p == ',') ++p;
  }
  return true;
}

std::string float_array_literal(const std::vector<float>& v) {
  if (v.empty()) return "";
  std::string literal = "{";
  char buf[32];
  for (size_t k = 0; k < v.size(); ++k) {
    std::snprintf(buf, sizeof buf, "%s%.7g", k > 0 ? "," : "", static_cast<double>(v[k]));
    literal += buf;
  }
  return literal + "}";
}

Result<std::string> schema_index_version(pg::Connection& store, const std::string& store_schema) {
  auto rows = store.query("SELECT fingerprint || ' ' || indexed_at::text FROM " +
                          pg::quote_ident(store_schema) + ".schema_index_state");
  if (!rows) return Error{rows.error().code, "reading the schema index: " + rows.error().message};
  if (rows->rows.empty()) return std::string();
  return rows->rows[0][0].value_or("");
}

Result<std::shared_ptr<const SchemaVectors>> SchemaVectors::load(pg::Connection& store,
                                                                 const std::string& store_schema) {
  const std::string s = pg::quote_ident(store_schema);
  // One snapshot for the version and every page of vectors (a REPEATABLE READ transaction of
  // its own when the connection has none open), read a page at a time: a 10,000-table
  // catalog's vectors as one result would take a gigabyte of text.
  const bool own_transaction = PQtransactionStatus(store.raw()) == PQTRANS_IDLE;
  const auto done = [&](auto result) {
    if (own_transaction) (void)store.exec(result ? "COMMIT" : "ROLLBACK");
    return result;
  };
  using Loaded = Result<std::shared_ptr<const SchemaVectors>>;
  const auto failed = [&](const Error& e) {
    return done(Loaded(Error{e.code, "loading the schema vectors failed: " + e.message}));
  };
  if (own_transaction) {
    if (auto st = store.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !st) {
      return failed(st.error());
    }
  }
  auto out = std::make_shared<SchemaVectors>();
  auto state = store.query("SELECT fingerprint || ' ' || indexed_at::text, embedding_model FROM " +
                           s + ".schema_index_state");
  if (!state) return failed(state.error());
  if (!state->rows.empty()) {
    out->version_ = state->rows[0][0].value_or("");
    out->model_ = state->rows[0][1].value_or("");
  }
  constexpr int kPage = 4096;
  std::vector<std::string> after = {"", "", ""};  // the last key read
  std::vector<float> v;
  for (bool first = true;; first = false) {
    auto rows = store.query(
        "SELECT table_schema, table_name, column_name, embedding FROM " + s +
            ".schema_documents WHERE embedding IS NOT NULL" +
            (first ? "" : " AND (table_schema, table_name, column_name) > ($1, $2, $3)") +
            " ORDER BY table_schema, table_name, column_name LIMIT " + std::to_string(kPage),
        first ? std::vector<pg::Cell>{} : std::vector<pg::Cell>{after[0], after[1], after[2]});
    if (!rows) return failed(rows.error());
    for (const auto& r : rows->rows) {
      v.clear();
      if (!parse_float_array(r[3].value_or(""), v) || v.empty()) continue;
      if (out->dimensions_ == 0) out->dimensions_ = v.size();
      if (v.size() != out->dimensions_) continue;  // cannot happen: one embedder per index
      out->documents_.push_back({r[0].value_or(""), r[1].value_or(""), r[2].value_or(""), 0});
      out->vectors_.insert(out->vectors_.end(), v.begin(), v.end());
    }
    if (rows->rows.size() < static_cast<size_t>(kPage)) break;
    const auto& last = rows->rows.back();
    after = {last[0].value_or(""), last[1].value_or(""), last[2].value_or("")};
  }
  return done(Loaded(std::shared_ptr<const SchemaVectors>(std::move(out))));
}

std::vector<std::pair<float, size_t>> nearest_rows(const std::vector<float>& vectors,
                                                   size_t dimensions,
                                                   const std::vector<float>& query, size_t k) {
  std::vector<std::pair<float, size_t>> scored;
  if (query.size() != dimensions || dimensions == 0 || k == 0) return scored;
  const size_t rows = vectors.size() / dimensions;
  scored.resize(rows);
  for (size_t d = 0; d < rows; ++d) {
    const float* v = vectors.data() + d * dimensions;
    // Eight sums side by side: the compiler keeps them in SIMD registers (one sum would have
    // to be added to in order, one float at a time).
    float sums[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= dimensions; i += 8) {
      for (size_t j = 0; j < 8; ++j) sums[j] += v[i + j] * query[i + j];
    }
    float dot = 0;
    for (; i < dimensions; ++i) dot += v[i] * query[i];
    for (const float s : sums) dot += s;
    scored[d] = {dot, d};
  }
  const auto by_score = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  const size_t n = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    by_score);
  scored.resize(n);
  return scored;
}

std::vector<VectorHit> SchemaVectors::nearest(const std::vector<float>& query, size_t k) const {
  // Documents are in name order, so the row breaks ties by name.
  std::vector<VectorHit> hits;
  for (const auto& [similarity, row] : nearest_rows(vectors_, dimensions_, query, k)) {
    VectorHit hit = documents_[row];
    hit.similarity = similarity;
    hits.push_back(std::move(hit));
  }
  return hits;
}

Result<std::shared_ptr<const SchemaVectors>> SchemaVectorCache::get(
    pg::Connection& store, const std::string& store_schema) {
  auto version = schema_index_version(store, store_schema);
  if (!version) return version.error();
  const auto cached = [&]() -> std::shared_ptr<const SchemaVectors> {
    std::lock_guard lock(mutex_);
    for (const auto& [schema, vectors] : loaded_) {
      if (schema == store_schema && vectors->version() == *version) return vectors;
    }
    return nullptr;
  };
  if (auto vectors = cached()) return vectors;
  // After a re-index every question in flight misses at once: one loads (hundreds of MB for a
  // large catalog), the others wait for it and take its result.
  std::lock_guard load(loading_);
  if (auto vectors = cached()) return vectors;
  auto vectors = SchemaVectors::load(store, store_schema);
  if (!vectors) return vectors.error();
  std::lock_guard lock(mutex_);
  std::erase_if(loaded_, [&](const auto& e) { return e.first == store_schema; });
  loaded_.emplace_back(store_schema, *vectors);
  return *vectors;
}

}  // namespace askdb::retrieval
