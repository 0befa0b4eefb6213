// The knowledge index (retrieval/knowledge_index.h) in a private cluster's app store: synced
// incrementally (a second sync embeds nothing, a removed example is deleted, a new one alone is
// embedded), searched by paraphrases sharing stems, by questions that differ only in numbers and
// by vectors, notes ranked by the term the question names; and a store without pg_trgm, where
// words and vectors still match and the sync says what to do.
#include "retrieval/knowledge_index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "retrieval/builtin_embedder.h"
#include "store/migrations.h"
#include "support/demo_cluster.h"
#include "support/test_database.h"

namespace askdb::retrieval {
namespace {

using testing::DemoCluster;

using testing::connect;
using testing::unique_name;

// The built-in embedder, counting the texts it is given: a provider's embedder costs a call per
// text, so a sync must embed only what is new.
class CountingEmbedder final : public llm::Embedder {
 public:
  std::string describe() const override { return "counting " + inner_.describe(); }
  std::string model() const override { return inner_.model(); }
  size_t dimensions() const override { return inner_.dimensions(); }
  std::shared_ptr<llm::Call> start(std::vector<std::string> texts,
                                   llm::EmbeddingsHandler on_done) override {
    texts_ += texts.size();
    return inner_.start(std::move(texts), std::move(on_done));
  }
  size_t texts() const { return texts_; }
  const BuiltinEmbedder& inner() const { return inner_; }

 private:
  BuiltinEmbedder inner_;
  std::atomic<size_t> texts_{0};
};

const KnowledgeHit* first_example(const std::vector<KnowledgeHit>& hits) {
  for (const auto& h : hits) {
    if (h.entry.kind == KnowledgeKind::kExample) return &h;
  }
  return nullptr;
}

Knowledge shop_knowledge() {
  Knowledge k;
  k.examples = {
      {"Which customers ordered the most products last year?",
       "SELECT c.customer_id, sum(oi.quantity) FROM customers c JOIN orders o USING "
       "(customer_id) JOIN order_items oi USING (order_id) GROUP BY 1 ORDER BY 2 DESC"},
      {"What are the top 10 products by revenue?",
       "SELECT product_id, sum(amount) FROM order_items GROUP BY 1 ORDER BY 2 DESC LIMIT 10"},
      {"How many stores are there in each region?",
       "SELECT region, count(*) FROM stores GROUP BY region"},
      {"How many shipments arrived late?", "SELECT count(*) FROM shipments WHERE late"},
      {"Average delivery time by carrier", "SELECT carrier, avg(days) FROM deliveries GROUP BY 1"},
      {"List the employees hired in 2024", "SELECT * FROM employees WHERE hired >= '2024-01-01'"},
      // Shares a number with a question below, and nothing else that counts.
      {"Which 5 suppliers ship fastest?", "SELECT * FROM suppliers ORDER BY lead_days LIMIT 5"},
  };
  k.glossary = {
      {"revenue", "The sum of order line amounts after discounts, before tax."},
      {"churned customer", "A customer with no order in the last 90 days."},
      {"store region", "Stores are grouped into five regions; see stores.region."},
  };
  return k;
}

class KnowledgeIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = unique_name("knowledge_index_test_");
    store_ = connect(DemoCluster::get().cluster().owner_conninfo());
    const Status migrated = store::migrate(store_, schema_);
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  }
  void TearDown() override {
    (void)store_.exec("DROP SCHEMA IF EXISTS " + pg::quote_ident(schema_) + " CASCADE");
  }

  // Documents this sync does not hold are deleted at once (keep_others 0), as if every other
  // process had moved on a week ago.
  KnowledgeSyncReport sync(const Knowledge& k, llm::Embedder* embedder,
                           const SyncedKnowledge* previous = nullptr) {
    auto report =
        sync_knowledge_index(store_, schema_, k, embedder, previous, std::chrono::seconds(0));
    EXPECT_TRUE(report.ok()) << report.error().message;
    return report.ok() ? *report : KnowledgeSyncReport{};
  }

  std::vector<KnowledgeHit> search(const std::string& question, const SyncedKnowledge& synced,
                                   KnowledgeSearchOptions options = {}) {
    auto hits = search_knowledge(store_, schema_, question, synced, options);
    EXPECT_TRUE(hits.ok()) << hits.error().message;
    return hits.ok() ? *hits : std::vector<KnowledgeHit>{};
  }

  // The questions (or terms) of the hits of one kind, best first.
  static std::vector<std::string> names(const std::vector<KnowledgeHit>& hits, const Knowledge& k,
                                        KnowledgeKind kind) {
    std::vector<std::string> out;
    for (const auto& h : hits) {
      if (h.entry.kind != kind) continue;
      out.push_back(kind == KnowledgeKind::kExample ? k.examples.at(h.entry.position).question
                                                    : k.glossary.at(h.entry.position).term);
    }
    return out;
  }

  size_t documents() {
    auto rows =
        store_.query("SELECT count(*) FROM " + pg::quote_ident(schema_) + ".knowledge_documents");
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? std::stoul(*rows->rows.at(0).at(0)) : 0;
  }

  std::string schema_;
  pg::Connection store_;
};

TEST_F(KnowledgeIndexTest, SyncIsIncrementalAndEmbedsOnlyWhatIsNew) {
  Knowledge k = shop_knowledge();
  const size_t all = k.examples.size() + k.glossary.size();
  CountingEmbedder embedder;
  const auto first = sync(k, &embedder);
  EXPECT_EQ(first.added, all);
  EXPECT_EQ(first.kept, 0u);
  EXPECT_EQ(first.removed, 0u);
  EXPECT_EQ(first.embedded, all);
  EXPECT_EQ(embedder.texts(), all);
  EXPECT_EQ(documents(), all);
  ASSERT_TRUE(first.synced);
  EXPECT_EQ(first.synced->documents().size(), all);
  EXPECT_EQ(first.synced->dimensions(), embedder.dimensions());

  // The same knowledge again, as a new process would (no earlier result): nothing embedded, the
  // stored vectors read back.
  const auto again = sync(k, &embedder);
  EXPECT_EQ(again.kept, all);
  EXPECT_EQ(again.added + again.removed + again.embedded, 0u);
  EXPECT_EQ(embedder.texts(), all);
  ASSERT_TRUE(again.synced);
  EXPECT_EQ(again.synced->dimensions(), embedder.dimensions());
  const auto q = embedder.inner().embed_text("How many shipments arrived late?");
  ASSERT_FALSE(again.synced->nearest(q, 1).empty());
  EXPECT_EQ(again.synced->documents()[again.synced->nearest(q, 1)[0].document].entry.position, 3u);

  // One example taught, one forgotten: only the new one is embedded.
  k.examples.erase(k.examples.begin() + 5);
  k.examples.insert(k.examples.begin(),
                    {"How many orders were returned?", "SELECT count(*) FROM returns"});
  const auto changed = sync(k, &embedder, again.synced.get());
  EXPECT_EQ(changed.added, 1u);
  EXPECT_EQ(changed.removed, 1u);
  EXPECT_EQ(changed.kept, all - 1);
  EXPECT_EQ(changed.embedded, 1u);
  EXPECT_EQ(embedder.texts(), all + 1);
  EXPECT_EQ(documents(), all);
  // The positions are the new knowledge's.
  const auto* returned = changed.synced->find(changed.synced->documents()[0].hash);
  ASSERT_NE(returned, nullptr);
  EXPECT_EQ(returned->entry.kind, KnowledgeKind::kExample);
  EXPECT_EQ(returned->entry.position, 0u);

  // Another embedder (here: none) makes every document anew.
  const auto plain = sync(k, nullptr);
  EXPECT_EQ(plain.added, all);
  EXPECT_EQ(plain.removed, all);
  EXPECT_EQ(plain.synced->dimensions(), 0u);
  // Forgetting everything empties the index.
  const auto emptied = sync(Knowledge{}, nullptr);
  EXPECT_EQ(emptied.removed, all);
  EXPECT_EQ(documents(), 0u);
}

// A new install has taught askdb one or two things: a word every title holds still counts.
TEST_F(KnowledgeIndexTest, AOneExampleIndexFindsIt) {
  Knowledge k;
  k.examples = {{"How many stores are there in each region?",
                 "SELECT region, count(*) FROM stores GROUP BY region"}};
  const auto report = sync(k, nullptr);
  const auto hits = search("How many stores are there in each region?", *report.synced);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_GT(hits[0].text, 0.5);
  k.examples.push_back({"How many stores opened in 2024?", "SELECT count(*) FROM stores"});
  const auto two = sync(k, nullptr);
  const auto both = search("stores per region", *two.synced);
  ASSERT_FALSE(both.empty());
  EXPECT_EQ(both[0].entry.position, 0u);
}

TEST_F(KnowledgeIndexTest, DuplicatesAreOneDocumentFoundAtTheFirstPosition) {
  Knowledge k = shop_knowledge();
  k.examples.push_back(k.examples[2]);  // a file example also learned
  const auto report = sync(k, nullptr);
  EXPECT_EQ(report.added, k.examples.size() - 1 + k.glossary.size());
  const auto hits = search("How many stores in each region?", *report.synced);
  const KnowledgeHit* best = first_example(hits);
  ASSERT_NE(best, nullptr);
  EXPECT_EQ(best->entry.position, 2u);
  size_t at_two = 0;  // the duplicate (position 6) is never a hit of its own
  for (const auto& h : hits)
    at_two += h.entry.kind == KnowledgeKind::kExample && h.entry.position == 6;
  EXPECT_EQ(at_two, 0u);
}

TEST_F(KnowledgeIndexTest, AParaphraseSharingStemsFindsTheExample) {
  const Knowledge k = shop_knowledge();
  const auto report = sync(k, nullptr);
  // "ordering" and "ordered", "product" and "products": stems, not words.
  const auto hits = search("customers ordering the most product", *report.synced);
  const auto examples = names(hits, k, KnowledgeKind::kExample);
  ASSERT_FALSE(examples.empty());
  EXPECT_EQ(examples[0], "Which customers ordered the most products last year?");
  EXPECT_GT(hits[0].text, 0.3);
  // Words the knowledge does not have find nothing; text tsquery would read as operators is
  // only words here.
  EXPECT_TRUE(search("xylophone zeppelin", *report.synced).empty());
  EXPECT_TRUE(search("", *report.synced).empty());
  EXPECT_TRUE(
      search_knowledge(store_, schema_, "it's \"odd\" & | ! (x) 'y' <-> :*", *report.synced).ok());
}

// The context builder ignores numbers when it picks examples, and so must the index: the SQL
// of "top 10" shows how to write "top 5".
TEST_F(KnowledgeIndexTest, ExamplesThatDifferOnlyInNumbersAreFound) {
  const Knowledge k = shop_knowledge();
  const auto report = sync(k, nullptr);
  const auto hits = search("What are the top 5 products by revenue?", *report.synced);
  const auto examples = names(hits, k, KnowledgeKind::kExample);
  ASSERT_FALSE(examples.empty());
  EXPECT_EQ(examples[0], "What are the top 10 products by revenue?");
  // Every word but the number, which counts for nothing: not against the example for "top 10",
  // nor for the one that says "5".
  EXPECT_NEAR(hits[0].text, 1.0, 1e-9);
  EXPECT_EQ(std::count(examples.begin(), examples.end(), "Which 5 suppliers ship fastest?"), 0);
  EXPECT_EQ(
      names(search("employees hired in 2023", *report.synced), k, KnowledgeKind::kExample).at(0),
      "List the employees hired in 2024");
}

TEST_F(KnowledgeIndexTest, NotesAreRankedByTheTermTheQuestionNames) {
  const Knowledge k = shop_knowledge();
  const auto report = sync(k, nullptr);
  const auto hits = search("How many customers churned last month?", *report.synced);
  const auto notes = names(hits, k, KnowledgeKind::kNote);
  ASSERT_FALSE(notes.empty());
  EXPECT_EQ(notes[0], "churned customer");
  // The term counts for more than the text: "region" is store region's term; revenue's text
  // says nothing of it.
  const auto regions =
      names(search("revenue by store region", *report.synced), k, KnowledgeKind::kNote);
  ASSERT_GE(regions.size(), 2u);
  EXPECT_EQ(regions[0], "store region");
  EXPECT_EQ(regions[1], "revenue");
  // The limit holds per kind.
  KnowledgeSearchOptions one;
  one.limit = 1;
  const auto limited = search("revenue by store region", *report.synced, one);
  EXPECT_EQ(names(limited, k, KnowledgeKind::kNote).size(), 1u);
  EXPECT_LE(names(limited, k, KnowledgeKind::kExample).size(), 1u);
}

TEST_F(KnowledgeIndexTest, VectorsFindAnExampleNoWordOfTheQuestionNames) {
  const Knowledge k = shop_knowledge();
  CountingEmbedder embedder;
  const auto report = sync(k, &embedder);
  // A typo: full text finds nothing, the vectors' character trigrams most of the word.
  const std::string question = "shipmnets latte";
  EXPECT_TRUE(names(search(question, *report.synced), k, KnowledgeKind::kExample).empty());
  const std::vector<float> asked = embedder.inner().embed_text(question);
  KnowledgeSearchOptions options;
  options.question_vector = &asked;
  const auto hits = search(question, *report.synced, options);
  const auto examples = names(hits, k, KnowledgeKind::kExample);
  ASSERT_FALSE(examples.empty());
  EXPECT_EQ(examples[0], "How many shipments arrived late?");
  EXPECT_GT(hits[0].vector, 0);
  // Deterministic: the same search, the same hits.
  const auto twice = search(question, *report.synced, options);
  ASSERT_EQ(twice.size(), hits.size());
  for (size_t i = 0; i < hits.size(); ++i) {
    EXPECT_EQ(twice[i].entry.position, hits[i].entry.position);
    EXPECT_EQ(twice[i].entry.kind, hits[i].entry.kind);
  }
}

// Two processes with other knowledge (another replica mid-rollout, askdb context run with other
// settings) share the index: neither sync deletes the other's documents, and hits are mapped
// back by content hash, so each finds its own and never another's as the wrong entry.
TEST_F(KnowledgeIndexTest, ProcessesWithOtherKnowledgeKeepTheirDocuments) {
  const Knowledge mine = shop_knowledge();
  const auto report = sync(mine, nullptr);
  Knowledge theirs;
  theirs.examples = {{"Which stores are in each region?", "SELECT * FROM stores"}};
  auto their_report = sync_knowledge_index(store_, schema_, theirs, nullptr);
  ASSERT_TRUE(their_report.ok()) << their_report.error().message;
  EXPECT_EQ(their_report->removed, 0u);  // mine were seen just now
  EXPECT_EQ(documents(), mine.examples.size() + mine.glossary.size() + 1);

  const auto my_hits = search("stores in each region", *report.synced);
  ASSERT_FALSE(my_hits.empty());
  for (const auto& h : my_hits) {
    if (h.entry.kind != KnowledgeKind::kExample) continue;
    ASSERT_LT(h.entry.position, mine.examples.size());
    EXPECT_NE(mine.examples[h.entry.position].question, "Which stores are in each region?");
  }
  EXPECT_EQ(mine.examples[my_hits.front().entry.position].question,
            "How many stores are there in each region?");
  // And theirs finds theirs, though my sync ran before and after.
  ASSERT_TRUE(sync_knowledge_index(store_, schema_, mine, nullptr).ok());
  const auto their_hits = search("stores in each region", *their_report->synced);
  ASSERT_EQ(their_hits.size(), 1u);
  EXPECT_EQ(their_hits[0].entry.position, 0u);
}

TEST_F(KnowledgeIndexTest, TrigramSimilarityJoinsWhenPgTrgmIsThere) {
  {
    pg::Connection admin = connect(DemoCluster::get().cluster().admin_conninfo());
    ASSERT_TRUE(admin.exec("CREATE EXTENSION IF NOT EXISTS pg_trgm").ok());
  }
  const Knowledge k = shop_knowledge();
  const auto report = sync(k, nullptr);
  EXPECT_TRUE(report.trigram);
  EXPECT_TRUE(report.warnings.empty());
  EXPECT_FALSE(report.synced->trigram_schema().empty());
  const auto hits = search("How many stores are there in each region?", *report.synced);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(names(hits, k, KnowledgeKind::kExample).at(0),
            "How many stores are there in each region?");
  EXPECT_NEAR(hits[0].trigram, 1.0, 1e-6);
}

// A store in a database without pg_trgm (and a role that may not create it): the sync warns and
// says what to do; words and vectors still match. Then pg_trgm arrives, and the next sync uses
// it.
TEST(KnowledgeIndexWithoutTrigramTest, WordsAndVectorsMatchUntilPgTrgmIsThere) {
  const testing::StoreDatabase database;
  {
    pg::Connection admin = connect(database.admin_conninfo());
    pg::Connection store = connect(database.owner_conninfo());
    ASSERT_TRUE(store::migrate(store, "store").ok());
    const Knowledge k = shop_knowledge();
    BuiltinEmbedder embedder;
    auto report = sync_knowledge_index(store, "store", k, &embedder);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_FALSE(report->trigram);
    ASSERT_EQ(report->warnings.size(), 1u);
    EXPECT_NE(report->warnings[0].find("CREATE EXTENSION pg_trgm"), std::string::npos)
        << report->warnings[0];
    const std::vector<float> asked = embedder.embed_text("How many stores are in each region?");
    KnowledgeSearchOptions options;
    options.question_vector = &asked;
    auto hits = search_knowledge(store, "store", "How many stores are in each region?",
                                 *report->synced, options);
    ASSERT_TRUE(hits.ok()) << hits.error().message;
    const KnowledgeHit* best = first_example(*hits);
    ASSERT_NE(best, nullptr);
    EXPECT_EQ(best->entry.position, 2u);
    EXPECT_EQ(best->trigram, 0);
    EXPECT_GT(best->vector, 0);

    ASSERT_TRUE(admin
                    .exec(std::string("CREATE SCHEMA trgm; CREATE EXTENSION pg_trgm SCHEMA trgm; "
                                      "GRANT USAGE ON SCHEMA trgm TO ") +
                          pg::kEmbeddedOwner)
                    .ok());
    report = sync_knowledge_index(store, "store", k, &embedder, report->synced.get());
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_TRUE(report->trigram);
    EXPECT_TRUE(report->warnings.empty());
    EXPECT_EQ(report->embedded, 0u);
    hits = search_knowledge(store, "store", "How many stores are in each region?", *report->synced,
                            options);
    ASSERT_TRUE(hits.ok()) << hits.error().message;
    best = first_example(*hits);
    ASSERT_NE(best, nullptr);
    EXPECT_GT(best->trigram, 0.5);

    // Dropped after the sync: the search goes on without it.
    ASSERT_TRUE(admin.exec("DROP EXTENSION pg_trgm").ok());
    hits = search_knowledge(store, "store", "How many stores are in each region?", *report->synced,
                            options);
    ASSERT_TRUE(hits.ok()) << hits.error().message;
    best = first_example(*hits);
    ASSERT_NE(best, nullptr);
    EXPECT_EQ(best->entry.position, 2u);
    EXPECT_EQ(best->trigram, 0);
  }
}

}  // namespace
}  // namespace askdb::retrieval
