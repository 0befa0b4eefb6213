// Schema vectors: the embeddings of the schema index's documents (one per table and column,
// written by write_schema_index() with an embedder into schema_documents.embedding, a float4[];
// migration 0004), searched by similarity to a question's embedding.
//
// The search runs in process: SchemaVectors holds every vector of one version of the index
// (an exact scan; about 10,000 documents of 512 floats take well under a millisecond), and
// SchemaVectorCache loads it once per version (catalog fingerprint and indexing time) and again
// only after the index was rewritten. A 10,000-table catalog's 229,029 documents take 470 MB
// this way (bench/index_scale): pgvector's HNSW index (not packaged for Debian 12, so not
// built yet) or an in-process ANN index are what a catalog that size needs next.
//
// SchemaVectors is immutable; SchemaVectorCache is thread-safe (one store Connection per
// caller, as always).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "pg/connection.h"

namespace askdb::retrieval {

struct VectorHit {
  std::string schema;
  std::string table;
  std::string column;  // "" for the table's own document
  double similarity = 0;
};

class SchemaVectors {
 public:
  // Every embedded document of the index in `store_schema`; an empty SchemaVectors when the
  // index was written without an embedder (or not at all).
  static Result<std::shared_ptr<const SchemaVectors>> load(pg::Connection& store,
                                                           const std::string& store_schema);

  const std::string& version() const { return version_; }
  const std::string& model() const { return model_; }  // the embedder's model(); "" when none
  size_t dimensions() const { return dimensions_; }
  size_t size() const { return documents_.size(); }

  // The `k` documents most similar to `query` (a unit vector of dimensions() floats), best
  // first, ties by name; empty when `query` has another length.
  std::vector<VectorHit> nearest(const std::vector<float>& query, size_t k) const;

 private:
  std::string version_, model_;
  size_t dimensions_ = 0;
  std::vector<VectorHit> documents_;  // similarity unused
  std::vector<float> vectors_;        // documents_.size() × dimensions_
};

// A float4[] as PostgreSQL writes it ("{0.1,-2e-05,...}") and back: float_array_literal() is ""
// for an empty vector (NULL, via nullif); parse_float_array() appends to `out` and is false when
// `text` is not a flat array of numbers.
std::string float_array_literal(const std::vector<float>& v);
bool parse_float_array(const std::string& text, std::vector<float>& out);

// The exact scan both vector searches share: the `k` rows of `vectors` (rows of `dimensions`
// floats, unit length) most similar to `query` by dot product, as (similarity, row), best
// first, ties by row; empty when `query` has another length.
std::vector<std::pair<float, size_t>> nearest_rows(const std::vector<float>& vectors,
                                                   size_t dimensions,
                                                   const std::vector<float>& query, size_t k);

// The version of the index in `store_schema` (fingerprint and indexing time); "" when none.
Result<std::string> schema_index_version(pg::Connection& store, const std::string& store_schema);

class SchemaVectorCache {
 public:
  // The vectors of the index in `store_schema` now: the ones loaded before when the index has
  // not been rewritten since, else loaded afresh.
  Result<std::shared_ptr<const SchemaVectors>> get(pg::Connection& store,
                                                   const std::string& store_schema);

 private:
  std::mutex mutex_;
  std::mutex loading_;  // one load at a time: the questions waiting get the one loaded
  std::vector<std::pair<std::string, std::shared_ptr<const SchemaVectors>>> loaded_;
};

}  // namespace askdb::retrieval
