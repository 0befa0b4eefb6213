// bench/values: does a question that names a cell value in everyday spelling (case, missing
// accents, typos, plurals, abbreviations) bring the exact stored literal to the SQL prompt?
//
// Starts a private PostgreSQL cluster with the demo data set (demo/), reads the values of its
// categorical text columns through the read-only role (retrieval::read_values), writes the value
// index into an app store, and runs a fixed list of questions, each naming one value of one
// column. Prints how often that column's exact literal is among the first 5 and the first 10
// hits, the questions that miss it, the search's p50/p99 and the time to read and write the
// index. It does this twice: with pg_trgm (the store in the demo database, where the extension
// is installed) and without it (a store database whose role may not create extensions).
//
// Usage: bench_values [--runs N] [--tables N] [--explain "QUESTION"]
//   --runs N     searches each question N times for the timings (default 20)
//   --tables N   then also reads and writes the values of N synthetic tables (4 text columns
//                each), replacing the demo's in the index, and times the questions against them
//   --explain Q  prints the hits for Q with their scores, the lines the prompt would get, and
//                the plans of the search's queries (auto_explain)
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "chat/workspace.h"
#include "config/config.h"
#include "config/paths.h"
#include "percentile.h"
#include "pg/connection.h"
#include "pg/embedded_cluster.h"
#include "retrieval/catalog.h"
#include "retrieval/value_index.h"
#include "store/migrations.h"

namespace {

using namespace askdb;
using Clock = std::chrono::steady_clock;

struct Case {
  const char* question;
  const char* table;
  const char* column;
  const char* value;  // the literal the data holds
};

// Written from what demo/data.sql holds, before looking at how the search scores them.
const Case kCases[] = {
    // Accents and case
    {"How many customers live in Sao Paulo?", "customers", "city", "São Paulo"},
    {"Revenue from customers in zurich last year", "customers", "city", "Zürich"},
    {"Which stores are in Montreal?", "stores", "city", "Montréal"},
    {"orders placed in the Krakow store", "stores", "city", "Kraków"},
    {"customers from Bogota", "customers", "city", "Bogotá"},
    {"total sales to customers in MUNCHEN", "customers", "city", "München"},
    {"customers in Koln", "customers", "city", "Köln"},
    {"How many customers are in Geneve?", "customers", "city", "Genève"},
    {"customers in Lodz", "customers", "city", "Łódź"},
    {"average order value for customers in Malaga", "customers", "city", "Málaga"},
    {"customers in Goteborg", "customers", "city", "Göteborg"},
    {"customers in reykjavik", "customers", "city", "Reykjavík"},
    {"customers in Quebec city", "customers", "city", "Québec"},
    {"sales in Medellin", "customers", "city", "Medellín"},
    {"customers in ciudad de mexico", "customers", "city", "Ciudad de México"},
    {"customers named Jurgen", "customers", "first_name", "Jürgen"},
    {"customers with the last name Nunez", "customers", "last_name", "Núñez"},
    {"customers called Lukasz", "customers", "first_name", "Łukasz"},
    {"products of the brand lumiere paris", "products", "brand", "Lumière Paris"},
    {"how many Velocita products do we sell", "products", "brand", "Velocità"},
    {"Cote Bleue sales by month", "products", "brand", "Côte Bleue"},
    {"products from maison lumiere", "products", "brand", "Maison Lumière"},
    {"la rentree 2025 results", "marketing_campaigns", "campaign_name", "La Rentrée 2025"},
    {"orders at the Sao Paulo Paulista store", "stores", "store_name", "São Paulo Paulista"},
    {"staff of the Zurich Bahnhofstrasse store", "stores", "store_name", "Zürich Bahnhofstrasse"},
    // Typos and other spellings
    {"customers living in Sao Paolo", "customers", "city", "São Paulo"},
    {"customers in Rio de Janiero", "customers", "city", "Rio de Janeiro"},
    {"customers in Barcelna", "customers", "city", "Barcelona"},
    {"How many customers in Singapour?", "customers", "city", "Singapore"},
    {"orders that were canceled", "orders", "status", "cancelled"},
    {"authorised payments", "payments", "status", "authorized"},
    {"parcels shipped with fedx", "shipments", "carrier", "FedEx"},
    {"suppliers from Veitnam", "suppliers", "country", "Vietnam"},
    // Plurals and inflections
    {"sales of headphones", "categories", "category_name", "Headphones"},
    {"revenue from smartphone sales", "categories", "category_name", "Smartphones"},
    {"best selling laptop", "categories", "category_name", "Laptops"},
    {"sales at outlets", "stores", "store_type", "outlet"},
    {"revenue of flagships", "stores", "store_type", "flagship"},
    {"How many store managers are there?", "employees", "job_title", "Store Manager"},
    {"salaries of sales associates", "employees", "job_title", "Sales Associate"},
    {"products returned as defective", "returns", "reason", "defective"},
    {"refunded payments last month", "payments", "status", "refunded"},
    // Words written apart, joined or with other punctuation
    {"customers acquired through paid search", "customers", "acquisition_channel", "paid_search"},
    {"customers who signed up in store", "customers", "acquisition_channel", "in_store"},
    {"orders paid with apple pay", "payments", "payment_method", "apple_pay"},
    {"payments by credit card", "payments", "payment_method", "credit_card"},
    {"next day shipments", "shipments", "service_level", "next_day"},
    {"returns because of wrong size", "returns", "reason", "wrong_size"},
    {"items returned as not as described", "returns", "reason", "not_as_described"},
    {"revenue of the home and kitchen department", "categories", "category_name", "Home & Kitchen"},
    {"mens clothing returns", "categories", "category_name", "Men's Clothing"},
    {"childrens books sold in 2024", "categories", "category_name", "Children's Books"},
    {"Orders during black friday 2024", "marketing_campaigns", "campaign_name",
     "Black Friday 2024"},
    {"valentines day 2023 campaign revenue", "marketing_campaigns", "campaign_name",
     "Valentine's Day 2023"},
    {"revenue of the mothers day campaign in 2024", "marketing_campaigns", "campaign_name",
     "Mother's Day 2024"},
    {"reviews titled love it", "product_reviews", "review_title", "Love it!"},
    {"reviews saying broke after a week", "product_reviews", "review_title", "Broke after a week"},
    {"products supplied by Nordic Industries", "suppliers", "supplier_name", "Nordic Industries"},
    // Plain mentions
    {"customers in new york", "customers", "city", "New York"},
    {"suppliers from south korea", "suppliers", "country", "South Korea"},
    {"customers in the united kingdom", "customers", "country", "United Kingdom"},
    {"revenue in latin america", "regions", "region_name", "Latin America"},
    {"How many gold tier customers are there", "customers", "loyalty_tier", "gold"},
    {"Platinum members by country", "customers", "loyalty_tier", "platinum"},
    {"how many paypal payments failed", "payments", "payment_method", "paypal"},
    {"late deliveries by correios", "shipments", "carrier", "Correios"},
    {"shipments delivered by Japan Post", "shipments", "carrier", "Japan Post"},
    {"orders made online", "orders", "channel", "online"},
    {"campaigns on tv", "marketing_campaigns", "channel", "tv"},
    {"female customers", "customers", "gender", "female"},
    {"express shipments", "shipments", "service_level", "express"},
    // Abbreviations
    {"customers in the APAC region", "regions", "region_code", "APAC"},
    {"sales in LatAm", "regions", "region_code", "LATAM"},
    {"NYC customers", "customers", "city", "New York"},
    {"customers in LA", "customers", "city", "Los Angeles"},
    {"UK customers", "customers", "country", "United Kingdom"},
    {"sales in the US", "customers", "country", "United States"},
};

using askdb::bench::percentile;

using askdb::bench::ms_since;

int fail(const std::string& what) {
  std::fprintf(stderr, "bench_values: %s\n", what.c_str());
  return 1;
}

// Indexes `values` into `store` and runs every case against it. With `explain`, searches that
// question only, through `superuser` (a connection to the same database) when given, with
// auto_explain showing the plans of the search's queries.
int run(const char* title, pg::Connection& store, pg::Connection* superuser,
        const retrieval::ValueSet& values, int runs, const std::string& explain) {
  if (auto st = store::migrate(store, "askdb"); !st) return fail(st.error().message);
  const Clock::time_point start = Clock::now();
  auto report = retrieval::write_value_index(store, "askdb", values);
  if (!report) return fail(report.error().message);
  std::printf("\n== %s\n", title);
  std::printf("index written in %.0f ms: %zu columns, %zu values, candidates by %s\n",
              ms_since(start), report->columns, report->values,
              report->trigram ? "pg_trgm" : "words only");
  for (const auto& w : report->warnings) std::printf("  warning: %s\n", w.c_str());

  if (!explain.empty()) {
    pg::Connection& conn = superuser != nullptr ? *superuser : store;
    if (superuser != nullptr) {
      if (auto st = conn.exec("LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; "
                              "SET auto_explain.log_analyze = on; "
                              "SET auto_explain.log_level = notice");
          !st) {
        return fail(st.error().message);
      }
    }
    auto hits = retrieval::search_values(conn, "askdb", explain, 10);
    if (!hits) return fail(hits.error().message);
    for (const auto& h : *hits) {
      std::printf("  %.3f  %s.%s  %s\n", h.score, h.table.c_str(), h.column.c_str(),
                  h.value.c_str());
    }
    std::printf("%s", retrieval::render_value_hits(*hits).c_str());
    return 0;
  }

  size_t top5 = 0, top10 = 0, any_hits = 0, hit_count = 0;
  std::vector<double> ms;
  std::vector<std::string> misses;
  const size_t cases = sizeof kCases / sizeof kCases[0];
  for (int r = 0; r < runs; ++r) {
    for (const Case& c : kCases) {
      const Clock::time_point t = Clock::now();
      auto hits = retrieval::search_values(store, "askdb", c.question, 10);
      ms.push_back(ms_since(t));
      if (!hits) return fail(hits.error().message);
      if (r > 0) continue;
      hit_count += hits->size();
      any_hits += hits->empty() ? 0 : 1;
      size_t rank = 0;
      for (size_t i = 0; i < hits->size(); ++i) {
        const auto& h = (*hits)[i];
        if (h.table == c.table && h.column == c.column && h.value == c.value) {
          rank = i + 1;
          break;
        }
      }
      if (rank >= 1 && rank <= 5) ++top5;
      if (rank >= 1) ++top10;
      if (rank == 0 || rank > 5) {
        std::string got;
        for (size_t i = 0; i < std::min<size_t>(3, hits->size()); ++i) {
          const auto& h = (*hits)[i];
          char score[16];
          std::snprintf(score, sizeof score, "%.2f", h.score);
          got += (i ? ", " : "") + h.table + "." + h.column + " '" + h.value + "' " + score;
        }
        misses.push_back(std::string(rank == 0 ? "miss" : "rank " + std::to_string(rank)) + ": \"" +
                         c.question + "\" wants " + c.table + "." + c.column + " '" + c.value +
                         "'; got " + (got.empty() ? "nothing" : got));
      }
    }
  }
  std::printf("%zu questions: literal in the top 5: %zu (%.1f%%), in the top 10: %zu (%.1f%%)\n",
              cases, top5, 100.0 * static_cast<double>(top5) / static_cast<double>(cases), top10,
              100.0 * static_cast<double>(top10) / static_cast<double>(cases));
  std::printf("hits per question: %.1f on average (at most 10)\n",
              static_cast<double>(hit_count) / static_cast<double>(cases));
  std::printf("search (%d runs of each): p50 %.3f ms, p99 %.3f ms\n", runs, percentile(ms, 0.5),
              percentile(ms, 0.99));
  for (const auto& m : misses) std::printf("  %s\n", m.c_str());
  return 0;
}

// Reads and writes the values of `tables` synthetic tables (a schema of their own, 100 rows and
// four text columns each: 5, 20 and 100 distinct values, and 100 long ones; every other table
// ANALYZEd), for the time it takes at scale.
int synthetic(pg::EmbeddedCluster& cluster, pg::Connection& target, pg::Connection& store,
              int tables) {
  std::string ddl = "CREATE SCHEMA synthetic; SET search_path = synthetic;";
  for (int i = 0; i < tables; ++i) {
    const std::string t = "t" + std::to_string(i);
    ddl += "CREATE TABLE " + t +
           " (id int, status text, city text, label text, note text) WITH "
           "(autovacuum_enabled = false); INSERT INTO " +
           t +
           " SELECT k, 'status ' || k % 5, 'city ' || k % 20, 'label ' || k, repeat('note ' "
           "|| k, 40) FROM generate_series(1, 100) k;" +
           (i % 2 == 0 ? "ANALYZE " + t + ";" : "");
  }
  ddl += "GRANT USAGE ON SCHEMA synthetic TO " + std::string(pg::kEmbeddedReader) +
         "; GRANT SELECT ON ALL TABLES IN SCHEMA synthetic TO " + pg::kEmbeddedReader +
         "; RESET search_path";
  auto owner = pg::Connection::open(cluster.owner_conninfo(), "the demo database");
  if (!owner) return fail(owner.error().message);
  if (auto st = owner->exec(ddl); !st) return fail(st.error().message);
  auto all = retrieval::load_catalog(target, {"askdb"});
  if (!all) return fail(all.error().message);
  retrieval::Catalog catalog;
  for (auto& t : all->tables) {
    if (t.schema == "synthetic") catalog.tables.push_back(std::move(t));
  }
  Clock::time_point start = Clock::now();
  auto values = retrieval::read_values(target, catalog);
  if (!values) return fail(values.error().message);
  size_t count = 0;
  for (const auto& c : values->columns) count += c.values.size();
  std::printf("\n== %d synthetic tables, %zu text columns\n", tables, 4 * catalog.tables.size());
  std::printf("values read in %.0f ms: %zu columns, %zu values, %zu skipped\n", ms_since(start),
              values->columns.size(), count, values->skipped.size());
  start = Clock::now();
  auto report = retrieval::write_value_index(store, "askdb", *values);
  if (!report) return fail(report.error().message);
  std::printf("index written in %.0f ms\n", ms_since(start));
  std::vector<double> ms;
  for (const Case& c : kCases) {
    const Clock::time_point t = Clock::now();
    auto hits = retrieval::search_values(store, "askdb", c.question, 10);
    if (!hits) return fail(hits.error().message);
    ms.push_back(ms_since(t));
  }
  std::printf("search: p50 %.3f ms, p99 %.3f ms\n", percentile(ms, 0.5), percentile(ms, 0.99));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  int tables = 0;
  std::string explain;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
    if (flag == "--tables") tables = std::max(0, std::atoi(argv[i + 1]));
    if (flag == "--explain") explain = argv[i + 1];
  }
  auto demo_dir = find_data_dir("demo", "", "paths.demo_dir");
  if (!demo_dir) return fail(demo_dir.error().message);

  char templ[] = "/tmp/askdb-values-XXXXXX";
  const std::string home = mkdtemp(templ);
  chmod(home.c_str(), 0711);
  EmbeddedConfig embedded;
  embedded.home = home;
  const Clock::time_point load_start = Clock::now();
  auto cluster = pg::EmbeddedCluster::open(
      embedded, [&](const std::string& owner) { return chat::load_demo_data(owner, *demo_dir); });
  if (!cluster) return fail(cluster.error().message);
  const auto cleanup = [&] {
    (*cluster)->release();
    cluster->reset();
    std::error_code ec;
    std::filesystem::remove_all(home, ec);
  };
  std::printf("cluster made and demo data loaded in %.0f ms\n", ms_since(load_start));

  int status = 0;
  do {
    auto target = pg::Connection::open((*cluster)->reader_conninfo(), "the demo database");
    auto store = pg::Connection::open((*cluster)->owner_conninfo(), "the app store");
    auto admin = pg::Connection::open((*cluster)->admin_conninfo(), "the demo database");
    if (!target || !store || !admin) {
      status = fail("cannot connect to the benchmark cluster");
      break;
    }
    auto catalog = retrieval::load_catalog(*target, {"askdb"});
    if (!catalog) {
      status = fail(catalog.error().message);
      break;
    }
    const Clock::time_point read_start = Clock::now();
    auto values = retrieval::read_values(*target, *catalog);
    if (!values) {
      status = fail(values.error().message);
      break;
    }
    size_t count = 0, from_stats = 0, scanned = 0;
    for (const auto& c : values->columns) {
      count += c.values.size();
      from_stats += c.source == "statistics" ? 1 : 0;
      scanned += c.source == "scan" ? 1 : 0;
    }
    std::printf(
        "values read in %.0f ms: %zu tables, %zu columns (%zu from statistics, %zu "
        "scanned), %zu values; %zu columns skipped:\n",
        ms_since(read_start), catalog->tables.size(), values->columns.size(), from_stats, scanned,
        count, values->skipped.size());
    for (const auto& s : values->skipped) {
      std::printf("  %s.%s: %s\n", s.table.c_str(), s.column.c_str(), s.reason.c_str());
    }
    status = run("store in the demo database (pg_trgm installed)", *store, &*admin, *values, runs,
                 explain);
    if (status != 0) break;

    // A store in a database of its own, whose role may not create extensions.
    if (auto st = admin->exec("CREATE DATABASE askdb_bench_store OWNER askdb_admin"); !st) {
      status = fail(st.error().message);
      break;
    }
    std::string conninfo = (*cluster)->admin_conninfo();
    const auto at = conninfo.find("dbname=askdb_demo");
    conninfo.replace(at, 17, "dbname=askdb_bench_store");
    auto setup = pg::Connection::open(conninfo, "the store database");
    if (!setup || !setup->exec("CREATE SCHEMA askdb AUTHORIZATION askdb_owner; GRANT CONNECT ON "
                               "DATABASE askdb_bench_store TO askdb_owner")) {
      status = fail("cannot set up the store database without pg_trgm");
      break;
    }
    std::string owner = (*cluster)->owner_conninfo();
    owner.replace(owner.find("dbname=askdb_demo"), 17, "dbname=askdb_bench_store");
    auto plain = pg::Connection::open(owner, "the store database");
    if (!plain) {
      status = fail(plain.error().message);
      break;
    }
    status = run("store without pg_trgm (words only)", *plain, nullptr, *values, runs, explain);
    if (status == 0 && tables > 0 && explain.empty()) {
      status = synthetic(**cluster, *target, *store, tables);
    }
  } while (false);
  cleanup();
  return status;
}
