#include "chat/workspace.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "config/paths.h"
#include "core/text.h"
#include "llm/from_config.h"
#include "pg/conninfo.h"
#include "pg/sql_script.h"
#include "retrieval/builtin_embedder.h"
#include "store/migrations.h"

namespace askdb::chat {
namespace {

std::string today_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace

Result<sqlguard::FunctionCatalog> load_function_catalog(pg::Connection& conn) {
  auto rows = conn.query("SELECT DISTINCT proname, provolatile FROM pg_proc");
  if (!rows) return rows.error();
  sqlguard::FunctionCatalog functions;
  for (const auto& row : rows->rows) {
    if (!row[0] || !row[1]) continue;
    const char v = row[1]->empty() ? 'v' : (*row[1])[0];
    functions.add(*row[0], v == 'i'   ? sqlguard::Volatility::kImmutable
                           : v == 's' ? sqlguard::Volatility::kStable
                                      : sqlguard::Volatility::kVolatile);
  }
  return functions;
}

Status load_demo_data(const std::string& owner_conninfo, const std::string& demo_dir) {
  auto conn = pg::Connection::open(owner_conninfo, "the demo database");
  if (!conn) return conn.error();
  for (const char* file : {"schema.sql", "data.sql"}) {
    if (auto st = pg::run_sql_file(*conn, demo_dir + "/" + file); !st) return st;
  }
  return ok_status();
}

Workspace::~Workspace() { release(); }

void Workspace::open_store() {
  auto lease = store_pool_->acquire();
  Status st = lease ? store::migrate(**lease, config_.store.schema) : Status(lease.error());
  if (st) {
    auto target = pool_->acquire();
    auto report = target ? retrieval::update_index(**lease, config_.store.schema, &**target,
                                                   *catalog_.current(), index_options(false))
                         : Result<retrieval::IndexReport>(target.error());
    if (report && report->rewritten) log_index_report(*report);
    if (!report) st = report.error();
    // After the schema index, whose values may have brought pg_trgm along.
    if (auto learned = reload_learned_examples(**lease); !learned) {
      spdlog::warn("could not read the verified examples and glossary notes: {}",
                   learned.error().message);
      set_knowledge_problem("the verified examples and glossary notes could not be read (" +
                            learned.error().message + ")");
    }
  } else {
    set_knowledge_problem(st.error().message);
  }
  if (st) return;
  set_index_problem(st.error().message +
                    ". askdb ranks tables by word overlap until the index can be written: give "
                    "it an app store it may write to (store.url, ASKDB_STORE_URL), then run "
                    "askdb index");
  spdlog::warn("the schema index is not in use: {}", index_problem());
}

retrieval::IndexOptions Workspace::index_options(bool force) const {
  retrieval::IndexOptions options;
  options.force = force;
  options.embedder = embedder_.get();
  options.stop = &stopping_;
  options.values.is_private = [this](const std::string& schema, const std::string& table,
                                     const std::string& column) {
    return privacy_.column_is_private(schema, table, column);
  };
  return options;
}

void Workspace::log_index_report(const retrieval::IndexReport& report) {
  spdlog::info("indexed {} tables, {} columns and {} values of {} columns in {:.0f} ms",
               report.tables, report.columns, report.values, report.value_columns, report.ms);
  for (const auto& w : report.warnings) spdlog::warn("{}", w);
}

Result<retrieval::Catalog> Workspace::load_target_catalog(pg::Connection& conn) const {
  auto catalog = retrieval::load_catalog(conn, {config_.store.schema});
  if (!catalog) return catalog.error();
  const retrieval::Removed removed = retrieval::remove_private(*catalog, privacy_);
  for (const auto& rule : removed.unmatched) {
    spdlog::warn(
        "retrieval.private: \"{}\" matches no table or column the role can read; check "
        "its spelling (schema.table or schema.table.column)",
        rule);
  }
  return catalog;
}

Status Workspace::reload_learned_examples(pg::Connection& store) {
  std::lock_guard lock(learn_mu_);
  const store::VerifiedExampleStore examples(config_.store.schema);
  auto learned = examples.list_verified_examples(store);
  if (!learned) return learned.error();
  const store::GlossaryNoteStore notes(config_.store.schema);
  auto stored_notes = notes.list_notes(store);
  if (!stored_notes) return stored_notes.error();
  use_knowledge(store, merge_knowledge(*learned, *stored_notes));
  return ok_status();
}

retrieval::Knowledge Workspace::merge_knowledge(const std::vector<store::VerifiedExample>& learned,
                                                const std::vector<store::StoredNote>& notes) const {
  retrieval::Knowledge next = file_knowledge_;
  std::vector<retrieval::VerifiedExample> examples;
  examples.reserve(learned.size() + next.examples.size());
  for (const auto& e : learned) examples.push_back({e.question, e.sql});
  for (auto& e : next.examples) examples.push_back(std::move(e));
  next.examples = std::move(examples);
  // A stored note takes the place of the file's note of the same term; the others follow.
  for (const auto& n : notes) {
    auto same = std::find_if(next.glossary.begin(), next.glossary.end(),
                             [&](const retrieval::GlossaryNote& g) {
                               return retrieval::same_note_term(g.term, n.term);
                             });
    if (same != next.glossary.end()) {
      *same = {n.term, n.text};
    } else {
      next.glossary.push_back({n.term, n.text});
    }
  }
  return next;
}

void Workspace::use_knowledge(pg::Connection& store, retrieval::Knowledge knowledge) {
  auto next = std::make_shared<const retrieval::Knowledge>(std::move(knowledge));
  const retrieval::KnowledgeIndexState before = knowledge_index();
  auto synced = retrieval::sync_knowledge_index(store, config_.store.schema, *next, embedder_.get(),
                                                before.synced.get());
  if (synced) {
    if (synced->added + synced->removed > 0) {
      spdlog::info(
          "knowledge index: {} examples and notes kept, {} added ({} embedded), {} removed in "
          "{:.0f} ms",
          synced->kept, synced->added, synced->embedded, synced->removed, synced->ms);
    }
    if (synced->warnings != knowledge_warnings_) {
      for (const auto& w : synced->warnings) spdlog::warn("{}", w);
      knowledge_warnings_ = synced->warnings;
    }
    knowledge_index_.replace(retrieval::KnowledgeIndexState{next, synced->synced, ""});
  } else {
    if (synced.error().message != before.problem) {  // said once, not at every refresh
      spdlog::warn(
          "the knowledge index is not in use: {}. askdb ranks examples and notes by trigram "
          "similarity until a sync succeeds (askdb index, or the next example or note taught)",
          synced.error().message);
    }
    knowledge_index_.replace(
        retrieval::KnowledgeIndexState{before.knowledge, before.synced, synced.error().message});
  }
  knowledge_.replace(std::move(next));
}

void Workspace::set_knowledge_problem(std::string problem) {
  std::lock_guard lock(learn_mu_);  // against a reload replacing the state meanwhile
  const retrieval::KnowledgeIndexState before = knowledge_index();
  knowledge_index_.replace(
      retrieval::KnowledgeIndexState{before.knowledge, before.synced, std::move(problem)});
}

void Workspace::set_index_problem(std::string problem) {
  std::lock_guard lock(problem_mu_);
  index_problem_ = std::move(problem);
}

std::string Workspace::index_problem() const {
  std::lock_guard lock(problem_mu_);
  return index_problem_;
}

Result<retrieval::IndexReport> Workspace::refresh(bool force) {
  std::lock_guard lock(refresh_mu_);
  if (stopping_) return retrieval::indexing_stopped();
  auto target = pool_->acquire();
  if (!target) return target.error();
  auto lease = store_pool_->acquire();
  if (!lease) return lease.error();
  // stop_refreshing() cancels the statements these two connections run.
  {
    std::lock_guard cancel_lock(cancel_mu_);
    refresh_cancellers_ = {(**target).canceller(), (**lease).canceller()};
  }
  struct Forget {
    Workspace* ws;
    ~Forget() {
      std::lock_guard cancel_lock(ws->cancel_mu_);
      ws->refresh_cancellers_.clear();
    }
  } forget{this};
  if (stopping_) return retrieval::indexing_stopped();
  auto catalog = load_target_catalog(**target);
  if (!catalog) return catalog.error();
  if (auto st = store::migrate(**lease, config_.store.schema); !st) return st.error();
  auto report = retrieval::update_index(**lease, config_.store.schema, &**target, *catalog,
                                        index_options(force));
  // What other replicas were taught since; after the index, which may have created pg_trgm.
  (void)reload_learned_examples(**lease);
  // The new catalog is used either way: when the index could not follow it, tables are ranked
  // by word overlap over the new catalog until it can.
  catalog_.replace(std::move(*catalog));
  if (!report) {
    set_index_problem("the index could not be brought up to date (" + report.error().message +
                      "); askdb ranks tables by word overlap until askdb index succeeds");
    return report.error();
  }
  set_index_problem("");
  return report;
}

void Workspace::stop_refreshing() {
  stopping_ = true;
  std::lock_guard cancel_lock(cancel_mu_);
  for (const auto& c : refresh_cancellers_) {
    if (c) c->cancel();
  }
}

void Workspace::release() {
  if (cluster_) cluster_->release();
}

Result<std::unique_ptr<Workspace>> Workspace::open(const Config& config, bool update_index) {
  std::unique_ptr<Workspace> ws(new Workspace());
  ws->config_ = config;
  auto privacy = retrieval::parse_privacy_rules(config.retrieval.private_data);
  if (!privacy) return privacy.error();
  ws->privacy_ = std::move(*privacy);

  std::string conninfo;
  std::string knowledge_dir = config.paths.knowledge_dir;
  if (config.target == TargetKind::kEmbedded) {
    auto demo_dir = find_data_dir("demo", config.paths.demo_dir, "paths.demo_dir");
    if (!demo_dir) return demo_dir.error();
    auto cluster = pg::EmbeddedCluster::open(config.embedded, [&](const std::string& owner) {
      return load_demo_data(owner, *demo_dir);
    });
    if (!cluster) return cluster.error();
    ws->cluster_ = std::move(*cluster);
    conninfo = ws->cluster_->reader_conninfo();
    ws->store_conninfo_ = ws->cluster_->owner_conninfo();
    if (knowledge_dir.empty()) knowledge_dir = *demo_dir;
  } else {
    auto target =
        pg::conninfo_with_password(config.database.url, config.database.password, "database.url");
    if (!target) return target.error();
    conninfo = *target;
    ws->store_conninfo_ = conninfo;
  }
  if (!config.store.url.empty()) {
    auto store = pg::conninfo_with_password(config.store.url, config.store.password, "store.url");
    if (!store) return store.error();
    ws->store_conninfo_ = *store;
  }

  ws->pool_ = std::make_unique<pg::Pool>(conninfo, "the target database", config.query.pool_size);
  std::string server_version;
  {
    auto lease = ws->pool_->acquire();
    if (!lease) return lease.error();
    auto version = (*lease)->query("SELECT current_setting('server_version')");
    if (!version) return version.error();
    server_version = version->rows.at(0).at(0).value_or("");
    auto catalog = ws->load_target_catalog(**lease);
    if (!catalog) return catalog.error();
    ws->catalog_.replace(std::move(*catalog));
    auto functions = load_function_catalog(**lease);
    if (!functions) return functions.error();
    ws->functions_ = std::move(*functions);
  }
  if (!knowledge_dir.empty()) {
    auto knowledge = retrieval::load_knowledge(knowledge_dir);
    if (!knowledge) return knowledge.error();
    ws->file_knowledge_ = std::move(*knowledge);
    ws->knowledge_.replace(ws->file_knowledge_);
  }
  auto prompts_dir = find_data_dir("prompts", config.paths.prompts_dir, "paths.prompts_dir");
  if (!prompts_dir) return prompts_dir.error();
  auto prompts = Prompts::load(*prompts_dir);
  if (!prompts) return prompts.error();
  ws->prompts_ = std::make_unique<Prompts>(std::move(*prompts));
  auto provider = llm::make_provider(config.llm);
  if (!provider) return provider.error();
  ws->llm_ = std::move(*provider);
  auto prices = llm::price_table(config.llm);
  if (!prices) return prices.error();
  ws->prices_ = std::move(*prices);

  // The index's vectors: the configured provider's, else the built-in embedder's (no model
  // files, no network); WordNet's synonyms join the search where Debian's wordnet-base is.
  auto embedder = llm::make_embedder(config.embedding, config.llm);
  if (!embedder) return embedder.error();
  ws->embedder_ = std::move(*embedder);
  if (!ws->embedder_ && config.embedding.provider != "none") {
    ws->embedder_ = std::make_unique<retrieval::BuiltinEmbedder>();
  }
  ws->wordnet_ = retrieval::WordNet::load();
  ws->store_pool_ =
      std::make_unique<pg::Pool>(ws->store_conninfo_, "askdb's app store", config.store.pool_size,
                                 "SET synchronous_commit = " + config.store.synchronous_commit);
  if (update_index) ws->open_store();

  PipelineDeps deps;
  deps.config = &ws->config_;
  deps.pool = ws->pool_.get();
  deps.llm = ws->llm_.get();
  deps.prices = &ws->prices_;
  deps.catalog = &ws->catalog_;
  deps.knowledge = &ws->knowledge_;
  deps.store_pool = ws->store_pool_.get();
  deps.store_schema = config.store.schema;
  deps.index_problem = [ws = ws.get()] { return ws->index_problem(); };
  deps.embedder = ws->embedder_.get();
  deps.vectors = &ws->vectors_;
  deps.wordnet = ws->wordnet_.get();
  deps.knowledge_index = [ws = ws.get()] { return ws->knowledge_index(); };
  deps.functions = &ws->functions_;
  deps.prompts = ws->prompts_.get();
  deps.server_version = server_version;
  deps.today = today_iso;
  ws->pipeline_ = std::make_unique<Pipeline>(std::move(deps));
  return ws;
}

}  // namespace askdb::chat
