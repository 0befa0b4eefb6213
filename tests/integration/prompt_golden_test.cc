// Golden prompts: what the LLM sees for a few questions over the demo database (tables ranked by
// the schema index, examples and notes by the knowledge index), compared with
// tests/golden/prompts/*.txt. A change to prompts/, the catalog rendering or the context
// builder shows up here and in review. Regenerate with ASKDB_UPDATE_GOLDEN=1.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "chat/pipeline.h"
#include "chat/workspace.h"
#include "config/paths.h"
#include "core/text.h"
#include "retrieval/builtin_embedder.h"
#include "retrieval/indexer.h"
#include "retrieval/knowledge_index.h"
#include "store/migrations.h"
#include "support/demo_cluster.h"

namespace askdb {
namespace {

using testing::DemoCluster;

struct Golden {
  const char* name;
  const char* question;
  int token_budget;  // 0: the default (pipeline.context_token_budget)
};

class PromptGolden : public ::testing::TestWithParam<Golden> {};

TEST_P(PromptGolden, MatchesFile) {
  const Golden& g = GetParam();
  Config config = DemoCluster::get().config();
  if (g.token_budget > 0) config.pipeline.context_token_budget = g.token_budget;
  pg::Pool pool(DemoCluster::get().cluster().reader_conninfo(), "demo", 1);
  auto lease = pool.acquire();
  ASSERT_TRUE(lease.ok());
  auto catalog = retrieval::load_catalog(**lease, {"askdb"});
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  auto functions = chat::load_function_catalog(**lease);
  ASSERT_TRUE(functions.ok());
  auto knowledge = retrieval::load_knowledge(std::string(ASKDB_SOURCE_DIR) + "/demo");
  ASSERT_TRUE(knowledge.ok()) << knowledge.error().message;
  auto prompts = chat::Prompts::load(std::string(ASKDB_SOURCE_DIR) + "/prompts");
  ASSERT_TRUE(prompts.ok()) << prompts.error().message;

  // The schema index, in a store schema of its own, as the product uses it: the built-in
  // embedder's vectors and WordNet's synonyms (Debian's wordnet-base, installed with askdb's
  // dependencies).
  const std::string store_schema = "askdb_golden";
  retrieval::BuiltinEmbedder embedder;
  const auto wordnet = retrieval::WordNet::load();
  ASSERT_TRUE(wordnet->available()) << "install wordnet-base (scripts/install-deps.sh)";
  retrieval::SchemaVectorCache vectors;
  pg::Pool store_pool(DemoCluster::get().cluster().owner_conninfo(), "store", 1);
  {
    auto store = store_pool.acquire();
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(store::migrate(**store, store_schema).ok());
    retrieval::IndexOptions index_options;
    index_options.embedder = &embedder;
    auto indexed =
        retrieval::update_index(**store, store_schema, &**lease, *catalog, index_options);
    ASSERT_TRUE(indexed.ok()) << indexed.error().message;
  }
  retrieval::SharedCatalog shared_catalog(std::move(*catalog));

  chat::PipelineDeps deps;
  deps.config = &config;
  deps.pool = &pool;
  deps.catalog = &shared_catalog;
  deps.store_pool = &store_pool;
  deps.store_schema = store_schema;
  deps.embedder = &embedder;
  deps.vectors = &vectors;
  deps.wordnet = wordnet.get();
  retrieval::SharedKnowledge shared_knowledge(std::move(*knowledge));
  deps.knowledge = &shared_knowledge;
  // The knowledge index, synced with the demo's examples and notes as a workspace does.
  retrieval::KnowledgeIndexState known;
  known.knowledge = shared_knowledge.current();
  {
    auto store = store_pool.acquire();
    ASSERT_TRUE(store.ok());
    auto synced =
        retrieval::sync_knowledge_index(**store, store_schema, *known.knowledge, &embedder);
    ASSERT_TRUE(synced.ok()) << synced.error().message;
    known.synced = synced->synced;
  }
  deps.knowledge_index = [&known] { return known; };
  deps.functions = &*functions;
  deps.prompts = &*prompts;
  deps.server_version = "15";
  deps.today = [] { return std::string("2026-03-14"); };
  chat::Pipeline pipeline(deps);
  std::vector<chat::Turn> history;
  if (std::string(g.name) == "follow_up") {
    history.push_back({"How many orders were placed in 2025?",
                       "SELECT count(*) FROM orders WHERE order_date >= '2025-01-01' AND "
                       "order_date < '2026-01-01'",
                       "There were many orders in 2025."});
  }
  auto made = pipeline.sql_context(g.question, history);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(made->ranking.fallback, "") << "the schema index was not used";
  EXPECT_EQ(made->ranking.knowledge_fallback, "") << "the knowledge index was not used";
  const llm::Request& request = made->request;
  std::string actual =
      "=== system ===\n" + request.system + "=== user ===\n" + request.messages.at(0).content;

  const std::string path =
      std::string(ASKDB_SOURCE_DIR) + "/tests/golden/prompts/" + g.name + ".txt";
  if (std::getenv("ASKDB_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << actual;
    GTEST_SKIP() << "wrote " << path;
  }
  std::string expected;
  ASSERT_TRUE(read_file(path, expected))
      << path << " is missing; run the tests with ASKDB_UPDATE_GOLDEN=1 to write it";
  EXPECT_EQ(actual, expected) << "the prompt for \"" << g.question << "\" changed; if intended, "
                              << "rerun with ASKDB_UPDATE_GOLDEN=1 and review the diff of " << path;
}

INSTANTIATE_TEST_SUITE_P(
    Demo, PromptGolden,
    ::testing::Values(Golden{"top_products", "Which 5 products earned the most revenue last year?",
                             0},
                      Golden{"city_customers", "How many customers live in Sao Paulo?", 0},
                      Golden{"small_budget", "Monthly revenue by store region in 2024", 900},
                      Golden{"follow_up", "and how many of them were returned?", 0},
                      Golden{"whole_schema", "Which supplier has the longest lead time?", 8000}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace askdb
