// The schema index: the target database's tables and columns as full-text documents in the app
// store (<store schema>.schema_documents, migration 0002), and the search that ranks tables for
// a question.
//
// Each table and each column is one document: its name split into words (snake_case,
// camelCase and digits apart; a word the catalog also has as two words, as those too:
// "countrylanguage" → country language) and its details (comment, type, keys, the names around it),
// as English tsvectors with GIN indexes, and 'simple' (unstemmed) ones beside them. A question's
// English lexemes are looked up there, each weighted by how rare it is among the documents
// (log N/df, from schema_terms), and every table gets, for each lexeme, the best place the
// lexeme was found: the table's name, a column's name, or their details; a place that holds
// the word only by its stem, not as the question writes it, counts for less. A table's score
// is the sum, raised by the share of its name's words the question holds. Optionally:
//   - the synonyms of the question's words (WordNet) are looked up too, for less;
//   - with an embedder at indexing (write_schema_index), every document also gets a vector
//     (retrieval/schema_vectors.h), and the tables nearest the question's vector are fused
//     with the full-text ranking (SchemaSearchOptions::fusion).
// Deterministic: ties go by name.
//
// Thread-safety: functions only; a Connection is used by one thread at a time.
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "llm/embedder.h"
#include "pg/connection.h"
#include "retrieval/catalog.h"
#include "retrieval/schema_vectors.h"
#include "retrieval/wordnet.h"

namespace askdb::retrieval {

// "OrderItems_2024" → "order items 2024": an identifier as the words it is made of.
std::string identifier_words(std::string_view identifier);

// Rewrites the index in `store_schema` for `catalog`, in one transaction (readers see the old
// index or the new one). With `embedder` (the built-in one, or a provider's), every document is
// embedded too (its vector in schema_documents.embedding, the embedder's model() in
// schema_index_state). Error{kDatabase} naming what failed, or the embedder's error.
// When `*stop` becomes true, the writing stops after the slice of documents it is on (an error;
// the old index stays).
Status write_schema_index(pg::Connection& store, const std::string& store_schema,
                          const Catalog& catalog, llm::Embedder* embedder = nullptr,
                          const std::atomic<bool>* stop = nullptr);

// write_schema_index(), unless the index already holds `catalog` (the fingerprint stored is
// catalog_fingerprint(catalog)). Decided under the indexers' lock, so of two indexers started
// together the second finds the first one's work and writes nothing. Returns whether it wrote.
// A change in how documents are made does not change the fingerprint: after one, call
// write_schema_index().
Result<bool> refresh_schema_index(pg::Connection& store, const std::string& store_schema,
                                  const Catalog& catalog, llm::Embedder* embedder = nullptr,
                                  const std::atomic<bool>* stop = nullptr);

// The error an indexer returns when told to stop.
Error indexing_stopped();

// What the index records of the catalog it holds: catalog_fingerprint(), the version of how
// documents are made, and the embedder's model, so that a new askdb or another embedder
// rewrites an index the catalog alone would leave.
std::string index_fingerprint(const Catalog& catalog, const llm::Embedder* embedder);

// index_fingerprint() of the catalog last indexed in `store_schema`; "" when none was.
Result<std::string> indexed_fingerprint(pg::Connection& store, const std::string& store_schema);

struct TableHit {
  std::string schema;
  std::string name;
  double score = 0;
  std::vector<std::string> columns;  // columns whose name holds a word of the question, best first
};

// The query search_schema() runs ($1 the question, $2-$5 the weights of a word found in a
// table's name, its details, a column's name, a column's details, $6 the weight of a word
// found only by its stem, $7 synonyms, $8 their weight), for EXPLAIN.
std::string schema_search_sql(const std::string& store_schema);

struct SchemaSearchOptions {
  size_t limit = 50;
  // Synonyms of the question's words (null or unavailable: none), each found word weighing
  // `synonym_weight` of the word itself.
  const WordNet* wordnet = nullptr;
  double synonym_weight = 0.4;
  // A word a place holds only by its English stem ("departing" in "departments").
  double stem_only_weight = 0.8;
  // A table's score is multiplied by 1 + name_coverage × (share of its name's words found).
  double name_coverage = 0.5;
  // The question's vector, from the embedder the index was written with (vectors->model()),
  // and the index's vectors: when both are set, the `vector_candidates` tables nearest the
  // question are fused with the full-text ranking.
  const std::vector<float>* question_vector = nullptr;
  const SchemaVectors* vectors = nullptr;
  size_t vector_candidates = 30;
  enum class Fusion {
    // score = text/best text + vector_share × (similarity − the last candidate's) / (best
    // similarity − the last candidate's), times the best text score: keeps the full-text
    // score's gaps, which the context builder's floor reads.
    kScores,
    // score = (1 − vector_share) / (fusion_k + text rank) + vector_share / (fusion_k + vector
    // rank), scaled likewise (reciprocal rank fusion).
    kReciprocalRank,
  };
  Fusion fusion = Fusion::kScores;
  double fusion_k = 10;
  double vector_share = 0.2;
};

// Tables whose documents share a word with `question` (or, with vectors, whose vectors are
// near the question's), best first, at most options.limit.
Result<std::vector<TableHit>> search_schema(pg::Connection& store, const std::string& store_schema,
                                            std::string_view question,
                                            const SchemaSearchOptions& options);
// The full-text search alone.
Result<std::vector<TableHit>> search_schema(pg::Connection& store, const std::string& store_schema,
                                            std::string_view question, size_t limit = 50);

}  // namespace askdb::retrieval
