// The knowledge index: the verified question → SQL examples and the glossary notes in use
// (retrieval/knowledge.h) as documents in the app store (<store schema>.knowledge_documents,
// migration 0005), and the search that ranks them for a question, as the schema index does for
// tables (retrieval/schema_index.h).
//
// One document per distinct example or note, keyed by the SHA-256 of its kind, title (the
// question, the term), body (the SQL, the note's text) and the embedder's model. What is searched:
// an example's question, and, counting less, the words of the identifiers its SQL names
// (identifier_words(): "order_items" → order items); a note's term, and, counting less, its
// text. Each as English stems and as written ('simple'), with GIN indexes; with an embedder, each
// document's vector (the question; the term and text) as a float4[].
//
// sync_knowledge_index() brings the documents to exactly the knowledge given, incrementally:
// documents whose content is gone are deleted, new ones are embedded (only they: a provider
// embedder costs a call per text) and inserted. It returns a SyncedKnowledge: which document is
// which entry of that Knowledge, and the documents' vectors, searched in process (an exact scan;
// a few thousand examples of 512 floats take well under a millisecond).
//
// search_knowledge() scores the documents sharing an English stem with the question, each stem
// weighted by its rarity (log N/df, from knowledge_terms; df counted among the titles, what a
// question is compared with, when a title holds the stem): the share of the question's and the
// document's title's weight the shared stems make up, a stem found only in the weaker words or
// only by its stem counting less. Numbers count for nothing ("top 5" finds the example for
// "top 10"). When pg_trgm is in the store, the trigram similarity of the title to the question is
// added; with the question's vector, so are the nearest documents' similarities. Deterministic:
// ties go examples first, then by position in the Knowledge.
//
// Thread-safety: functions only, and SyncedKnowledge is immutable; a Connection is used by one
// thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "llm/embedder.h"
#include "pg/connection.h"
#include "retrieval/knowledge.h"

namespace askdb::retrieval {

enum class KnowledgeKind { kExample, kNote };

// "example", "note": as knowledge_documents.kind stores them.
const char* knowledge_kind_name(KnowledgeKind kind);

// One entry of a Knowledge: Knowledge::examples[position] or Knowledge::glossary[position].
struct KnowledgeEntry {
  KnowledgeKind kind = KnowledgeKind::kExample;
  size_t position = 0;
};

// The words of the identifiers `sql` names (tables, columns, aliases; not keywords, literals,
// numbers or comments), split by identifier_words() and each once, in order:
// "SELECT count(*) FROM order_items oi" → "order items oi".
std::string sql_identifier_words(std::string_view sql);

// What one sync left in the index for the Knowledge it was given. Immutable; thread-safe.
class SyncedKnowledge {
 public:
  struct Document {
    std::string hash;      // knowledge_documents.content_hash
    KnowledgeEntry entry;  // the first entry with this content
  };
  struct Near {
    size_t document = 0;  // index into documents()
    double similarity = 0;
  };

  const std::vector<Document>& documents() const { return documents_; }
  // The document with this content hash; null when it is not of the Knowledge synced.
  const Document* find(std::string_view hash) const;
  const std::string& model() const { return model_; }  // the embedder's model(); "" when none
  size_t dimensions() const { return dimensions_; }
  // pg_trgm's schema in the store when the sync ran (the store's role may use it); "" when not.
  const std::string& trigram_schema() const { return trigram_schema_; }

  // The `k` embedded documents most similar to `query` (a unit vector of dimensions() floats),
  // best first, ties by document order; empty when `query` has another length.
  std::vector<Near> nearest(const std::vector<float>& query, size_t k) const;

 private:
  friend class KnowledgeSyncer;
  std::vector<Document> documents_;
  std::unordered_map<std::string, size_t> by_hash_;
  std::string model_;
  std::string trigram_schema_;
  size_t dimensions_ = 0;
  std::vector<size_t> embedded_;  // documents with a vector, in order
  std::vector<float> vectors_;    // embedded_.size() × dimensions_
};

struct KnowledgeSyncReport {
  size_t kept = 0;                    // documents already indexed
  size_t added = 0;                   // documents inserted
  size_t removed = 0;                 // documents deleted (held by no sync for `keep_others`)
  size_t embedded = 0;                // texts sent to the embedder
  bool trigram = false;               // pg_trgm is there for the search
  std::vector<std::string> warnings;  // what is missing and what to do about it
  double ms = 0;
  std::shared_ptr<const SyncedKnowledge> synced;
};

// Makes the index in `store_schema` hold the documents of `knowledge` (with `embedder`'s
// vectors; null: none), in one transaction under the knowledge indexers' advisory lock (two
// replicas syncing at once take turns). Documents it does not hold are deleted once no sync has
// held them for `keep_others`: another replica, or `askdb context` run with other settings, may
// be using them (search_knowledge() skips what the caller's SyncedKnowledge does not hold). New
// documents are embedded before the transaction; the vectors of `previous` (an earlier sync's
// result), else the stored ones, are reused for the others. REQUIRES: `store` is not inside a
// transaction; the store is migrated. Error{kDatabase} naming what failed (the index is left as it
// was), or the embedder's error.
Result<KnowledgeSyncReport> sync_knowledge_index(
    pg::Connection& store, const std::string& store_schema, const Knowledge& knowledge,
    llm::Embedder* embedder, const SyncedKnowledge* previous = nullptr,
    std::chrono::seconds keep_others = std::chrono::hours(24 * 7));

struct KnowledgeHit {
  KnowledgeEntry entry;
  double score = 0;    // the parts below, fused
  double text = 0;     // full text, 0..1
  double trigram = 0;  // pg_trgm similarity of the title to the question, 0..1
  double vector = 0;   // cosine similarity of the vectors (0 when not among the nearest)
};

struct KnowledgeSearchOptions {
  size_t limit = 20;              // hits of each kind, at most
  size_t candidates = 50;         // documents scored in full: the best by the stems they share
  double weak_weight = 0.3;       // a stem found only in the weaker words
  double stem_only_weight = 0.8;  // a stem found, but not as the question writes the word
  double trigram_share = 0.3;     // of the trigram similarity, added to the text score
  // The question's vector, from the embedder the sync used (synced.model()): the
  // `vector_candidates` nearest documents get vector_share × (similarity − the last one's) /
  // (the best one's − the last one's) added.
  const std::vector<float>* question_vector = nullptr;
  size_t vector_candidates = 30;
  double vector_share = 0.3;
};

// The examples and notes of the Knowledge `synced` was made for that match `question`, best
// first (at most options.limit of each kind). Documents of other knowledge (another replica's)
// are skipped. Error{kDatabase} naming what failed.
Result<std::vector<KnowledgeHit>> search_knowledge(pg::Connection& store,
                                                   const std::string& store_schema,
                                                   std::string_view question,
                                                   const SyncedKnowledge& synced,
                                                   const KnowledgeSearchOptions& options = {});

// The query search_knowledge() runs, for EXPLAIN: $1 the question, $2 weak_weight, $3
// stem_only_weight, $4 candidates, $5 the vector candidates' hashes; with pg_trgm's schema, the
// trigram similarity is its last column.
std::string knowledge_search_sql(const std::string& store_schema,
                                 const std::string& trigram_schema);

// The knowledge index as a process uses it: the knowledge last synced and what the sync left, or
// why the index is not in use (examples and notes are then ranked in process, rank_examples()).
struct KnowledgeIndexState {
  std::shared_ptr<const Knowledge> knowledge;
  std::shared_ptr<const SyncedKnowledge> synced;
  std::string problem;
};

}  // namespace askdb::retrieval
