// Workspace: everything one askdb process needs to answer questions, opened from a Config —
// the target database (the embedded demo cluster when none is configured), a pool of
// read-only connections, the catalog, the function catalog the guard judges by, the app store
// with its schema index, the knowledge files, the prompts and the LLM provider — and the
// Pipeline over them.
//
// open() does the slow start-up work once (including bringing the app store's tables, the
// schema index and the knowledge index up to date); pipeline() is then shared by all requests.
// refresh() reloads the catalog and re-indexes when it changed; questions already under way keep
// the catalog they started with. release() (also run by the destructor) stops the embedded cluster
// if this process was its last user; it may be called from a signal-handling thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "chat/pipeline.h"
#include "chat/prompts.h"
#include "config/config.h"
#include "llm/pricing.h"
#include "llm/provider.h"
#include "pg/embedded_cluster.h"
#include "pg/pool.h"
#include "retrieval/indexer.h"
#include "retrieval/knowledge_index.h"
#include "retrieval/privacy.h"
#include "retrieval/schema_vectors.h"
#include "retrieval/wordnet.h"
#include "store/glossary_notes.h"
#include "store/verified_examples.h"

namespace askdb::chat {

class Workspace {
 public:
  // `update_index` false leaves the schema index as it is (askdb index rewrites it next).
  static Result<std::unique_ptr<Workspace>> open(const Config& config, bool update_index = true);
  ~Workspace();

  const Pipeline& pipeline() const { return *pipeline_; }
  const Config& config() const { return config_; }
  // A snapshot: the catalog in use now.
  std::shared_ptr<const retrieval::Catalog> catalog() const { return catalog_.current(); }
  retrieval::SharedKnowledge& knowledge() { return knowledge_; }
  // examples.json and glossary.md as loaded at start (the store's examples and notes not added).
  const retrieval::Knowledge& file_knowledge() const { return file_knowledge_; }
  pg::Pool& pool() { return *pool_; }
  // Connections to the app store (conversations, users, the schema index).
  pg::Pool& store_pool() { return *store_pool_; }
  // Why the schema index is not in use (tables are then ranked by word overlap); empty when
  // it is.
  std::string index_problem() const;
  // Makes the pipeline use the knowledge files plus the verified examples (newest first) and
  // the glossary notes in the app store (a stored note replaces a file note of the same term),
  // and syncs the knowledge index with them: what a thumbs up, askdb learn or askdb note
  // teaches is used by the next question. Reading, syncing and installing are one step, so two
  // at once cannot install the older knowledge. A failed sync is logged and kept in
  // knowledge_problem() (examples and notes are then ranked in process), never an error.
  Status reload_learned_examples(pg::Connection& store);
  // The knowledge index as last synced, or why it is not in use.
  retrieval::KnowledgeIndexState knowledge_index() const { return *knowledge_index_.current(); }
  // Why the knowledge index is not in use; empty when it is.
  std::string knowledge_problem() const { return knowledge_index().problem; }

  // Reloads the catalog; re-indexes when it changed since the last index (or `force`), and
  // puts the new catalog in use. One refresh at a time.
  Result<retrieval::IndexReport> refresh(bool force = false);
  // Stops a refresh under way as soon as it can (its statements are cancelled, its index
  // writes rolled back; it returns an error) and refuses later ones: for shutdown, so that a
  // long re-index does not hold the process past its grace period. Thread-safe.
  void stop_refreshing();
  // Where askdb's own tables live: store.url, else the embedded cluster's owner, else the
  // target database's URL.
  const std::string& store_conninfo() const { return store_conninfo_; }
  // Null unless the target is the embedded cluster.
  pg::EmbeddedCluster* cluster() { return cluster_.get(); }
  bool has_llm() const { return llm_ != nullptr; }
  // The LLM provider, or null when none is configured.
  llm::Provider* llm() { return llm_.get(); }

  void release();

 private:
  Workspace() = default;
  // Migrates the app store, puts its verified examples in use and brings the index up to date;
  // a failure is logged and kept in index_problem() (the pipeline then ranks by word overlap),
  // never fatal.
  void open_store();
  void set_index_problem(std::string problem);
  // The knowledge files with the store's examples and notes added.
  retrieval::Knowledge merge_knowledge(const std::vector<store::VerifiedExample>& learned,
                                       const std::vector<store::StoredNote>& notes) const;
  // Syncs the knowledge index with `knowledge` and puts both in use (see
  // reload_learned_examples); REQUIRES learn_mu_.
  void use_knowledge(pg::Connection& store, retrieval::Knowledge knowledge);
  // Marks the knowledge index as not in use, saying why.
  void set_knowledge_problem(std::string problem);
  retrieval::IndexOptions index_options(bool force) const;
  static void log_index_report(const retrieval::IndexReport& report);
  // The catalog as the read-only role sees it, private tables and columns taken out.
  Result<retrieval::Catalog> load_target_catalog(pg::Connection& conn) const;

  Config config_;
  std::unique_ptr<pg::EmbeddedCluster> cluster_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<pg::Pool> store_pool_;
  std::mutex refresh_mu_;
  std::atomic<bool> stopping_{false};
  std::mutex cancel_mu_;
  std::vector<std::shared_ptr<pg::QueryCanceller>> refresh_cancellers_;  // of the refresh under way
  std::mutex learn_mu_;
  mutable std::mutex problem_mu_;
  std::string index_problem_;
  std::unique_ptr<llm::Provider> llm_;
  std::unique_ptr<llm::Embedder> embedder_;  // the index's vectors; null: embedding.provider none
  std::shared_ptr<const retrieval::WordNet> wordnet_;
  retrieval::SchemaVectorCache vectors_;
  llm::PriceTable prices_;
  retrieval::SharedCatalog catalog_;
  retrieval::PrivacyRules privacy_;
  retrieval::SharedKnowledge knowledge_;
  Shared<retrieval::KnowledgeIndexState> knowledge_index_;
  std::vector<std::string> knowledge_warnings_;  // of the last sync, logged once (learn_mu_)
  retrieval::Knowledge file_knowledge_;          // examples.json and glossary.md as loaded at start
  std::string store_conninfo_;
  sqlguard::FunctionCatalog functions_;
  std::unique_ptr<Prompts> prompts_;
  std::unique_ptr<Pipeline> pipeline_;
};

// Reads pg_proc into the catalog the guard judges function calls by.
Result<sqlguard::FunctionCatalog> load_function_catalog(pg::Connection& conn);

// Loads the demo data set (schema.sql, data.sql from `demo_dir`) as the database owner.
Status load_demo_data(const std::string& owner_conninfo, const std::string& demo_dir);

}  // namespace askdb::chat
