// The schema index (retrieval/schema_index.h) over the demo database: written into an app store
// schema of its own, searched with everyday questions, and used by the context builder when
// the schema does not fit the budget. Also identifier_words(), which splits names into words.
#include "retrieval/schema_index.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "retrieval/builtin_embedder.h"
#include "retrieval/context_builder.h"
#include "retrieval/schema_vectors.h"
#include "store/migrations.h"
#include "support/demo_cluster.h"

namespace askdb::retrieval {
namespace {

using testing::DemoCluster;

TEST(IdentifierWordsTest, SplitsSnakeCamelAndDigits) {
  EXPECT_EQ(identifier_words("order_items"), "order items");
  EXPECT_EQ(identifier_words("OrderItems_2024"), "order items 2024");
  EXPECT_EQ(identifier_words("HTTPServerLog"), "http server log");
  EXPECT_EQ(identifier_words("customer_id2"), "customer id 2");
  EXPECT_EQ(identifier_words("São Paulo"), "são paulo");
  EXPECT_EQ(identifier_words("__x__"), "x");
  EXPECT_EQ(identifier_words(""), "");
}

class SchemaIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> n{0};
    schema_ = "schema_index_test_" + std::to_string(getpid()) + "_" + std::to_string(++n);
    auto conn = pg::Connection::open(DemoCluster::get().cluster().owner_conninfo(), "the store");
    ASSERT_TRUE(conn.ok()) << conn.error().message;
    store_ = std::move(*conn);
    ASSERT_TRUE(store::migrate(store_, schema_).ok());
    auto catalog = load_catalog(store_, {schema_});
    ASSERT_TRUE(catalog.ok()) << catalog.error().message;
    // The demo's tables only: other tests' app-store schemas may be in this database too.
    for (auto& t : catalog->tables) {
      if (t.schema == "public") catalog_.tables.push_back(std::move(t));
    }
    ASSERT_FALSE(catalog_.tables.empty());
    const Status written = write_schema_index(store_, schema_, catalog_);
    ASSERT_TRUE(written.ok()) << written.error().message;
  }

  void TearDown() override {
    (void)store_.exec("DROP SCHEMA IF EXISTS " + pg::quote_ident(schema_) + " CASCADE");
  }

  std::vector<std::string> top(const std::string& question, size_t n,
                               SchemaSearchOptions options = {}) {
    options.limit = n;
    auto hits = search_schema(store_, schema_, question, options);
    EXPECT_TRUE(hits.ok()) << hits.error().message;
    std::vector<std::string> names;
    if (hits.ok()) {
      for (const auto& h : *hits) names.push_back(h.name);
    }
    return names;
  }

  std::string schema_;
  pg::Connection store_;
  Catalog catalog_;
};

TEST_F(SchemaIndexTest, TheIndexerStopsWhenToldAndTheOldIndexStays) {
  Catalog smaller = catalog_;
  smaller.tables.resize(1);
  const std::atomic<bool> stop{true};
  const Status stopped = write_schema_index(store_, schema_, smaller, nullptr, &stop);
  ASSERT_FALSE(stopped.ok());
  EXPECT_NE(stopped.error().message.find("askdb is stopping"), std::string::npos)
      << stopped.error().message;
  auto tables = store_.query("SELECT count(DISTINCT table_name) FROM " + pg::quote_ident(schema_) +
                             ".schema_documents");
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(*tables->rows[0][0], std::to_string(catalog_.tables.size()));
  // The connection is out of the transaction, ready for the next one.
  auto fingerprint = indexed_fingerprint(store_, schema_);
  ASSERT_TRUE(fingerprint.ok()) << fingerprint.error().message;
  EXPECT_EQ(*fingerprint, index_fingerprint(catalog_, nullptr));
}

TEST_F(SchemaIndexTest, EveryTableAndColumnIsADocument) {
  size_t columns = 0;
  for (const auto& t : catalog_.tables) columns += t.columns.size();
  auto rows = store_.query("SELECT count(*), count(*) FILTER (WHERE column_name = '') FROM " +
                           pg::quote_ident(schema_) + ".schema_documents");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0][0], std::to_string(catalog_.tables.size() + columns));
  EXPECT_EQ(rows->rows[0][1], std::to_string(catalog_.tables.size()));
  auto fingerprint = indexed_fingerprint(store_, schema_);
  ASSERT_TRUE(fingerprint.ok());
  EXPECT_EQ(*fingerprint, index_fingerprint(catalog_, nullptr));
  Catalog changed = catalog_;
  changed.tables.front().columns.front().comment += " (changed)";
  EXPECT_NE(index_fingerprint(changed, nullptr), *fingerprint);
  // Written again: replaced, not added to.
  ASSERT_TRUE(write_schema_index(store_, schema_, catalog_).ok());
  auto again =
      store_.query("SELECT count(*) FROM " + pg::quote_ident(schema_) + ".schema_documents");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rows[0][0], rows->rows[0][0]);
}

TEST_F(SchemaIndexTest, TheTableTheQuestionNamesComesFirst) {
  EXPECT_EQ(top("How many customers signed up last year?", 1),
            std::vector<std::string>{"customers"});
  auto both = top("Which suppliers deliver the most products?", 2);
  std::sort(both.begin(), both.end());
  EXPECT_EQ(both, (std::vector<std::string>{"products", "suppliers"}));
  // Stemming: "reviewed" and "shipped" find product_reviews and shipments.
  const auto reviewed = top("Which products were reviewed worst?", 3);
  EXPECT_NE(std::find(reviewed.begin(), reviewed.end(), "product_reviews"), reviewed.end());
  const auto shipped = top("How long did shipments take to arrive?", 1);
  EXPECT_EQ(shipped, std::vector<std::string>{"shipments"});
}

TEST_F(SchemaIndexTest, ColumnsThatMatchAreNamed) {
  auto hits = search_schema(store_, schema_, "average unit price of order items", 5);
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  const auto it = std::find_if(hits->begin(), hits->end(),
                               [](const TableHit& h) { return h.name == "order_items"; });
  ASSERT_NE(it, hits->end());
  EXPECT_NE(std::find(it->columns.begin(), it->columns.end(), "unit_price"), it->columns.end());
}

TEST_F(SchemaIndexTest, WordsTheSchemaDoesNotHaveFindNothing) {
  EXPECT_TRUE(top("the of and", 5).empty());
  EXPECT_TRUE(top("xylophone zeppelin", 5).empty());
  EXPECT_TRUE(top("", 5).empty());
  // Text tsquery would read as operators is only words here.
  auto odd = search_schema(store_, schema_, "it's \"quoted\" & | ! (odd) 'text' <-> :*", 5);
  ASSERT_TRUE(odd.ok()) << odd.error().message;
}

TEST_F(SchemaIndexTest, HyphenatedAndJoinedWordsAreFound) {
  const auto table = [](std::string name, std::string column, std::string comment) {
    CatalogTable t;
    t.schema = "public";
    t.name = std::move(name);
    t.columns.push_back({std::move(column), "numeric", std::move(comment), false});
    return t;
  };
  Catalog c;
  // Both hold "year" and "growth"; only the second holds the hyphenated word itself, so only
  // that word decides (a tie would go to the first by name).
  c.tables.push_back(table("a_series", "growth", "growth over the year"));
  c.tables.push_back(table("metrics", "growth", "year-over-year growth"));
  // Reached only through the question's two words written as one.
  c.tables.push_back(table("highschooler", "grade", ""));
  ASSERT_TRUE(write_schema_index(store_, schema_, c).ok());
  EXPECT_EQ(top("year-over-year growth", 1), std::vector<std::string>{"metrics"});
  EXPECT_EQ(top("How many high schoolers are there?", 1), std::vector<std::string>{"highschooler"});
}

TEST_F(SchemaIndexTest, TheContextTakesTheRankedTablesAndWhatJoinsThem) {
  auto hits = search_schema(store_, schema_, "revenue by product category", 50);
  ASSERT_TRUE(hits.ok());
  ContextOptions options;
  options.token_budget = 700;  // the demo schema does not fit: the ranking decides
  options.ranking = &*hits;
  const Context ctx = build_context(catalog_, Knowledge{}, "revenue by product category", options);
  EXPECT_FALSE(ctx.schema_complete);
  EXPECT_TRUE(ctx.has_table("categories"));
  EXPECT_TRUE(ctx.has_table("products"));
  EXPECT_LE(ctx.tokens, 700);
  // The same inputs give the same context.
  EXPECT_EQ(build_context(catalog_, Knowledge{}, "revenue by product category", options).schema,
            ctx.schema);
}

CatalogTable table(std::string name, std::vector<std::string> columns) {
  CatalogTable t;
  t.schema = "public";
  t.name = std::move(name);
  t.kind = "table";
  for (auto& c : columns) t.columns.push_back({std::move(c), "integer", "", false});
  return t;
}

// A table of words no question here uses: without it, a word in every document would weigh
// nothing (log N/df = 0).
CatalogTable padding() {
  return table("weather", {"station", "humidity", "rainfall", "pressure", "wind"});
}

TEST_F(SchemaIndexTest, ATableWhoseWholeNameTheQuestionSaysComesBeforeOneThatHoldsTheWord) {
  Catalog c;
  // Both names hold "staff", as written; the tie would go to shift_staff by name.
  c.tables.push_back(table("shift_staff", {"id"}));
  c.tables.push_back(table("staff", {"id"}));
  c.tables.push_back(padding());
  ASSERT_TRUE(write_schema_index(store_, schema_, c).ok());
  EXPECT_EQ(top("Which staff are on duty?", 1), std::vector<std::string>{"staff"});
  SchemaSearchOptions no_coverage;
  no_coverage.name_coverage = 0;
  EXPECT_EQ(top("Which staff are on duty?", 1, no_coverage),
            std::vector<std::string>{"shift_staff"});
}

TEST_F(SchemaIndexTest, AWordAsWrittenCountsForMoreThanAWordThatOnlySharesItsStem) {
  Catalog c;
  // English stems both to "depart"; only b_trips holds "departing" as the question writes it.
  c.tables.push_back(table("a_offices", {"department"}));
  c.tables.push_back(table("b_trips", {"departing"}));
  c.tables.push_back(padding());
  ASSERT_TRUE(write_schema_index(store_, schema_, c).ok());
  EXPECT_EQ(top("departing", 1), std::vector<std::string>{"b_trips"});
  SchemaSearchOptions stems_only;
  stems_only.stem_only_weight = 1;
  EXPECT_EQ(top("departing", 1, stems_only), std::vector<std::string>{"a_offices"});
}

TEST_F(SchemaIndexTest, ANameWrittenAsOneWordIsFoundByItsParts) {
  Catalog c;
  c.tables.push_back(table("country", {"code", "name"}));
  c.tables.push_back(table("countrylanguage", {"code", "percentage"}));
  c.tables.push_back(table("language_names", {"code"}));
  ASSERT_TRUE(write_schema_index(store_, schema_, c).ok());
  const auto found = top("What share of speakers does each language have?", 3);
  EXPECT_NE(std::find(found.begin(), found.end(), "countrylanguage"), found.end());
}

TEST_F(SchemaIndexTest, SynonymsFromWordNetFindATableNamedOtherwise) {
  const auto wordnet = WordNet::load();
  if (!wordnet->available()) GTEST_SKIP() << "wordnet-base is not installed";
  Catalog c;
  c.tables.push_back(table("shop", {"shop_id", "location"}));
  c.tables.push_back(table("employee", {"employee_id", "age"}));
  ASSERT_TRUE(write_schema_index(store_, schema_, c).ok());
  EXPECT_TRUE(top("How many stores are there?", 5).empty());
  SchemaSearchOptions synonyms;
  synonyms.wordnet = wordnet.get();
  EXPECT_EQ(top("How many stores are there?", 5, synonyms), std::vector<std::string>{"shop"});
}

TEST_F(SchemaIndexTest, VectorsAreWrittenAndLoadedOncePerIndexVersion) {
  BuiltinEmbedder embedder;
  ASSERT_TRUE(write_schema_index(store_, schema_, catalog_, &embedder).ok());
  SchemaVectorCache cache;
  auto vectors = cache.get(store_, schema_);
  ASSERT_TRUE(vectors.ok()) << vectors.error().message;
  size_t documents = catalog_.tables.size();
  for (const auto& t : catalog_.tables) documents += t.columns.size();
  EXPECT_EQ((*vectors)->size(), documents);
  EXPECT_EQ((*vectors)->dimensions(), embedder.dimensions());
  EXPECT_EQ((*vectors)->model(), embedder.model());
  // Nearest to a table's own name: that table.
  const auto near = (*vectors)->nearest(embedder.embed_text("product reviews"), 1);
  ASSERT_EQ(near.size(), 1u);
  EXPECT_EQ(near[0].table, "product_reviews");
  auto again = cache.get(store_, schema_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), vectors->get());  // not loaded again
  ASSERT_TRUE(write_schema_index(store_, schema_, catalog_, &embedder).ok());
  auto rewritten = cache.get(store_, schema_);
  ASSERT_TRUE(rewritten.ok());
  EXPECT_NE(rewritten->get(), vectors->get());
  // Written without an embedder: no vectors.
  ASSERT_TRUE(write_schema_index(store_, schema_, catalog_).ok());
  auto none = cache.get(store_, schema_);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)->size(), 0u);
  EXPECT_EQ((*none)->model(), "");
}

TEST_F(SchemaIndexTest, VectorsFindATableNoWordOfTheQuestionNames) {
  Catalog c;
  c.tables.push_back(table("invoices", {"invoice_id", "total"}));
  c.tables.push_back(table("shipments", {"shipment_id", "carrier"}));
  c.tables.push_back(padding());
  BuiltinEmbedder embedder;
  ASSERT_TRUE(write_schema_index(store_, schema_, c, &embedder).ok());
  // A typo: full text finds nothing, the character trigrams most of the word.
  const std::string question = "How many shipmnets were late?";
  EXPECT_TRUE(top(question, 5).empty());
  SchemaVectorCache cache;
  auto vectors = cache.get(store_, schema_);
  ASSERT_TRUE(vectors.ok());
  const std::vector<float> asked = embedder.embed_text(question);
  SchemaSearchOptions options;
  options.vectors = vectors->get();
  options.question_vector = &asked;
  const auto found = top(question, 1, options);
  EXPECT_EQ(found, std::vector<std::string>{"shipments"});
  for (const auto fusion :
       {SchemaSearchOptions::Fusion::kScores, SchemaSearchOptions::Fusion::kReciprocalRank}) {
    options.fusion = fusion;
    EXPECT_EQ(top(question, 1, options), std::vector<std::string>{"shipments"});
  }
}

}  // namespace
}  // namespace askdb::retrieval
