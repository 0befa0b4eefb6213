// The value index (retrieval/value_index.h) against the shared demo cluster: values read through
// the read-only role (from statistics, scans and enum labels; odd identifiers, unreadable and
// private columns, huge and non-categorical ones), written into an app store schema of its own,
// searched with everyday spellings, and rendered for the prompt; also with a store whose
// database lacks pg_trgm. Also fold_text() and value_match_score(), the matching's pure parts.
#include "retrieval/value_index.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "core/text.h"
#include "retrieval/text_fold.h"
#include "store/migrations.h"
#include "support/demo_cluster.h"
#include "support/test_database.h"

namespace askdb::retrieval {
namespace {

using testing::DemoCluster;

using testing::connect;
using testing::unique_name;

const ColumnValues* find_column(const ValueSet& set, const std::string& table,
                                const std::string& column) {
  for (const auto& c : set.columns) {
    if (c.table == table && c.column == column) return &c;
  }
  return nullptr;
}

const SkippedColumn* find_skipped(const ValueSet& set, const std::string& table,
                                  const std::string& column) {
  for (const auto& s : set.skipped) {
    if (s.table == table && s.column == column) return &s;
  }
  return nullptr;
}

bool holds(const ColumnValues* c, const std::string& value) {
  return c != nullptr && std::any_of(c->values.begin(), c->values.end(),
                                     [&](const ColumnValue& v) { return v.text == value; });
}

TEST(FoldTextTest, CaseAccentsApostrophesAndPunctuation) {
  EXPECT_EQ(fold_text("São Paulo"), "sao paulo");
  EXPECT_EQ(fold_text("MÜNCHEN"), "munchen");
  EXPECT_EQ(fold_text("Łódź"), "lodz");
  EXPECT_EQ(fold_text("Straße"), "strasse");
  EXPECT_EQ(fold_text("Ærøskøbing"), "aeroskobing");
  EXPECT_EQ(fold_text("Hà Nội"), "ha noi");
  EXPECT_EQ(fold_text("ΆΘΗΝΑ"), "αθηνα");
  EXPECT_EQ(fold_text("Ёлка"), "елка");
  EXPECT_EQ(fold_text("Ｔｏｋｙｏ"), "tokyo");
  EXPECT_EQ(fold_text("東京"), "東京");
  EXPECT_EQ(fold_text("Cafe\xCC\x81"), "cafe");  // decomposed: e + combining acute
  EXPECT_EQ(fold_text("Men's Clothing"), "mens clothing");
  EXPECT_EQ(fold_text("Men\xE2\x80\x99s"), "mens");  // a typographic apostrophe
  EXPECT_EQ(fold_text("paid_search"), "paid search");
  EXPECT_EQ(fold_text("  Crème BRÛLÉE, 2×!"), "creme brulee 2");
  EXPECT_EQ(fold_text("Home & Kitchen — «new»"), "home kitchen new");
  EXPECT_EQ(fold_text("a\xFF"
                      "b"),
            "a b");  // not UTF-8
  EXPECT_EQ(fold_text(""), "");
  EXPECT_EQ(folded_words("Rio de Janeiro"), (std::vector<std::string>{"rio", "de", "janeiro"}));
}

TEST(ValueMatchScoreTest, TyposPluralsPassCommonWordsAndNumbersDoNot) {
  EXPECT_DOUBLE_EQ(value_match_score("São Paulo", "customers in SAO PAULO"), 1.0);
  EXPECT_GE(value_match_score("São Paulo", "customers in Sao Paolo"), kMinValueScore);
  EXPECT_GE(value_match_score("outlet", "sales at outlets"), kMinValueScore);
  EXPECT_GE(value_match_score("cancelled", "orders that were canceled"), kMinValueScore);
  EXPECT_GE(value_match_score("Home & Kitchen", "home and kitchen revenue"), kMinValueScore);
  // Part of a longer value is not the value.
  EXPECT_LT(value_match_score("Paris Le Marais", "customers in Paris"), kMinValueScore);
  EXPECT_LT(value_match_score("NA", "national sales"), kMinValueScore);
  // Function words and numbers never match alone, even exactly.
  EXPECT_EQ(value_match_score("in", "orders in 2024"), 0.0);
  EXPECT_EQ(value_match_score("2024", "orders in 2024"), 0.0);
  EXPECT_EQ(value_match_score("The", "the"), 0.0);
}

// An app store schema of its own over the demo database, the demo's values indexed.
class ValueIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = unique_name("value_index_test_");
    store_ = connect(DemoCluster::get().cluster().owner_conninfo());
    target_ = connect(DemoCluster::get().cluster().reader_conninfo());
    ASSERT_TRUE(store::migrate(store_, schema_).ok());
    auto catalog = load_catalog(target_, {});
    ASSERT_TRUE(catalog.ok()) << catalog.error().message;
    for (auto& t : catalog->tables) {
      if (t.schema == "public") demo_.tables.push_back(std::move(t));
    }
    auto values = read_values(target_, demo_);
    ASSERT_TRUE(values.ok()) << values.error().message;
    values_ = std::move(*values);
    auto report = write_value_index(store_, schema_, values_);
    ASSERT_TRUE(report.ok()) << report.error().message;
    report_ = std::move(*report);
  }

  void TearDown() override {
    for (const auto& s : {schema_, data_schema_}) {
      if (!s.empty()) {
        (void)store_.exec("SET client_min_messages = warning; DROP SCHEMA IF EXISTS " +
                          pg::quote_ident(s) + " CASCADE");
      }
    }
  }

  std::vector<ValueHit> search(const std::string& question, size_t limit = 10) {
    auto hits = search_values(store_, schema_, question, limit);
    EXPECT_TRUE(hits.ok()) << hits.error().message;
    return hits.ok() ? *hits : std::vector<ValueHit>{};
  }

  static bool found(const std::vector<ValueHit>& hits, const std::string& table,
                    const std::string& column, const std::string& value) {
    return std::any_of(hits.begin(), hits.end(), [&](const ValueHit& h) {
      return h.table == table && h.column == column && h.value == value;
    });
  }

  // A schema of the target for a test's own tables, readable by the read-only role; `sql` runs
  // in it (as the owner, search_path set to it).
  void make_data(const std::string& schema, const std::string& sql) {
    data_schema_ = schema;
    const std::string q = pg::quote_ident(schema);
    const auto st = store_.exec("CREATE SCHEMA " + q + "; SET search_path = " + q + "; " + sql +
                                "; GRANT USAGE ON SCHEMA " + q + " TO " + pg::kEmbeddedReader +
                                "; RESET search_path");
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  // The catalog of `schema` as `conn`'s role sees it.
  Catalog catalog_of(pg::Connection& conn, const std::string& schema) {
    Catalog c;
    auto all = load_catalog(conn, {});
    EXPECT_TRUE(all.ok()) << all.error().message;
    if (all.ok()) {
      for (auto& t : all->tables) {
        if (t.schema == schema) c.tables.push_back(std::move(t));
      }
    }
    return c;
  }

  std::string schema_;
  std::string data_schema_;
  pg::Connection store_;
  pg::Connection target_;
  Catalog demo_;
  ValueSet values_;
  ValueIndexReport report_;
};

TEST_F(ValueIndexTest, DemoValuesComeFromStatisticsAndSmallTableScans) {
  EXPECT_TRUE(report_.trigram);  // the demo database has pg_trgm
  EXPECT_TRUE(report_.warnings.empty());
  // The demo is ANALYZEd: every city is among the most common values.
  const ColumnValues* city = find_column(values_, "customers", "city");
  ASSERT_NE(city, nullptr);
  EXPECT_EQ(city->source, "statistics");
  EXPECT_TRUE(city->complete);
  EXPECT_TRUE(holds(city, "São Paulo"));
  EXPECT_EQ(city->values.size(), 33u);
  // Unique names in a small table: not in the statistics' common values, so scanned.
  const ColumnValues* product = find_column(values_, "products", "product_name");
  ASSERT_NE(product, nullptr);
  EXPECT_EQ(product->source, "scan");
  EXPECT_TRUE(product->complete);
  // One e-mail address per customer: not categorical, never scanned.
  const SkippedColumn* email = find_skipped(values_, "customers", "email");
  ASSERT_NE(email, nullptr);
  EXPECT_NE(email->reason.find("not categorical"), std::string::npos) << email->reason;
  EXPECT_EQ(find_column(values_, "shipments", "tracking_number"), nullptr);
  // Only text columns.
  EXPECT_EQ(find_column(values_, "orders", "order_date"), nullptr);
  auto count = store_.query("SELECT count(*) FROM " + pg::quote_ident(schema_) + ".value_entries");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->rows[0][0], std::to_string(report_.values));
}

TEST_F(ValueIndexTest, CaseAccentsTyposAndPluralsFindTheExactLiteral) {
  auto sao = search("How many customers live in SAO PAULO?");
  ASSERT_FALSE(sao.empty());
  EXPECT_EQ(sao[0].table, "customers");
  EXPECT_EQ(sao[0].column, "city");
  EXPECT_EQ(sao[0].value, "São Paulo");
  EXPECT_DOUBLE_EQ(sao[0].score, 1.0);
  EXPECT_TRUE(found(search("Which stores are in zurich?"), "stores", "city", "Zürich"));
  EXPECT_TRUE(found(search("customers in Lodz"), "customers", "city", "Łódź"));
  EXPECT_TRUE(found(search("customers living in Sao Paolo"), "customers", "city", "São Paulo"));
  EXPECT_TRUE(found(search("customers in Barcelna"), "customers", "city", "Barcelona"));
  EXPECT_TRUE(found(search("sales at outlets"), "stores", "store_type", "outlet"));
  EXPECT_TRUE(
      found(search("orders paid with apple pay"), "payments", "payment_method", "apple_pay"));
  EXPECT_TRUE(
      found(search("mens clothing returns"), "categories", "category_name", "Men's Clothing"));
}

TEST_F(ValueIndexTest, CommonWordsAndNumbersAloneFindNothing) {
  EXPECT_TRUE(search("the in of and").empty());
  EXPECT_TRUE(search("How many are there in 2024?").empty());
  EXPECT_TRUE(search("100 200 2023").empty());
  EXPECT_TRUE(search("").empty());
  // A value must be mostly named: "Paris" is not 'Paris Le Marais' nor a Lumière Paris product.
  for (const auto& h : search("customers in Paris")) {
    EXPECT_EQ(h.value, "Paris") << h.table << "." << h.column;
  }
  auto odd = search_values(store_, schema_, "it's \"quoted\" % _ \\ ' ; -- {a,b}", 10);
  ASSERT_TRUE(odd.ok()) << odd.error().message;
  // Values that are only function words or numbers are never hits, even named exactly.
  ValueSet common;
  common.columns.push_back({"public",
                            "shops",
                            "name",
                            "scan",
                            true,
                            {{"2024", false}, {"In", false}, {"The", false}, {"The Shop", false}}});
  ASSERT_TRUE(write_value_index(store_, schema_, common).ok());
  EXPECT_TRUE(search("the orders in 2024").empty());
  const auto shop = search("the orders of the shop in 2024");
  ASSERT_EQ(shop.size(), 1u);
  EXPECT_EQ(shop[0].value, "The Shop");
}

TEST_F(ValueIndexTest, TheOrderIsDeterministic) {
  const auto first = search("customers and stores in Sao Paulo", 10);
  ASSERT_GE(first.size(), 2u);
  // Equal scores: by table, so customers.city before stores.city.
  EXPECT_EQ(first[0].table, "customers");
  EXPECT_EQ(first[1].table, "stores");
  EXPECT_EQ(first[0].score, first[1].score);
  for (int i = 0; i < 3; ++i) {
    const auto again = search("customers and stores in Sao Paulo", 10);
    ASSERT_EQ(again.size(), first.size());
    for (size_t k = 0; k < first.size(); ++k) {
      EXPECT_EQ(again[k].table + "." + again[k].column + "=" + again[k].value,
                first[k].table + "." + first[k].column + "=" + first[k].value);
    }
  }
  // The limit cuts the same order.
  const auto two = search("customers and stores in Sao Paulo", 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].table, first[1].table);
}

TEST_F(ValueIndexTest, ASearchLeavesTheCallersTransactionAsItWas) {
  ASSERT_TRUE(store_.exec("BEGIN; SET LOCAL enable_seqscan = on; SET LOCAL jit = on").ok());
  EXPECT_TRUE(found(search("customers in Sao Paulo"), "customers", "city", "São Paulo"));
  auto settings = store_.query("SELECT current_setting('enable_seqscan'), current_setting('jit')");
  ASSERT_TRUE(settings.ok()) << settings.error().message;  // the transaction still works
  EXPECT_EQ(settings->rows[0][0], "on");
  EXPECT_EQ(settings->rows[0][1], "on");
  ASSERT_TRUE(store_.exec("COMMIT").ok());
  // Outside a transaction, none is left open.
  EXPECT_TRUE(found(search("customers in Sao Paulo"), "customers", "city", "São Paulo"));
  EXPECT_EQ(PQtransactionStatus(store_.raw()), PQTRANS_IDLE);
}

TEST_F(ValueIndexTest, NothingIndexedYetFindsNothingAndNoTablesSaysWhatToDo) {
  const std::string fresh = unique_name("value_index_fresh_");
  ASSERT_TRUE(store::migrate(store_, fresh).ok());
  auto hits = search_values(store_, fresh, "customers in Sao Paulo", 10);
  (void)store_.exec("SET client_min_messages = warning; DROP SCHEMA " + pg::quote_ident(fresh) +
                    " CASCADE");
  ASSERT_TRUE(hits.ok()) << hits.error().message;
  EXPECT_TRUE(hits->empty());
  // A store not migrated so far: the error says what to do.
  auto unmigrated = search_values(store_, fresh, "customers in Sao Paulo", 10);
  ASSERT_FALSE(unmigrated.ok());
  EXPECT_NE(unmigrated.error().message.find("run `askdb migrate`"), std::string::npos)
      << unmigrated.error().message;
  auto unwritten = write_value_index(store_, fresh, values_);
  ASSERT_FALSE(unwritten.ok());
  EXPECT_NE(unwritten.error().message.find("run `askdb migrate`"), std::string::npos)
      << unwritten.error().message;
}

TEST_F(ValueIndexTest, IndexingAgainReplacesTheOldValues) {
  ValueSet first;
  first.columns.push_back({"public", "stars", "name", "scan", true, {{"Alpha Centauri", false}}});
  ASSERT_TRUE(write_value_index(store_, schema_, first).ok());
  EXPECT_TRUE(found(search("distance to alpha centauri"), "stars", "name", "Alpha Centauri"));
  EXPECT_TRUE(search("customers in Sao Paulo").empty());  // the demo's values are gone

  ValueSet second;
  second.columns.push_back({"public", "stars", "name", "scan", true, {{"Betelgeuse", false}}});
  auto report = write_value_index(store_, schema_, second);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->values, 1u);
  EXPECT_TRUE(search("distance to alpha centauri").empty());
  EXPECT_TRUE(found(search("how bright is betelgeuse"), "stars", "name", "Betelgeuse"));
  auto count = store_.query("SELECT count(*) FROM " + pg::quote_ident(schema_) + ".value_entries");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->rows[0][0], "1");
}

TEST_F(ValueIndexTest, IdentifiersThatNeedQuotingAreReadAndRendered) {
  const std::string schema = unique_name("Odd Schema ");
  const std::string long_name = "Col" + std::string(60, 'x');  // 63 bytes, the most there is
  make_data(schema,
            "CREATE TABLE \"Order Items\" (\"Ville\" text, \"select\" text, \"città\" text, "
            "\"" +
                long_name +
                "\" text, n integer) WITH (autovacuum_enabled = false); "
                "INSERT INTO \"Order Items\" VALUES ('Lyon', 'Grand Select', 'Torino', "
                "'Long Name Value', 1); GRANT SELECT ON \"Order Items\" TO " +
                std::string(pg::kEmbeddedReader));
  const Catalog catalog = catalog_of(target_, schema);
  ASSERT_EQ(catalog.tables.size(), 1u);
  auto values = read_values(target_, catalog);
  ASSERT_TRUE(values.ok()) << values.error().message;
  EXPECT_TRUE(values->skipped.empty()) << values->skipped[0].reason;
  EXPECT_TRUE(holds(find_column(*values, "Order Items", "Ville"), "Lyon"));
  EXPECT_TRUE(holds(find_column(*values, "Order Items", "select"), "Grand Select"));
  EXPECT_TRUE(holds(find_column(*values, "Order Items", "città"), "Torino"));
  EXPECT_TRUE(holds(find_column(*values, "Order Items", long_name), "Long Name Value"));
  EXPECT_EQ(find_column(*values, "Order Items", "n"), nullptr);
  EXPECT_EQ(find_column(*values, "Order Items", "Ville")->source, "scan");  // never analyzed

  ASSERT_TRUE(write_value_index(store_, schema_, *values).ok());
  auto hits = search("orders shipped to lyon or torino");
  ASSERT_EQ(hits.size(), 2u);
  // Both exact; Torino first, matched on more trigrams.
  EXPECT_EQ(render_value_hits(hits),
            pg::quote_ident(schema) + ".\"Order Items\".\"città\": 'Torino'\n" +
                pg::quote_ident(schema) + ".\"Order Items\".\"Ville\": 'Lyon'\n");
  auto select = search("grand select");
  ASSERT_EQ(select.size(), 1u);
  EXPECT_EQ(render_value_hits(select),
            pg::quote_ident(schema) + ".\"Order Items\".\"select\": 'Grand Select'\n");
}

TEST_F(ValueIndexTest, EnumsDomainsAndPaddedCharactersAreRead) {
  const std::string schema = unique_name("value_types_");
  make_data(schema,
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); "
            "CREATE DOMAIN short_text AS varchar(20); CREATE DOMAIN shorter_text AS short_text; "
            "CREATE TABLE t (m mood, d shorter_text, c char(8), v varchar(10), n numeric) "
            "WITH (autovacuum_enabled = false); "
            "INSERT INTO t VALUES ('ok', 'Domain Value', 'abc', 'O''Brien', 1), "
            "(NULL, NULL, 'abc', NULL, 2); ANALYZE t; GRANT SELECT ON t TO " +
                std::string(pg::kEmbeddedReader));
  auto values = read_values(target_, catalog_of(target_, schema));
  ASSERT_TRUE(values.ok()) << values.error().message;
  const ColumnValues* mood = find_column(*values, "t", "m");
  ASSERT_NE(mood, nullptr);
  EXPECT_EQ(mood->source, "enum");  // every label, used or not
  EXPECT_EQ(mood->values.size(), 3u);
  EXPECT_TRUE(holds(mood, "happy"));
  EXPECT_TRUE(holds(find_column(*values, "t", "d"), "Domain Value"));
  // From the statistics (every row holds it), which keep char(n)'s padding: taken off.
  const ColumnValues* padded = find_column(*values, "t", "c");
  ASSERT_NE(padded, nullptr);
  EXPECT_EQ(padded->source, "statistics");
  ASSERT_EQ(padded->values.size(), 1u);
  EXPECT_EQ(padded->values[0].text, "abc");
  EXPECT_TRUE(holds(find_column(*values, "t", "v"), "O'Brien"));
  EXPECT_EQ(find_column(*values, "t", "n"), nullptr);
  ASSERT_TRUE(write_value_index(store_, schema_, *values).ok());
  EXPECT_EQ(render_value_hits(search("is obrien happy?")),
            schema + ".t.v: 'O''Brien'\n" + schema + ".t.m: 'happy'\n");
}

TEST_F(ValueIndexTest, HugeTextIsCutAtACharacterBoundary) {
  const std::string schema = unique_name("value_huge_");
  make_data(schema,
            "CREATE TABLE notes (body text) WITH (autovacuum_enabled = false); "
            "INSERT INTO notes VALUES (repeat('é', 100000)), (repeat('a', 100)), "
            "(repeat('b', 101)), ('50% off_sale ' || repeat('z', 200)); GRANT SELECT ON notes TO " +
                std::string(pg::kEmbeddedReader));
  auto values = read_values(target_, catalog_of(target_, schema));
  ASSERT_TRUE(values.ok()) << values.error().message;
  const ColumnValues* body = find_column(*values, "notes", "body");
  ASSERT_NE(body, nullptr);
  ASSERT_EQ(body->values.size(), 4u);
  for (const auto& v : body->values) {
    EXPECT_LE(v.text.size(), 100u);
    EXPECT_TRUE(is_valid_utf8(v.text));
  }
  // Sorted by byte: 50% ..., aaa..., bbb..., ééé...
  EXPECT_EQ(body->values[1].text, std::string(100, 'a'));
  EXPECT_FALSE(body->values[1].truncated);
  EXPECT_EQ(body->values[2].text, std::string(100, 'b'));
  EXPECT_TRUE(body->values[2].truncated);
  EXPECT_EQ(body->values[3].text.size(), 100u);  // 50 two-byte characters
  EXPECT_TRUE(body->values[3].truncated);
  ASSERT_TRUE(write_value_index(store_, schema_, *values).ok());
  auto hits = search("notes about 50% off sale");
  ASSERT_FALSE(hits.empty());
  EXPECT_TRUE(hits[0].truncated);
  EXPECT_EQ(render_value_hits({hits[0]}),
            schema + ".notes.body: LIKE '50\\% off\\_sale " + std::string(87, 'z') + "%'\n");
}

TEST_F(ValueIndexTest, ColumnsWithTooManyValuesAreNotCategorical) {
  const std::string schema = unique_name("value_many_");
  make_data(schema,
            "CREATE TABLE counted (name text) WITH (autovacuum_enabled = false); "
            "INSERT INTO counted SELECT 'name ' || i FROM generate_series(1, 300) i; "
            "ANALYZE counted; "
            "CREATE TABLE uncounted (name text) WITH (autovacuum_enabled = false); "
            "INSERT INTO uncounted SELECT 'name ' || i FROM generate_series(1, 300) i; "
            "CREATE TABLE few (name text) WITH (autovacuum_enabled = false); "
            "INSERT INTO few SELECT 'name ' || (i % 3) FROM generate_series(1, 300) i; "
            "GRANT SELECT ON counted, uncounted, few TO " +
                std::string(pg::kEmbeddedReader));
  ValueReadOptions options;
  options.max_values_per_column = 100;
  auto values = read_values(target_, catalog_of(target_, schema), options);
  ASSERT_TRUE(values.ok()) << values.error().message;
  const SkippedColumn* counted = find_skipped(*values, "counted", "name");
  ASSERT_NE(counted, nullptr);
  EXPECT_EQ(counted->reason, "about 300 distinct values: not categorical (more than 100)");
  const SkippedColumn* uncounted = find_skipped(*values, "uncounted", "name");
  ASSERT_NE(uncounted, nullptr);
  EXPECT_EQ(uncounted->reason, "more than 100 distinct values: not categorical");
  EXPECT_EQ(find_column(*values, "few", "name")->values.size(), 3u);
}

TEST_F(ValueIndexTest, BigTablesAreReadFromStatisticsOrNotAtAll) {
  const std::string schema = unique_name("value_big_");
  make_data(schema,
            "CREATE TABLE analyzed (kind text) WITH (autovacuum_enabled = false); "
            "INSERT INTO analyzed SELECT (ARRAY['red', 'green', 'blue'])[1 + i % 3] "
            "FROM generate_series(1, 200) i; ANALYZE analyzed; "
            "CREATE TABLE vacuumed (kind text) WITH (autovacuum_enabled = false); "
            "INSERT INTO vacuumed SELECT 'kind ' || (i % 5) FROM generate_series(1, 200) i; "
            "CREATE TABLE uncounted (kind text) WITH (autovacuum_enabled = false); "
            "INSERT INTO uncounted SELECT 'kind ' || (i / 20) FROM generate_series(1, 200) i; "
            "GRANT SELECT ON analyzed, vacuumed, uncounted TO " +
                std::string(pg::kEmbeddedReader));
  // VACUUM counts the rows without gathering statistics; not in a transaction block.
  ASSERT_TRUE(store_.exec("VACUUM " + pg::quote_ident(schema) + ".vacuumed").ok());
  ValueReadOptions options;
  options.scan_rows = 50;  // all three are "big"
  auto values = read_values(target_, catalog_of(target_, schema), options);
  ASSERT_TRUE(values.ok()) << values.error().message;
  const ColumnValues* analyzed = find_column(*values, "analyzed", "kind");
  ASSERT_NE(analyzed, nullptr);
  EXPECT_EQ(analyzed->source, "statistics");
  EXPECT_EQ(analyzed->values.size(), 3u);
  const SkippedColumn* vacuumed = find_skipped(*values, "vacuumed", "kind");
  ASSERT_NE(vacuumed, nullptr);
  EXPECT_NE(vacuumed->reason.find("no statistics, and about 200 rows: not scanned (ANALYZE"),
            std::string::npos)
      << vacuumed->reason;
  // Never counted: its size is unknown, so only its first 50 rows are read.
  const ColumnValues* uncounted = find_column(*values, "uncounted", "kind");
  ASSERT_NE(uncounted, nullptr);
  EXPECT_EQ(uncounted->source, "scan");
  EXPECT_FALSE(uncounted->complete);
  EXPECT_EQ(uncounted->values.size(), 3u);  // kind 0 .. kind 2 in the first 50 rows
}

TEST_F(ValueIndexTest, AnUnreadableTableIsSkippedWithTheReason) {
  const std::string schema = unique_name("value_secret_");
  make_data(schema,
            "CREATE TABLE secret (code text); INSERT INTO secret VALUES ('classified'); "
            "CREATE TABLE open (code text); INSERT INTO open VALUES ('public info'); "
            "GRANT SELECT ON open TO " +
                std::string(pg::kEmbeddedReader));
  // The owner's catalog lists both; the read-only role may read one.
  auto values = read_values(target_, catalog_of(store_, schema));
  ASSERT_TRUE(values.ok()) << values.error().message;
  EXPECT_TRUE(holds(find_column(*values, "open", "code"), "public info"));
  EXPECT_EQ(find_column(*values, "secret", "code"), nullptr);
  const SkippedColumn* secret = find_skipped(*values, "secret", "");
  ASSERT_NE(secret, nullptr);
  EXPECT_NE(secret->reason.find("may not read it"), std::string::npos) << secret->reason;
  EXPECT_NE(secret->reason.find("GRANT SELECT ON " + schema + ".secret TO " + pg::kEmbeddedReader),
            std::string::npos)
      << secret->reason;
}

TEST_F(ValueIndexTest, ATableDroppedSinceTheCatalogWasReadIsReported) {
  const std::string schema = unique_name("value_dropped_");
  make_data(schema,
            "CREATE TABLE gone (code text); CREATE TABLE kept (code text); "
            "INSERT INTO kept VALUES ('still here'); GRANT SELECT ON gone, kept TO " +
                std::string(pg::kEmbeddedReader));
  const Catalog catalog = catalog_of(target_, schema);
  ASSERT_EQ(catalog.tables.size(), 2u);
  ASSERT_TRUE(store_.exec("DROP TABLE " + pg::quote_ident(schema) + ".gone").ok());
  auto values = read_values(target_, catalog);
  ASSERT_TRUE(values.ok()) << values.error().message;
  const SkippedColumn* gone = find_skipped(*values, "gone", "");
  ASSERT_NE(gone, nullptr);
  EXPECT_NE(gone->reason.find("dropped or renamed since the catalog was read"), std::string::npos)
      << gone->reason;
  EXPECT_TRUE(holds(find_column(*values, "kept", "code"), "still here"));
}

TEST_F(ValueIndexTest, AScanThatTimesOutIsSkippedAndTheRestIsRead) {
  const std::string schema = unique_name("value_locked_");
  make_data(schema,
            "CREATE TABLE locked (code text); INSERT INTO locked VALUES ('waiting'); "
            "CREATE TABLE free (code text); INSERT INTO free VALUES ('free value'); "
            "GRANT SELECT ON locked, free TO " +
                std::string(pg::kEmbeddedReader));
  pg::Connection locker = connect(DemoCluster::get().cluster().owner_conninfo());
  ASSERT_TRUE(
      locker
          .exec("BEGIN; LOCK TABLE " + pg::quote_ident(schema) + ".locked IN ACCESS EXCLUSIVE MODE")
          .ok());
  ValueReadOptions options;
  options.scan_timeout_ms = 200;
  auto values = read_values(target_, catalog_of(store_, schema), options);
  (void)locker.exec("ROLLBACK");
  ASSERT_TRUE(values.ok()) << values.error().message;
  const SkippedColumn* locked = find_skipped(*values, "locked", "code");
  ASSERT_NE(locked, nullptr);
  EXPECT_NE(locked->reason.find("took longer than 200 ms"), std::string::npos) << locked->reason;
  EXPECT_TRUE(holds(find_column(*values, "free", "code"), "free value"));
}

TEST_F(ValueIndexTest, PrivateColumnsAreNeverRead) {
  ValueReadOptions options;
  options.is_private = [](const std::string& schema, const std::string& table,
                          const std::string& column) {
    return schema == "public" && table == "customers" &&
           (column == "city" || column == "last_name");
  };
  auto values = read_values(target_, demo_, options);
  ASSERT_TRUE(values.ok()) << values.error().message;
  EXPECT_EQ(find_column(*values, "customers", "city"), nullptr);
  EXPECT_EQ(find_column(*values, "customers", "last_name"), nullptr);
  ASSERT_NE(find_skipped(*values, "customers", "city"), nullptr);
  EXPECT_EQ(find_skipped(*values, "customers", "city")->reason, "private: never read");
  EXPECT_TRUE(holds(find_column(*values, "stores", "city"), "São Paulo"));
  ASSERT_TRUE(write_value_index(store_, schema_, *values).ok());
  for (const auto& h : search("customers in Sao Paulo named Nunez")) {
    EXPECT_FALSE(h.table == "customers" && (h.column == "city" || h.column == "last_name"));
  }
}

// A store in a database without pg_trgm, whose role may not create it: the migrations run,
// indexing warns and says what to do, and whole words still match. Then pg_trgm arrives in a
// schema off the search_path, and typos match too.
TEST(ValueIndexWithoutTrigramTest, WholeWordsMatchUntilPgTrgmIsThere) {
  const testing::StoreDatabase database;
  {
    pg::Connection admin = connect(database.admin_conninfo());
    pg::Connection store = connect(database.owner_conninfo());
    const Status migrated = store::migrate(store, "store");
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;

    ValueSet values;
    values.columns.push_back({"public",
                              "customers",
                              "city",
                              "statistics",
                              true,
                              {{"Barcelona", false}, {"São Paulo", false}}});
    auto report = write_value_index(store, "store", values);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_FALSE(report->trigram);
    ASSERT_EQ(report->warnings.size(), 1u);
    EXPECT_NE(report->warnings[0].find("CREATE EXTENSION pg_trgm; in " + database.name()),
              std::string::npos)
        << report->warnings[0];
    auto words = search_values(store, "store", "customers in sao paulo", 10);
    ASSERT_TRUE(words.ok()) << words.error().message;
    ASSERT_EQ(words->size(), 1u);
    EXPECT_EQ((*words)[0].value, "São Paulo");
    auto typo = search_values(store, "store", "customers in Barcelna", 10);
    ASSERT_TRUE(typo.ok()) << typo.error().message;
    EXPECT_TRUE(typo->empty());

    ASSERT_TRUE(admin
                    .exec(std::string("CREATE SCHEMA trgm; CREATE EXTENSION pg_trgm SCHEMA trgm; "
                                      "GRANT USAGE ON SCHEMA trgm TO ") +
                          pg::kEmbeddedOwner)
                    .ok());
    report = write_value_index(store, "store", values);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_TRUE(report->trigram);
    EXPECT_TRUE(report->warnings.empty());
    typo = search_values(store, "store", "customers in Barcelna", 10);
    ASSERT_TRUE(typo.ok()) << typo.error().message;
    ASSERT_EQ(typo->size(), 1u);
    EXPECT_EQ((*typo)[0].value, "Barcelona");
  }
}

}  // namespace
}  // namespace askdb::retrieval
