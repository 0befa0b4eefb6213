#include "retrieval/context_builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace askdb::retrieval {
namespace {

CatalogTable table(const std::string& name, std::vector<std::string> cols,
                   std::string comment = "") {
  CatalogTable t;
  t.schema = "public";
  t.name = name;
  t.kind = "table";
  t.comment = std::move(comment);
  t.row_estimate = 10;
  for (auto& c : cols) t.columns.push_back({c, "integer", "", false});
  t.primary_key = {t.columns[0].name};
  return t;
}

Catalog shop() {
  Catalog c;
  c.tables.push_back(table("customers", {"customer_id", "city"}, "People who buy"));
  c.tables.push_back(table("orders", {"order_id", "customer_id", "order_date"}));
  c.tables.back().foreign_keys.push_back({{"customer_id"}, "public", "customers", {"customer_id"}});
  c.tables.push_back(table("warehouse_bins", {"bin_id", "aisle"}));
  return c;
}

TEST(ContextBuilder, WholeSchemaWhenItFits) {
  const auto ctx = build_context(shop(), {}, "how many orders?", {});
  EXPECT_TRUE(ctx.schema_complete);
  EXPECT_EQ(ctx.tables.size(), 3u);
  EXPECT_NE(ctx.schema.find("CREATE TABLE orders ("), std::string::npos);
  EXPECT_NE(ctx.schema.find("FOREIGN KEY (customer_id) REFERENCES customers (customer_id)"),
            std::string::npos);
  EXPECT_NE(ctx.schema.find("-- People who buy"), std::string::npos);
}

TEST(ContextBuilder, CutsToBudgetKeepingRelevantTablesAndTheirJoins) {
  const Catalog catalog = shop();
  ContextOptions options;
  // Room for orders and customers, not for all three tables.
  options.token_budget = estimate_tokens(render_table(catalog.tables[0])) +
                         estimate_tokens(render_table(catalog.tables[1])) + 2;
  const auto ctx = build_context(catalog, {}, "orders per day", options);
  EXPECT_FALSE(ctx.schema_complete);
  ASSERT_FALSE(ctx.tables.empty());
  EXPECT_TRUE(ctx.has_table("orders"));
  EXPECT_TRUE(ctx.has_table("customers"));  // join path
  EXPECT_FALSE(ctx.has_table("warehouse_bins"));
  EXPECT_LE(ctx.tokens, options.token_budget);
}

// A catalog too big for a small budget, ranked by hand: flights references airports and
// airlines; the other tables are padding.
Catalog flights() {
  Catalog c;
  c.tables.push_back(table("airlines", {"airline_id", "name"}));
  c.tables.push_back(table("airports", {"airport_code", "city"}));
  c.tables.push_back(table("flights", {"flight_no", "airline_id", "source_airport"}));
  c.tables.back().foreign_keys.push_back({{"airline_id"}, "public", "airlines", {"airline_id"}});
  c.tables.back().foreign_keys.push_back(
      {{"source_airport"}, "public", "airports", {"airport_code"}});
  for (int i = 0; i < 40; ++i) c.tables.push_back(table("padding_" + std::to_string(i), {"x"}));
  return c;
}

bool has(const Context& ctx, const std::string& table) { return ctx.has_table(table); }

std::vector<std::string> names(const Context& ctx) {
  std::vector<std::string> out;
  for (const auto& t : ctx.tables) out.push_back(t.name);
  return out;
}

TEST(ContextBuilder, TablesARankedTableReferencesAreTakenThoughTheRankingMissedThem) {
  const Catalog catalog = flights();
  const std::vector<TableHit> ranking = {{"public", "flights", 10, {}}};
  ContextOptions options;
  options.token_budget = 400;
  options.ranking = &ranking;
  // As candidates: a share of the neighbour's score.
  options.parents_of_top = 0;
  const auto as_candidates = build_context(catalog, {}, "flights from Aberdeen", options);
  EXPECT_FALSE(as_candidates.schema_complete);
  EXPECT_TRUE(has(as_candidates, "flights"));
  EXPECT_TRUE(has(as_candidates, "airports"));
  EXPECT_TRUE(has(as_candidates, "airlines"));
  // As the parents of a top table, with no share of its score.
  options.neighbour_share = 0;
  options.min_tables = 0;
  options.parents_of_top = 1;
  const auto as_parents = build_context(catalog, {}, "flights from Aberdeen", options);
  EXPECT_TRUE(has(as_parents, "airports"));
  EXPECT_TRUE(has(as_parents, "airlines"));
  options.parents_of_top = 0;
  const auto neither = build_context(catalog, {}, "flights from Aberdeen", options);
  EXPECT_EQ(names(neither), std::vector<std::string>{"flights"});
}

TEST(ContextBuilder, AtLeastMinTablesAreTakenBelowTheFloor) {
  const Catalog catalog = flights();
  const std::vector<TableHit> ranking = {{"public", "padding_1", 10, {}},
                                         {"public", "padding_2", 1, {}},
                                         {"public", "padding_3", 1, {}}};
  ContextOptions options;
  options.token_budget = 400;
  options.ranking = &ranking;
  options.min_tables = 0;
  EXPECT_EQ(names(build_context(catalog, {}, "x", options)), std::vector<std::string>{"padding_1"});
  options.min_tables = 2;
  // Ties go by name: padding_2 before padding_3.
  EXPECT_EQ(names(build_context(catalog, {}, "x", options)),
            (std::vector<std::string>{"padding_1", "padding_2"}));
}

// flights() with a wide airlines table: its key, its name and 20 more columns.
Catalog flights_with_wide_airlines() {
  Catalog c = flights();
  for (int i = 0; i < 20; ++i) {
    c.tables[0].columns.push_back({"detail_" + std::to_string(i), "text", "what it is", false});
  }
  return c;
}

TEST(ContextBuilder, WideTablesBelowTheBestShowTheirKeysAndNamedColumnsWhole) {
  const Catalog catalog = flights_with_wide_airlines();
  const std::vector<TableHit> ranking = {{"public", "flights", 10, {}},
                                         {"public", "airlines", 9, {"name"}}};
  ContextOptions options;
  options.token_budget = 800;
  options.ranking = &ranking;
  options.whole_tables = 1;
  options.wide_columns = 8;
  const auto compact = build_context(catalog, {}, "airline names", options);
  ASSERT_TRUE(compact.has_table("airlines"));
  // The key and the column the question names, whole; the rest by name.
  EXPECT_NE(compact.schema.find("  airline_id integer,"), std::string::npos) << compact.schema;
  EXPECT_NE(compact.schema.find("  name integer,"), std::string::npos) << compact.schema;
  EXPECT_EQ(compact.schema.find("detail_3 text"), std::string::npos) << compact.schema;
  EXPECT_NE(compact.schema.find("  -- 20 more columns, by name: detail_0, detail_1,"),
            std::string::npos)
      << compact.schema;
  EXPECT_EQ(compact.schema.find("what it is"), std::string::npos);
  // The columns are all listed for askdb context, and why says it is compact.
  const auto& airlines = *std::find_if(compact.tables.begin(), compact.tables.end(),
                                       [](const auto& t) { return t.name == "airlines"; });
  EXPECT_EQ(airlines.columns.size(), 22u);
  EXPECT_NE(airlines.why.front().find("20 of its columns by name only"), std::string::npos);

  // Among the best, it is whole.
  options.whole_tables = 2;
  const auto whole = build_context(catalog, {}, "airline names", options);
  EXPECT_NE(whole.schema.find("  detail_3 text,  -- what it is"), std::string::npos)
      << whole.schema;
  EXPECT_LT(compact.tokens, whole.tokens);
}

TEST(ContextBuilder, AWideTableThatDoesNotFitWholeIsShownCompact) {
  const Catalog catalog = flights_with_wide_airlines();
  const std::vector<TableHit> ranking = {{"public", "airlines", 10, {}}};
  ContextOptions options;
  options.ranking = &ranking;
  options.token_budget = estimate_tokens(render_table(catalog.tables[0])) - 10;
  const auto ctx = build_context(catalog, {}, "airlines", options);
  EXPECT_TRUE(ctx.has_table("airlines")) << ctx.schema;
  EXPECT_NE(ctx.schema.find("more columns, by name"), std::string::npos);
  EXPECT_LE(ctx.tokens, options.token_budget);
}

TEST(ContextBuilder, ACompactTableIsStillOneValidStatement) {
  CatalogTable t = flights_with_wide_airlines().tables[0];
  t.comment = "Carriers";
  const std::set<std::string> keep = {"airline_id"};
  const std::string sql = render_table(t, &keep);
  EXPECT_EQ(sql,
            "-- Carriers\n-- about 10 rows\nCREATE TABLE airlines (\n  airline_id integer,\n"
            "  PRIMARY KEY (airline_id)\n  -- 21 more columns, by name: name, detail_0, detail_1, "
            "detail_2, detail_3, detail_4, detail_5, detail_6, detail_7, detail_8, detail_9, "
            "detail_10, detail_11, detail_12, detail_13, detail_14, detail_15, detail_16, "
            "detail_17, detail_18, detail_19\n);\n");
}

TEST(ContextBuilder, ValuesAreShownOnlyForColumnsTheCatalogHas) {
  const Catalog catalog = shop();
  // "email" is not in the catalog (private, say, since the values were indexed).
  const std::vector<ValueHit> values = {{"public", "customers", "city", "São Paulo", false, 0.9},
                                        {"public", "customers", "email", "a@b.c", false, 0.8}};
  ContextOptions options;
  options.values = &values;
  const auto ctx = build_context(catalog, {}, "customers in sao paulo", options);
  ASSERT_EQ(ctx.value_hits.size(), 1u);
  EXPECT_EQ(ctx.value_hits[0].column, "city");
  EXPECT_NE(ctx.values.find("'São Paulo'"), std::string::npos);
  EXPECT_EQ(ctx.values.find("a@b.c"), std::string::npos);
}

TEST(ContextBuilder, Deterministic) {
  EXPECT_EQ(build_context(shop(), {}, "x", {}).schema, build_context(shop(), {}, "x", {}).schema);
}

TEST(ContextBuilder, QuotesIdentifiersThatNeedIt) {
  Catalog c;
  c.tables.push_back(table("Order Lines", {"LineId"}));
  const auto text = render_table(c.tables[0]);
  EXPECT_NE(text.find("CREATE TABLE \"Order Lines\""), std::string::npos);
  EXPECT_NE(text.find("\"LineId\" integer"), std::string::npos);
}

TEST(ContextBuilder, ReservedWordsAreQuotedOtherNamesAreNot) {
  EXPECT_EQ(sql_identifier("order"), "\"order\"");
  EXPECT_EQ(sql_identifier("user"), "\"user\"");
  EXPECT_EQ(sql_identifier("from"), "\"from\"");
  EXPECT_EQ(sql_identifier("left"), "\"left\"");  // may name a function, not a column
  EXPECT_EQ(sql_identifier("orders"), "orders");
  EXPECT_EQ(sql_identifier("year"), "year");  // a key word, but not a reserved one
  EXPECT_EQ(sql_identifier("name"), "name");
  EXPECT_EQ(sql_identifier("Order"), "\"Order\"");
  EXPECT_EQ(sql_identifier("2fa"), "\"2fa\"");
}

TEST(Knowledge, NoteTermsAreTheSameWhateverTheirCaseAccentsOrPunctuation) {
  EXPECT_TRUE(same_note_term("Über-Kunde", "über kunde"));
  EXPECT_TRUE(same_note_term("Return rate", " return-rate "));
  EXPECT_TRUE(same_note_term("ÉTÉ", "ete"));
  EXPECT_FALSE(same_note_term("revenue", "net revenue"));
}

TEST(Knowledge, SimilarityRespectsNumbers) {
  EXPECT_GT(question_similarity("Which 5 products sold most in 2025?",
                                "which 5 products sold the most in 2025"),
            0.8);
  EXPECT_EQ(question_similarity("top 5 products", "top 10 products"), 0);
  EXPECT_GT(question_similarity("top 5 products", "top 10 products", false), 0.5);
  EXPECT_LT(question_similarity("revenue by month", "how many stores are there"), 0.3);
}

TEST(Knowledge, ExamplesRankedAndIncluded) {
  Knowledge k;
  k.examples = {{"How many stores are there?", "SELECT count(*) FROM stores"},
                {"Revenue by month in 2025", "SELECT 1"}};
  auto ranked = rank_examples(k, "monthly revenue in 2025", 1);
  ASSERT_EQ(ranked.size(), 1u);
  EXPECT_EQ(ranked[0].example->question, "Revenue by month in 2025");
  const auto ctx = build_context(shop(), k, "monthly revenue in 2025", {});
  EXPECT_EQ(ctx.examples.find("Question: Revenue by month in 2025"), 0u);
}

// Examples and notes for the knowledge ranking's tests: what the in-process ranking would pick
// for "monthly revenue in 2025" differs from the order the index is made to give.
Knowledge teaching() {
  Knowledge k;
  k.examples = {{"Revenue by month in 2025", "SELECT 1"},
                {"How many stores are there?", "SELECT count(*) FROM stores"},
                {"Which customers ordered most?",
                 "SELECT * FROM orders JOIN customers USING "
                 "(customer_id)"}};
  k.glossary = {{"revenue", "Sum of order lines."},
                {"store", "A shop with a till."},
                {"churn", "No order in 90 days."}};
  return k;
}

KnowledgeHit hit(KnowledgeKind kind, size_t position, double score) {
  KnowledgeHit h;
  h.entry = {kind, position};
  h.score = h.text = score;
  return h;
}

TEST(ContextBuilder, AKnowledgeRankingOrdersTheExamplesAndNotes) {
  const Knowledge k = teaching();
  const std::vector<KnowledgeHit> ranking = {
      hit(KnowledgeKind::kNote, 2, 0.9), hit(KnowledgeKind::kExample, 2, 0.8),
      hit(KnowledgeKind::kExample, 1, 0.5), hit(KnowledgeKind::kNote, 1, 0.4)};
  ContextOptions options;
  options.knowledge = &ranking;
  const auto ctx = build_context(shop(), k, "monthly revenue in 2025", options);
  // Only the ranked examples, in the ranking's order: the in-process favourite is not ranked.
  EXPECT_EQ(ctx.example_questions, (std::vector<std::string>{"Which customers ordered most?",
                                                             "How many stores are there?"}));
  EXPECT_EQ(ctx.examples.find("Question: Which customers ordered most?"), 0u);
  ASSERT_EQ(ctx.example_items.size(), 2u);
  EXPECT_DOUBLE_EQ(ctx.example_items[0].score, 0.8);
  EXPECT_NE(ctx.example_items[0].why.find("knowledge index"), std::string::npos);
  // The ranked notes first, in its order; then, as the budget allows, the others in file order.
  EXPECT_EQ(ctx.notes, (std::vector<std::string>{"churn", "store", "revenue"}));
  EXPECT_NE(ctx.note_items[0].why.find("knowledge index"), std::string::npos);
  EXPECT_NE(ctx.note_items[2].why.find("room left"), std::string::npos);

  // max_examples still holds.
  options.max_examples = 1;
  EXPECT_EQ(build_context(shop(), k, "monthly revenue in 2025", options).example_questions,
            std::vector<std::string>{"Which customers ordered most?"});
  // An empty ranking: no example matched, none is shown; every note is, as room allows.
  const std::vector<KnowledgeHit> none;
  options.knowledge = &none;
  const auto empty = build_context(shop(), k, "monthly revenue in 2025", options);
  EXPECT_TRUE(empty.example_questions.empty());
  EXPECT_TRUE(empty.examples.empty());
  EXPECT_EQ(empty.notes, (std::vector<std::string>{"revenue", "store", "churn"}));
  // Positions beyond the knowledge (a ranking of other knowledge) are skipped.
  const std::vector<KnowledgeHit> stale = {hit(KnowledgeKind::kExample, 7, 1),
                                           hit(KnowledgeKind::kNote, 9, 1)};
  options.knowledge = &stale;
  EXPECT_TRUE(build_context(shop(), k, "revenue", options).example_questions.empty());
}

TEST(ContextBuilder, WithoutAKnowledgeRankingExamplesAreRankedInProcess) {
  const Knowledge k = teaching();
  const auto ctx = build_context(shop(), k, "monthly revenue in 2025", {});
  ASSERT_FALSE(ctx.example_questions.empty());
  EXPECT_EQ(ctx.example_questions[0], "Revenue by month in 2025");
  EXPECT_NE(ctx.example_items[0].why.find("trigram similarity"), std::string::npos);
  // The notes whose term the question names first.
  EXPECT_EQ(ctx.notes, (std::vector<std::string>{"revenue", "store", "churn"}));
  EXPECT_EQ(ctx.note_items[0].why, "the question names its term");
}

TEST(ContextBuilder, RankedExamplesStillStayWithinAQuarterOfTheBudget) {
  Knowledge k;
  for (int i = 0; i < 5; ++i) {
    k.examples.push_back({"Question number " + std::to_string(i), std::string(400, 'x')});
  }
  std::vector<KnowledgeHit> ranking;
  for (size_t i = 0; i < 5; ++i)
    ranking.push_back(hit(KnowledgeKind::kExample, 4 - i, 1.0 - 0.1 * i));
  ContextOptions options;
  options.knowledge = &ranking;
  options.token_budget = 1000;  // a quarter: 250 tokens, about two examples of 400 bytes
  const auto ctx = build_context(shop(), k, "question", options);
  EXPECT_EQ(ctx.example_questions,
            (std::vector<std::string>{"Question number 4", "Question number 3"}));
  EXPECT_EQ(ctx.example_items.size(), 2u);
  EXPECT_LE(estimate_tokens(ctx.examples), 250);
  // The best one too long for the budget: the next ones are taken instead.
  k.examples[4].sql = std::string(2000, 'y');
  const auto long_first = build_context(shop(), k, "question", options);
  EXPECT_EQ(long_first.example_questions,
            (std::vector<std::string>{"Question number 3", "Question number 2"}));
  EXPECT_EQ(long_first.example_items.size(), 2u);
}

// The rule "an example close to the question brings the tables its SQL reads" holds for ranked
// examples too, by question_similarity: a close one brings its tables, a distant one does not.
TEST(ContextBuilder, ACloseRankedExampleBringsTheTablesItsSqlReads) {
  const Catalog catalog = flights();
  Knowledge k;
  k.examples = {{"How many flights does each airline run?",
                 "SELECT a.name, count(*) FROM flights f JOIN airlines a USING (airline_id) "
                 "GROUP BY 1"},
                {"List the padding", "SELECT * FROM padding_7"}};
  const std::vector<KnowledgeHit> ranking = {hit(KnowledgeKind::kExample, 1, 0.9),
                                             hit(KnowledgeKind::kExample, 0, 0.8)};
  ContextOptions options;
  options.knowledge = &ranking;
  options.token_budget = 400;
  const auto ctx =
      build_context(catalog, k, "How many flights does each airline operate?", options);
  EXPECT_FALSE(ctx.schema_complete);
  const auto why = [&ctx](const std::string& table) {
    std::string out;
    for (const auto& t : ctx.tables) {
      if (t.name == table) {
        for (const auto& w : t.why) out += w + "; ";
      }
    }
    return out;
  };
  EXPECT_NE(why("flights").find("read by the verified example"), std::string::npos)
      << why("flights");
  EXPECT_NE(why("airlines").find("read by the verified example"), std::string::npos);
  // Ranked first, but not close to the question.
  EXPECT_EQ(why("padding_7").find("read by the verified example"), std::string::npos);
}

TEST(KnowledgeIndex, SqlIdentifierWordsNameTheDataNotTheSyntax) {
  EXPECT_EQ(sql_identifier_words("SELECT count(*) FROM order_items oi WHERE oi.unitPrice > 10"),
            "order items oi unit price");
  EXPECT_EQ(sql_identifier_words("SELECT T1.name FROM singer AS T1 JOIN \"Concert Hall\" AS T2 ON "
                                 "T1.id = T2.singer_id -- the singers\n WHERE T2.city = 'Paris' "
                                 "/* not this */ AND 1e5 > 2"),
            "name singer concert hall id city");
  EXPECT_EQ(sql_identifier_words("SELECT 'it''s' AS x"), "");
  EXPECT_EQ(sql_identifier_words(""), "");
}

}  // namespace
}  // namespace askdb::retrieval
