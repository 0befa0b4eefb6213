// Bad input for the catalog and the schema index (issue 5): names that must be quoted, tables
// with no comments or no columns, huge comments, relations the read-only role may not read, and
// a catalog that changes while it is read or indexed. Runs in the shared demo cluster, in
// schemas of its own.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pg/embedded_cluster.h"
#include "retrieval/catalog.h"
#include "retrieval/context_builder.h"
#include "retrieval/schema_index.h"
#include "store/migrations.h"
#include "support/demo_cluster.h"
#include "support/test_database.h"

namespace askdb::retrieval {
namespace {

using testing::DemoCluster;

using testing::connect;

pg::Connection owner() { return connect(DemoCluster::get().cluster().owner_conninfo()); }
pg::Connection reader() { return connect(DemoCluster::get().cluster().reader_conninfo()); }

// A name no other test uses: `base` and this process's id and a counter.
std::string unique(const std::string& base) {
  static std::atomic<int> n{0};
  return base + " " + std::to_string(getpid()) + "." + std::to_string(++n);
}

// The tables of `catalog` in `schemas` only: the demo database holds other tests' schemas too.
Catalog only(Catalog catalog, const std::set<std::string>& schemas) {
  Catalog out;
  for (auto& t : catalog.tables) {
    if (schemas.count(t.schema) > 0) out.tables.push_back(std::move(t));
  }
  for (auto& s : catalog.skipped) {
    if (schemas.count(s.schema) > 0) out.skipped.push_back(std::move(s));
  }
  return out;
}

const CatalogTable* find(const Catalog& catalog, const std::string& name) {
  for (const auto& t : catalog.tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::vector<std::string> column_names(const CatalogTable& t) {
  std::vector<std::string> out;
  for (const auto& c : t.columns) out.push_back(c.name);
  return out;
}

// A schema of the test's own in the demo database, dropped at the end; the schema index goes
// into another (an app store schema).
class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    owner_ = owner();
    ASSERT_TRUE(owner_.exec("SET client_min_messages = warning").ok());
    schema_ = unique("Bad Input");
    store_schema_ = unique("bad_input_store");
    ASSERT_TRUE(owner_.exec("CREATE SCHEMA " + pg::quote_ident(schema_)).ok());
    ASSERT_TRUE(store::migrate(owner_, store_schema_).ok());
  }

  void TearDown() override {
    for (const auto& s : {schema_, store_schema_}) {
      (void)owner_.exec("DROP SCHEMA IF EXISTS " + pg::quote_ident(s) + " CASCADE");
    }
  }

  std::string q(const std::string& table) const {
    return pg::quote_ident(schema_) + "." + pg::quote_ident(table);
  }

  Catalog load(pg::Connection& conn) {
    auto catalog = load_catalog(conn, {store_schema_});
    EXPECT_TRUE(catalog.ok()) << catalog.error().message;
    return catalog.ok() ? only(std::move(*catalog), {schema_}) : Catalog{};
  }

  std::vector<std::string> top(const std::string& question, size_t n) {
    auto hits = search_schema(owner_, store_schema_, question, n);
    EXPECT_TRUE(hits.ok()) << hits.error().message;
    std::vector<std::string> names;
    if (hits.ok()) {
      for (const auto& h : *hits) names.push_back(h.name);
    }
    return names;
  }

  std::string documents() {
    auto rows = owner_.query("SELECT count(*) FROM " + pg::quote_ident(store_schema_) +
                             ".schema_documents");
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->rows[0][0].value_or("") : "";
  }

  pg::Connection owner_;
  std::string schema_;
  std::string store_schema_;
};

// 63 bytes, the longest name PostgreSQL keeps: ASCII, and two-byte UTF-8 characters.
const std::string kLongAscii = "warehouse_inventory_adjustment_reasons_by_fiscal_period_and_sku";
const std::string kLongUnicode = std::string("x") + [] {
  std::string s;
  for (int i = 0; i < 31; ++i) s += "\xc3\xa9";  // é
  return s;
}();

class QuotedNamesTest : public BadInputTest {
 protected:
  void SetUp() override {
    BadInputTest::SetUp();
    ASSERT_EQ(kLongAscii.size(), 63u);
    ASSERT_EQ(kLongUnicode.size(), 63u);
    const std::string ddl =
        "CREATE TABLE " + q("user") +
        " (\"group\" integer PRIMARY KEY, \"Full Name\" text NOT NULL, \"between\" integer);\n"
        "COMMENT ON TABLE " +
        q("user") + " IS 'People who log in.\n-- not SQL\nDROP TABLE x;';\n" +
        "COMMENT ON COLUMN " + q("user") + ".\"Full Name\" IS 'First and last\r\nname */';\n" +
        "CREATE TABLE " + q("Order Details") +
        " (\"Order\" integer, \"Unit Price\" numeric(12,2), \"select\" text, "
        "\"Straße\" text, \"客户名\" text, \"weird\"\"col,{x}\\y\" integer NOT NULL, "
        "\"time\" timestamp(3) with time zone, \"values\" text[], "
        "PRIMARY KEY (\"Order\", \"weird\"\"col,{x}\\y\"), "
        "FOREIGN KEY (\"Order\") REFERENCES " +
        q("user") + " (\"group\"));\n" + "CREATE TABLE " + q(kLongAscii) + " (" +
        pg::quote_ident(kLongUnicode) + " integer PRIMARY KEY, \"1st quarter\" numeric);\n" +
        "CREATE TABLE " + q(kLongUnicode) + " (id integer);\n" + "CREATE TABLE " +
        q("KundenAdressen") + " (\"kundenId\" bigint, \"PLZ\" varchar(10));\n" + "CREATE TABLE " +
        q("empty") + " ();\n";
    ASSERT_TRUE(owner_.exec(ddl).ok()) << owner_.exec(ddl).error().message;
    catalog_ = load(owner_);
  }

  Catalog catalog_;
};

TEST_F(QuotedNamesTest, TheCatalogKeepsNamesAsTheyAre) {
  ASSERT_EQ(catalog_.tables.size(), 6u);
  const CatalogTable* details = find(catalog_, "Order Details");
  ASSERT_NE(details, nullptr);
  EXPECT_EQ(column_names(*details),
            (std::vector<std::string>{"Order", "Unit Price", "select", "Straße", "客户名",
                                      "weird\"col,{x}\\y", "time", "values"}));
  EXPECT_EQ(details->primary_key, (std::vector<std::string>{"Order", "weird\"col,{x}\\y"}));
  ASSERT_EQ(details->foreign_keys.size(), 1u);
  EXPECT_EQ(details->foreign_keys[0].columns, std::vector<std::string>{"Order"});
  EXPECT_EQ(details->foreign_keys[0].ref_schema, schema_);
  EXPECT_EQ(details->foreign_keys[0].ref_table, "user");
  EXPECT_EQ(details->foreign_keys[0].ref_columns, std::vector<std::string>{"group"});
  EXPECT_EQ(details->columns[6].type, "timestamp(3) with time zone");
  const CatalogTable* longest = find(catalog_, kLongAscii);
  ASSERT_NE(longest, nullptr);
  EXPECT_EQ(longest->primary_key, std::vector<std::string>{kLongUnicode});
  ASSERT_NE(find(catalog_, kLongUnicode), nullptr);
  const CatalogTable* empty = find(catalog_, "empty");
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(empty->columns.empty());
  EXPECT_EQ(empty->comment, "");
  EXPECT_EQ(empty->qualified_name(),
            pg::quote_ident(schema_) + ".empty");  // the schema's name needs quotes, not this
}

// What the LLM is shown is SQL PostgreSQL accepts, and means the same tables: the rendered
// statements, moved to a scratch schema, make tables whose catalog is the original's.
TEST_F(QuotedNamesTest, TheRenderedTablesAreValidSql) {
  const std::string scratch = unique("Scratch Schema");
  ASSERT_TRUE(owner_.exec("BEGIN; CREATE SCHEMA " + pg::quote_ident(scratch)).ok());
  std::vector<std::string> pending;
  std::map<std::string, std::string> rendered;
  for (CatalogTable t : catalog_.tables) {
    t.schema = scratch;
    for (auto& fk : t.foreign_keys) fk.ref_schema = scratch;
    rendered[t.name] = render_table(t);
    pending.push_back(t.name);
  }
  // The referenced tables first.
  std::stable_partition(pending.begin(), pending.end(), [&](const std::string& name) {
    return find(catalog_, name)->foreign_keys.empty();
  });
  for (const auto& name : pending) {
    const Status st = owner_.exec(rendered[name]);
    EXPECT_TRUE(st.ok()) << rendered[name] << "\n" << (st.ok() ? "" : st.error().message);
  }
  auto made = load_catalog(owner_, {store_schema_});  // inside the transaction: sees scratch
  ASSERT_TRUE(made.ok()) << made.error().message;
  const Catalog copy = only(std::move(*made), {scratch});
  (void)owner_.exec("ROLLBACK");
  ASSERT_EQ(copy.tables.size(), catalog_.tables.size());
  for (const auto& t : catalog_.tables) {
    const CatalogTable* c = find(copy, t.name);
    ASSERT_NE(c, nullptr) << t.name;
    ASSERT_EQ(column_names(*c), column_names(t)) << t.name;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      EXPECT_EQ(c->columns[i].type, t.columns[i].type) << t.name << "." << t.columns[i].name;
      EXPECT_EQ(c->columns[i].not_null, t.columns[i].not_null) << t.columns[i].name;
    }
    EXPECT_EQ(c->primary_key, t.primary_key) << t.name;
    ASSERT_EQ(c->foreign_keys.size(), t.foreign_keys.size()) << t.name;
    for (size_t i = 0; i < t.foreign_keys.size(); ++i) {
      EXPECT_EQ(c->foreign_keys[i].columns, t.foreign_keys[i].columns);
      EXPECT_EQ(c->foreign_keys[i].ref_table, t.foreign_keys[i].ref_table);
      EXPECT_EQ(c->foreign_keys[i].ref_columns, t.foreign_keys[i].ref_columns);
    }
  }
}

// Every key word of the server, as a table's name and as a column's, in rendered DDL.
TEST_F(QuotedNamesTest, EveryKeyWordCanNameATableOrColumn) {
  auto words = owner_.query("SELECT word FROM pg_get_keywords() ORDER BY word");
  ASSERT_TRUE(words.ok());
  ASSERT_GT(words->rows.size(), 400u);
  CatalogTable all;
  all.schema = schema_;
  all.name = "all_key_words";
  all.kind = "table";
  for (const auto& row : words->rows) all.columns.push_back({*row[0], "integer", "", false});
  ASSERT_TRUE(owner_.exec("BEGIN").ok());
  const Status columns = owner_.exec(render_table(all));
  EXPECT_TRUE(columns.ok()) << (columns.ok() ? "" : columns.error().message);
  (void)owner_.exec("ROLLBACK");
  const std::string scratch = unique("key words");
  std::string tables = "CREATE SCHEMA " + pg::quote_ident(scratch) + ";\n";
  for (const auto& row : words->rows) {
    CatalogTable t;
    t.schema = scratch;
    t.name = *row[0];
    t.kind = "table";
    t.columns.push_back({*row[0], "integer", "", false});
    t.primary_key = {*row[0]};
    tables += render_table(t);
  }
  ASSERT_TRUE(owner_.exec("BEGIN").ok());
  const Status named = owner_.exec(tables);
  EXPECT_TRUE(named.ok()) << (named.ok() ? "" : named.error().message);
  (void)owner_.exec("ROLLBACK");
}

TEST_F(QuotedNamesTest, AQuestionNamingThemFindsThem) {
  ASSERT_TRUE(write_schema_index(owner_, store_schema_, catalog_).ok());
  EXPECT_EQ(top("unit price of the order details", 1), std::vector<std::string>{"Order Details"});
  EXPECT_EQ(top("How many users are in each group?", 1), std::vector<std::string>{"user"});
  EXPECT_EQ(top("Straße", 1), std::vector<std::string>{"Order Details"});
  EXPECT_EQ(top("客户名", 1), std::vector<std::string>{"Order Details"});
  EXPECT_EQ(top("inventory adjustment reasons by fiscal period", 1),
            std::vector<std::string>{kLongAscii});
  EXPECT_EQ(top("Kunden Adressen mit PLZ", 1), std::vector<std::string>{"KundenAdressen"});
  EXPECT_EQ(top("empty", 1), std::vector<std::string>{"empty"});
  auto hits = search_schema(owner_, store_schema_, "unit price", 1);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ(hits->front().schema, schema_);
  EXPECT_EQ(hits->front().columns, std::vector<std::string>{"Unit Price"});
}

// The schemas left out may have any name: quotes and backslashes too.
TEST_F(BadInputTest, ExcludedSchemasMayHaveAnyName) {
  const std::string odd = unique("odd \"quoted\" \\ {schema}, too");
  ASSERT_TRUE(owner_
                  .exec("CREATE SCHEMA " + pg::quote_ident(odd) + "; CREATE TABLE " +
                        pg::quote_ident(odd) + ".t (a integer); CREATE TABLE " + q("kept") +
                        " (a integer)")
                  .ok());
  auto catalog = load_catalog(owner_, {odd, store_schema_});
  (void)owner_.exec("DROP SCHEMA " + pg::quote_ident(odd) + " CASCADE");
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  EXPECT_EQ(only(*catalog, {odd}).tables.size(), 0u);
  EXPECT_EQ(only(*catalog, {schema_}).tables.size(), 1u);
}

// A comment too long for a tsvector (over 1 MB of distinct words) is cut, not a failed index.
TEST_F(BadInputTest, AHugeCommentIsCutNotFatal) {
  std::string comment = "Ledger entries.";
  for (int i = 0; comment.size() < (3u << 20); ++i) comment += " w" + std::to_string(i) + "x";
  ASSERT_TRUE(owner_
                  .exec("CREATE TABLE " + q("ledger") + " (amount numeric); COMMENT ON TABLE " +
                        q("ledger") + " IS " + pg::quote_literal(comment) + "; COMMENT ON COLUMN " +
                        q("ledger") + ".amount IS " + pg::quote_literal(comment))
                  .ok());
  const Catalog catalog = load(owner_);
  ASSERT_EQ(catalog.tables.size(), 1u);
  EXPECT_EQ(catalog.tables[0].comment.size(), comment.size());
  const Status written = write_schema_index(owner_, store_schema_, catalog);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(top("ledger entries", 1), std::vector<std::string>{"ledger"});
}

// Relations the role may not read are left out of the catalog and listed with the reason;
// columns it may not read are left out of their table and listed.
TEST_F(BadInputTest, WhatTheRoleMayNotReadIsListedWithTheReason) {
  const std::string hidden = unique("hidden");
  const std::string r = pg::kEmbeddedReader;
  const std::string ddl = "GRANT USAGE ON SCHEMA " + pg::quote_ident(schema_) + " TO " + r + ";\n" +
                          "CREATE TABLE " + q("open") + " (a integer);\n" + "GRANT SELECT ON " +
                          q("open") + " TO " + r + ";\n" + "CREATE TABLE " + q("secret") +
                          " (a integer);\n" + "CREATE VIEW " + q("secret view") +
                          " AS SELECT 1 AS one;\n" + "CREATE TABLE " + q("partial") +
                          " (id integer PRIMARY KEY, name text, \"Salary\" numeric, ssn text);\n" +
                          "GRANT SELECT (id, name) ON " + q("partial") + " TO " + r + ";\n" +
                          "CREATE SCHEMA " + pg::quote_ident(hidden) + ";\n" + "CREATE TABLE " +
                          pg::quote_ident(hidden) + ".payroll (a integer);\n" + "GRANT SELECT ON " +
                          pg::quote_ident(hidden) + ".payroll TO " + r + ";\n";
  ASSERT_TRUE(owner_.exec(ddl).ok());
  pg::Connection as_reader = reader();
  auto loaded = load_catalog(as_reader, {store_schema_});
  (void)owner_.exec("DROP SCHEMA " + pg::quote_ident(hidden) + " CASCADE");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const Catalog catalog = only(std::move(*loaded), {schema_, hidden});

  std::vector<std::string> tables;
  for (const auto& t : catalog.tables) tables.push_back(t.name);
  EXPECT_EQ(tables, (std::vector<std::string>{"open", "partial"}));
  const CatalogTable* partial = find(catalog, "partial");
  ASSERT_NE(partial, nullptr);
  EXPECT_EQ(column_names(*partial), (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(partial->primary_key, std::vector<std::string>{"id"});

  std::vector<std::string> skipped;
  for (const auto& s : catalog.skipped) skipped.push_back(s.describe());
  const std::string s = pg::quote_ident(schema_) + ".";
  const std::string h = pg::quote_ident(hidden) + ".";
  std::vector<std::string> expected = {
      s + "partial (table), columns \"Salary\", ssn: no SELECT privilege on these columns for "
          "role askdb_reader",
      s + "secret (table): no SELECT privilege for role askdb_reader",
      s + "\"secret view\" (view): no SELECT privilege for role askdb_reader",
      h + "payroll (table): no USAGE privilege on schema " + pg::quote_ident(hidden) +
          " for role askdb_reader"};
  // Ordered by schema, then name: "Bad Input ..." sorts before "hidden ...".
  EXPECT_EQ(skipped, expected);
  ASSERT_EQ(catalog.skipped.size(), 4u);
  EXPECT_EQ(catalog.skipped[0].columns, (std::vector<std::string>{"Salary", "ssn"}));
  EXPECT_TRUE(catalog.skipped[1].columns.empty());
  EXPECT_EQ(catalog.skipped[2].kind, "view");

  // What was skipped is no part of the fingerprint: granting nothing new changes nothing, but
  // a grant that makes a table readable does.
  const std::string before = catalog_fingerprint(catalog);
  Catalog fewer = catalog;
  fewer.skipped.clear();
  EXPECT_EQ(catalog_fingerprint(fewer), before);
  ASSERT_TRUE(owner_.exec("GRANT SELECT ON " + q("secret") + " TO " + r).ok());
  auto granted = load_catalog(as_reader, {store_schema_});
  ASSERT_TRUE(granted.ok());
  EXPECT_NE(catalog_fingerprint(only(std::move(*granted), {schema_})), before);
}

// A table dropped between reading the catalog and writing the index: the index of what was
// read is written; the next refresh notices the change and rewrites it; the one after that
// finds nothing to do.
TEST_F(BadInputTest, ATableDroppedAfterTheCatalogWasReadIsGoneAtTheNextRefresh) {
  ASSERT_TRUE(owner_
                  .exec("CREATE TABLE " + q("invoices") + " (total numeric); CREATE TABLE " +
                        q("refunds") + " (amount numeric)")
                  .ok());
  const Catalog before = load(owner_);
  ASSERT_TRUE(owner_.exec("DROP TABLE " + q("refunds")).ok());
  auto wrote = refresh_schema_index(owner_, store_schema_, before);
  ASSERT_TRUE(wrote.ok()) << wrote.error().message;
  EXPECT_TRUE(*wrote);
  EXPECT_EQ(documents(), "4");
  const Catalog after = load(owner_);
  wrote = refresh_schema_index(owner_, store_schema_, after);
  ASSERT_TRUE(wrote.ok());
  EXPECT_TRUE(*wrote);
  EXPECT_EQ(documents(), "2");
  EXPECT_TRUE(top("refunds", 5).empty());
  wrote = refresh_schema_index(owner_, store_schema_, load(owner_));
  ASSERT_TRUE(wrote.ok());
  EXPECT_FALSE(*wrote);
}

// A catalog of `n` tables named `prefix`0.. of three columns each.
Catalog synthetic(const std::string& schema, const std::string& prefix, int n) {
  Catalog c;
  for (int i = 0; i < n; ++i) {
    CatalogTable t;
    t.schema = schema;
    t.name = prefix + std::to_string(i);
    t.columns = {{"id", "integer", "", true},
                 {"amount", "numeric", "", false},
                 {"note", "text", "a note", false}};
    t.primary_key = {"id"};
    c.tables.push_back(std::move(t));
  }
  return c;
}

// Indexers writing at once (replicas starting together): each waits its turn, none fails, and
// the index is one whole catalog, never a mix.
TEST_F(BadInputTest, IndexersAtOnceTakeTurns) {
  const std::vector<Catalog> catalogs = {synthetic(schema_, "alpha_", 300),
                                         synthetic(schema_, "beta_", 200)};
  constexpr int kWriters = 6;
  std::vector<pg::Connection> conns;
  for (int i = 0; i < kWriters; ++i) conns.push_back(owner());
  std::barrier start(kWriters);
  std::vector<std::string> failures(kWriters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < 3; ++round) {
        start.arrive_and_wait();
        const Status st = write_schema_index(conns[i], store_schema_, catalogs[(i + round) % 2]);
        if (!st) failures[i] = st.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& f : failures) EXPECT_EQ(f, "");
  auto fingerprint = indexed_fingerprint(owner_, store_schema_);
  ASSERT_TRUE(fingerprint.ok());
  const bool alpha = *fingerprint == index_fingerprint(catalogs[0], nullptr);
  EXPECT_TRUE(alpha || *fingerprint == index_fingerprint(catalogs[1], nullptr));
  auto rows = owner_.query(
      "SELECT count(*), count(*) FILTER (WHERE table_name LIKE $1), (SELECT documents FROM " +
          pg::quote_ident(store_schema_) + ".schema_index_state) FROM " +
          pg::quote_ident(store_schema_) + ".schema_documents",
      {alpha ? "alpha\\_%" : "beta\\_%"});
  ASSERT_TRUE(rows.ok());
  const std::string n = std::to_string(alpha ? 1200 : 800);
  EXPECT_EQ(rows->rows[0], (std::vector<pg::Cell>{n, n, n}));
}

// Of indexers refreshing an empty index with the same catalog at once, one writes; the others
// find its work under the lock.
TEST_F(BadInputTest, RefreshersAtOnceWriteOnce) {
  const Catalog catalog = synthetic(schema_, "gamma_", 300);
  constexpr int kWriters = 5;
  std::vector<pg::Connection> conns;
  for (int i = 0; i < kWriters; ++i) conns.push_back(owner());
  std::barrier start(kWriters);
  std::atomic<int> wrote{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto w = refresh_schema_index(conns[i], store_schema_, catalog);
      if (!w) ++failed;
      if (w && *w) ++wrote;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrote.load(), 1);
  EXPECT_EQ(documents(), "1200");
}

// DDL in another session while the catalog is read and indexed: every catalog read is one
// moment's (no table without its columns, no key to a table it does not hold), and every
// index written from one succeeds.
TEST_F(BadInputTest, DdlMeanwhileGivesAConsistentCatalog) {
  ASSERT_TRUE(owner_.exec("CREATE TABLE " + q("parent") + " (id integer PRIMARY KEY)").ok());
  std::atomic<bool> stop{false};
  std::string ddl_failure;
  std::thread ddl([&] {
    pg::Connection conn = owner();
    for (int i = 0; !stop; ++i) {
      const std::string child = q("child");
      const Status st =
          conn.exec("BEGIN; DROP TABLE IF EXISTS " + child + "; CREATE TABLE " + child +
                    " (id integer PRIMARY KEY, parent_id integer REFERENCES " + q("parent") +
                    ", n" + std::to_string(i % 7) + " text); DROP TABLE IF EXISTS " + q("other") +
                    "; CREATE TABLE " + q("other") + " (x integer, y integer); COMMIT");
      if (!st) {
        ddl_failure = st.error().message;
        (void)conn.exec("ROLLBACK");
        break;
      }
    }
  });
  int checked = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  while (std::chrono::steady_clock::now() < until) {
    const Catalog c = load(owner_);
    for (const auto& t : c.tables) {
      EXPECT_FALSE(t.columns.empty()) << t.name << " without its columns";
      if (t.name == "child") {
        EXPECT_EQ(t.columns.size(), 3u);
        EXPECT_EQ(t.primary_key, std::vector<std::string>{"id"});
        EXPECT_EQ(t.foreign_keys.size(), 1u);
      }
    }
    const Status st = write_schema_index(owner_, store_schema_, c);
    EXPECT_TRUE(st.ok()) << st.error().message;
    ++checked;
    if (HasFailure()) break;
  }
  stop = true;
  ddl.join();
  EXPECT_EQ(ddl_failure, "");
  EXPECT_GT(checked, 5);
}

}  // namespace
}  // namespace askdb::retrieval
