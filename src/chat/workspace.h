// Workspace: everything one askdb process needs to answer questions, opened from a Config —
// the target database (the embedded demo cluster when none is configured), a pool of
// read-only connections, the catalog, the function catalog the guard judges by, the knowledge
// files, the prompts and the LLM provider — and the Pipeline over them.
//
// open() does the slow start-up work once; pipeline() is then shared by all requests.
// release() (also run by the destructor) stops the embedded cluster if this process was its
// last user; it may be called from a signal-handling thread.
#pragma once

#include <memory>
#include <string>

#include "chat/pipeline.h"
#include "chat/prompts.h"
#include "config/config.h"
#include "llm/pricing.h"
#include "llm/provider.h"
#include "pg/embedded_cluster.h"
#include "pg/pool.h"

namespace askdb::chat {

class Workspace {
 public:
  static Result<std::unique_ptr<Workspace>> open(const Config& config);
  ~Workspace();

  const Pipeline& pipeline() const { return *pipeline_; }
  const Config& config() const { return config_; }
  const retrieval::Catalog& catalog() const { return catalog_; }
  retrieval::SharedKnowledge& knowledge() { return knowledge_; }
  pg::Pool& pool() { return *pool_; }
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

  Config config_;
  std::unique_ptr<pg::EmbeddedCluster> cluster_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<llm::Provider> llm_;
  llm::PriceTable prices_;
  retrieval::Catalog catalog_;
  retrieval::SharedKnowledge knowledge_;
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
