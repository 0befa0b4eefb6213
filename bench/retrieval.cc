// bench/retrieval: does the context the LLM sees hold the tables and columns a question needs,
// and at what cost in tokens and time?
//
// Loads every Spider schema (../shared/data/spider: the 166 of tables.json, plus the 40 found
// only in test_tables.json as distractors) into ONE database of a private PostgreSQL cluster, a
// schema per database id, with their primary and foreign keys and no rows (Spider's SQLite
// files are not available). Reads the catalog as askdb does, then builds the context of each of
// the 1,034 dev questions and checks it against the question's gold tables and columns, taken
// from the parsed gold SQL in dev.json. Prints, for the pooled catalog and for each question's
// own database alone: the share of questions whose context holds every gold table (and every
// gold column), the share of gold tables and columns found, the context's tokens (median, p95)
// and the time to build it (p50, p99).
//
// The indexed ranking's figures are printed for all questions and for the even- and
// odd-indexed ones apart: parameters are chosen on the even ones, so a gap between the halves
// shows overfitting.
//
// Usage: bench_retrieval [--budget TOKENS] [--spider DIR] [--misses N] [--quick 1]
//   --misses N prints N questions whose indexed context misses a gold table, with what it chose
//   (--misses-of even|odd|all: of which half; all by default);
//   --floor F, --max-tables N, --neighbour F, --cohesion F, --parents N, --min-tables N set
//   ContextOptions' min_relative_score, max_tables, neighbour_share, schema_share,
//   parents_of_top and min_tables; --whole-tables N, --wide-columns N their namesakes;
//   --embedder builtin|none (builtin by default), --dims N, --trigrams F,
//   --embedder-synonyms F set the built-in embedder; --wordnet DIR|none (as askdb: Debian's
//   /usr/share/wordnet by default); --stem-only F,
//   --name-coverage F, --synonyms F, --vector-share F, --fusion-k F, --vector-candidates N set
//   SchemaSearchOptions, --fusion scores|rrf its fusion; --quick 1 skips the word-overlap and
//   own-database baselines;
//   --explain "QUESTION" prints the search's query plan; --rank "QUESTION" its ranking and
//   context.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "percentile.h"
#include "pg/connection.h"
#include "pg/embedded_cluster.h"
#include "retrieval/builtin_embedder.h"
#include "retrieval/catalog.h"
#include "retrieval/context_builder.h"
#include "retrieval/knowledge.h"
#include "retrieval/schema_index.h"
#include "retrieval/schema_vectors.h"
#include "retrieval/wordnet.h"
#include "store/migrations.h"

namespace {

using namespace askdb;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

using askdb::bench::percentile;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// One Spider database as it is loaded: PostgreSQL names for its tables and columns (lower
// case, as a PostgreSQL user would have them; a column that collides gets a suffix).
struct SpiderDb {
  std::string id;  // the schema
  std::vector<std::string> tables;
  std::vector<int> column_table;  // by Spider column index; -1 for "*"
  std::vector<std::string> columns;
};

SpiderDb read_db(const json& d) {
  SpiderDb db;
  db.id = d["db_id"].get<std::string>();
  for (const auto& t : d["table_names_original"]) db.tables.push_back(lower(t.get<std::string>()));
  std::map<int, std::set<std::string>> taken;
  for (const auto& c : d["column_names_original"]) {
    const int table = c[0].get<int>();
    std::string name = lower(c[1].get<std::string>());
    if (table >= 0) {
      const std::string base = name;
      for (int n = 2; taken[table].count(name) > 0; ++n) name = base + "_" + std::to_string(n);
      taken[table].insert(name);
    }
    db.column_table.push_back(table);
    db.columns.push_back(name);
  }
  return db;
}

std::string pg_type(const std::string& spider_type) {
  if (spider_type == "number") return "numeric";
  if (spider_type == "time") return "timestamp";
  if (spider_type == "boolean") return "boolean";
  return "text";
}

// The DDL of one database: its schema and tables with primary keys. Foreign keys come apart
// (foreign_key_ddl), after every table exists.
std::string table_ddl(const json& d, const SpiderDb& db) {
  std::string sql = "CREATE SCHEMA " + quoted(db.id) + ";\n";
  std::map<int, std::vector<std::string>> keys;
  for (const auto& pk : d["primary_keys"]) {
    const int col = pk.is_array() ? pk[0].get<int>() : pk.get<int>();
    keys[db.column_table[static_cast<size_t>(col)]].push_back(db.columns[static_cast<size_t>(col)]);
  }
  for (size_t t = 0; t < db.tables.size(); ++t) {
    std::vector<std::string> lines;
    for (size_t c = 0; c < db.columns.size(); ++c) {
      if (db.column_table[c] != static_cast<int>(t)) continue;
      lines.push_back(quoted(db.columns[c]) + " " +
                      pg_type(d["column_types"][c].get<std::string>()));
    }
    auto pk = keys.find(static_cast<int>(t));
    if (pk != keys.end()) {
      std::string cols;
      for (const auto& k : pk->second) cols += (cols.empty() ? "" : ", ") + quoted(k);
      lines.push_back("PRIMARY KEY (" + cols + ")");
    }
    sql += "CREATE TABLE " + quoted(db.id) + "." + quoted(db.tables[t]) + " (";
    for (size_t i = 0; i < lines.size(); ++i) sql += (i ? ", " : "") + lines[i];
    sql += ");\n";
  }
  return sql;
}

// One statement per foreign key; the referenced column is made unique first when it is not
// the referenced table's primary key (there are no rows to contradict it). A key Spider
// lists that PostgreSQL still refuses is counted and left out.
std::vector<std::string> foreign_key_ddl(const json& d, const SpiderDb& db) {
  std::set<int> pk_columns;
  for (const auto& pk : d["primary_keys"])
    pk_columns.insert(pk.is_array() ? pk[0].get<int>() : pk.get<int>());
  std::vector<std::string> out;
  for (const auto& fk : d["foreign_keys"]) {
    const auto from = static_cast<size_t>(fk[0].get<int>());
    const auto to = static_cast<size_t>(fk[1].get<int>());
    const std::string from_table =
        quoted(db.id) + "." + quoted(db.tables[static_cast<size_t>(db.column_table[from])]);
    const std::string to_table =
        quoted(db.id) + "." + quoted(db.tables[static_cast<size_t>(db.column_table[to])]);
    // SQLite let some keys join text to numbers: the referencing column takes the type of
    // the one it references.
    const std::string type = pg_type(d["column_types"][to].get<std::string>());
    std::string sql = "ALTER TABLE " + from_table + " ALTER COLUMN " + quoted(db.columns[from]) +
                      " TYPE " + type + " USING " + quoted(db.columns[from]) + "::" + type + "; ";
    if (pk_columns.count(static_cast<int>(to)) == 0) {
      sql += "ALTER TABLE " + to_table + " ADD UNIQUE (" + quoted(db.columns[to]) + "); ";
    }
    sql += "ALTER TABLE " + from_table + " ADD FOREIGN KEY (" + quoted(db.columns[from]) +
           ") REFERENCES " + to_table + " (" + quoted(db.columns[to]) + ");";
    out.push_back(sql);
  }
  return out;
}

// Gold tables and columns (Spider indexes) of a parsed query, subqueries and set operations
// included.
struct Gold {
  std::set<int> tables;
  std::set<int> columns;
};

void walk_sql(const json& sql, Gold& gold);

void walk_col_unit(const json& cu, Gold& gold) {
  if (cu.is_array() && cu.size() >= 2 && cu[1].is_number_integer()) {
    const int col = cu[1].get<int>();
    if (col > 0) gold.columns.insert(col);
  }
}

void walk_val_unit(const json& vu, Gold& gold) {
  if (!vu.is_array() || vu.size() < 3) return;
  walk_col_unit(vu[1], gold);
  walk_col_unit(vu[2], gold);
}

void walk_value(const json& v, Gold& gold) {
  if (v.is_object()) walk_sql(v, gold);
  if (v.is_array()) walk_col_unit(v, gold);
}

void walk_condition(const json& cond, Gold& gold) {
  if (!cond.is_array()) return;
  for (const auto& unit : cond) {
    if (!unit.is_array() || unit.size() < 5) continue;  // "and" / "or"
    walk_val_unit(unit[2], gold);
    walk_value(unit[3], gold);
    walk_value(unit[4], gold);
  }
}

void walk_sql(const json& sql, Gold& gold) {
  if (!sql.is_object()) return;
  for (const auto& unit : sql["from"]["table_units"]) {
    if (unit[0] == "table_unit") gold.tables.insert(unit[1].get<int>());
    if (unit[0] == "sql") walk_sql(unit[1], gold);
  }
  walk_condition(sql["from"]["conds"], gold);
  for (const auto& item : sql["select"][1]) walk_val_unit(item[1], gold);
  walk_condition(sql["where"], gold);
  for (const auto& cu : sql["groupBy"]) walk_col_unit(cu, gold);
  walk_condition(sql["having"], gold);
  if (sql["orderBy"].is_array() && sql["orderBy"].size() == 2) {
    for (const auto& vu : sql["orderBy"][1]) walk_val_unit(vu, gold);
  }
  for (const char* op : {"intersect", "union", "except"}) walk_sql(sql[op], gold);
}

// A table's name as the context shows it (CatalogTable::qualified_name()).
std::string qualified(const std::string& schema, const std::string& table) {
  return retrieval::sql_identifier(schema) + "." + retrieval::sql_identifier(table);
}

// Whether the rendered schema shows `column` inside the CREATE statement of `table`; with
// `by_name_only`, only when a wide table names it in its "more columns" comment.
bool shows_column(const std::string& schema, const std::string& table, const std::string& column,
                  bool* by_name_only = nullptr) {
  for (const char* kind : {"CREATE TABLE ", "CREATE VIEW ", "CREATE MATERIALIZED VIEW "}) {
    const size_t at = schema.find(std::string(kind) + table + " (\n");
    if (at == std::string::npos) continue;
    const size_t end = schema.find("\n);", at);
    const std::string body =
        schema.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (body.find("\n  " + retrieval::sql_identifier(column) + " ") != std::string::npos) {
      return true;
    }
    // A wide table's other columns, named in one comment line ("-- 12 more columns, by name:
    // a, b").
    const size_t more = body.find(" more columns, by name: ");
    if (more == std::string::npos) return false;
    const std::string names =
        ", " + body.substr(more + 24, body.find('\n', more) - more - 24) + ",";
    const bool named =
        names.find(", " + retrieval::sql_identifier(column) + ",") != std::string::npos;
    if (named && by_name_only != nullptr) *by_name_only = true;
    return named;
  }
  return false;
}

struct Tally {
  std::vector<double> ms;
  std::vector<double> search_ms;  // of ms: the index search (vectors and embedding included)
  std::vector<double> tokens;
  size_t questions = 0, all_tables = 0, all_columns = 0;
  size_t gold_tables = 0, found_tables = 0, gold_columns = 0, found_columns = 0;
  size_t by_name_columns = 0;  // of found_columns: named only, in a compact table's comment

  void print(const char* title) const {
    const auto share = [](size_t a, size_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / b; };
    std::printf("%s\n", title);
    std::printf("  every gold table in the context:  %.3f of %zu questions (%.3f of %zu tables)\n",
                share(all_tables, questions), questions, share(found_tables, gold_tables),
                gold_tables);
    std::printf("  every gold column in the context: %.3f of %zu questions (%.3f of %zu columns)\n",
                share(all_columns, questions), questions, share(found_columns, gold_columns),
                gold_columns);
    if (by_name_columns > 0) {
      std::printf("    of the columns found, %zu shown by name only (a compact wide table)\n",
                  by_name_columns);
    }
    std::printf("  context tokens: median %.0f, p95 %.0f\n", percentile(tokens, 0.5),
                percentile(tokens, 0.95));
    std::printf("  building the context: p50 %.3f ms, p99 %.3f ms\n", percentile(ms, 0.5),
                percentile(ms, 0.99));
    if (!search_ms.empty()) {
      std::printf("    of which the index search: p50 %.3f ms, p99 %.3f ms\n",
                  percentile(search_ms, 0.5), percentile(search_ms, 0.99));
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  int budget = 2000;
  int misses_to_show = 0;
  std::string explain;
  const retrieval::ContextOptions defaults;
  double floor = defaults.min_relative_score;
  int max_tables = static_cast<int>(defaults.max_tables);
  double neighbour = defaults.neighbour_share;
  double cohesion = defaults.schema_share;
  int parents = static_cast<int>(defaults.parents_of_top);
  int min_tables = static_cast<int>(defaults.min_tables);
  int whole_tables = static_cast<int>(defaults.whole_tables);
  int wide_columns = static_cast<int>(defaults.wide_columns);
  retrieval::SchemaSearchOptions search;
  retrieval::BuiltinEmbedderOptions embedding;
  embedding.synonym_weight = 0;                                               // --embedder-synonyms
  std::string embedder_name = "builtin", wordnet_dir = "/usr/share/wordnet";  // as askdb
  std::string misses_of = "all";
  bool quick = false;
  std::string rank;
  std::string spider = std::string(ASKDB_SHARED_DATA) + "/spider";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--budget") budget = std::atoi(argv[i + 1]);
    if (flag == "--spider") spider = argv[i + 1];
    if (flag == "--misses") misses_to_show = std::atoi(argv[i + 1]);
    if (flag == "--floor") floor = std::atof(argv[i + 1]);
    if (flag == "--max-tables") max_tables = std::atoi(argv[i + 1]);
    if (flag == "--neighbour") neighbour = std::atof(argv[i + 1]);
    if (flag == "--explain") explain = argv[i + 1];
    if (flag == "--cohesion") cohesion = std::atof(argv[i + 1]);
    if (flag == "--parents") parents = std::atoi(argv[i + 1]);
    if (flag == "--min-tables") min_tables = std::atoi(argv[i + 1]);
    if (flag == "--whole-tables") whole_tables = std::atoi(argv[i + 1]);
    if (flag == "--wide-columns") wide_columns = std::atoi(argv[i + 1]);
    if (flag == "--embedder") embedder_name = argv[i + 1];
    if (flag == "--dims") embedding.dimensions = static_cast<size_t>(std::atoi(argv[i + 1]));
    if (flag == "--trigrams") embedding.trigram_weight = std::atof(argv[i + 1]);
    if (flag == "--wordnet") wordnet_dir = argv[i + 1];
    if (flag == "--stem-only") search.stem_only_weight = std::atof(argv[i + 1]);
    if (flag == "--name-coverage") search.name_coverage = std::atof(argv[i + 1]);
    if (flag == "--synonyms") search.synonym_weight = std::atof(argv[i + 1]);
    if (flag == "--vector-share") search.vector_share = std::atof(argv[i + 1]);
    if (flag == "--fusion-k") search.fusion_k = std::atof(argv[i + 1]);
    if (flag == "--fusion") {
      search.fusion = std::string(argv[i + 1]) == "rrf"
                          ? retrieval::SchemaSearchOptions::Fusion::kReciprocalRank
                          : retrieval::SchemaSearchOptions::Fusion::kScores;
    }
    if (flag == "--vector-candidates") {
      search.vector_candidates = static_cast<size_t>(std::atoi(argv[i + 1]));
    }
    if (flag == "--misses-of") misses_of = argv[i + 1];
    if (flag == "--rank") rank = argv[i + 1];
    if (flag == "--quick") quick = std::atoi(argv[i + 1]) != 0;
    if (flag == "--embedder-synonyms") embedding.synonym_weight = std::atof(argv[i + 1]);
  }
  // WordNet serves the search (synonyms of the question's words) and, with
  // --embedder-synonyms F (F > 0), the built-in embedder.
  const std::shared_ptr<const retrieval::WordNet> wordnet =
      wordnet_dir == "none" ? std::make_shared<retrieval::WordNet>()
                            : retrieval::WordNet::load(wordnet_dir);
  search.wordnet = wordnet.get();
  if (embedding.synonym_weight > 0) embedding.wordnet = wordnet;
  std::unique_ptr<retrieval::BuiltinEmbedder> embedder;
  if (embedder_name == "builtin")
    embedder = std::make_unique<retrieval::BuiltinEmbedder>(embedding);
  json tables_json, test_tables_json, dev;
  try {
    std::ifstream(spider + "/tables.json") >> tables_json;
    std::ifstream(spider + "/test_tables.json") >> test_tables_json;
    std::ifstream(spider + "/dev.json") >> dev;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_retrieval: cannot read Spider from %s: %s\n", spider.c_str(),
                 e.what());
    return 1;
  }
  std::vector<json> schemas;
  std::set<std::string> ids;
  for (const auto& d : tables_json) {
    schemas.push_back(d);
    ids.insert(d["db_id"].get<std::string>());
  }
  size_t distractors = 0;
  for (const auto& d : test_tables_json) {
    if (ids.insert(d["db_id"].get<std::string>()).second) {
      schemas.push_back(d);
      ++distractors;
    }
  }
  std::map<std::string, SpiderDb> dbs;
  for (const auto& d : schemas) dbs.emplace(d["db_id"].get<std::string>(), read_db(d));

  // A private cluster in a temporary home; the Spider schemas go into its database.
  char templ[] = "/tmp/askdb-retrieval-XXXXXX";
  const std::string home = mkdtemp(templ);
  chmod(home.c_str(), 0711);
  EmbeddedConfig embedded;
  embedded.home = home;
  size_t foreign_keys = 0, foreign_keys_refused = 0;
  const Clock::time_point load_start = Clock::now();
  auto cluster = pg::EmbeddedCluster::open(embedded, [&](const std::string& owner) -> Status {
    auto conn = pg::Connection::open(owner, "the benchmark database");
    if (!conn) return conn.error();
    std::string ddl = "BEGIN;\n";
    for (const auto& d : schemas) ddl += table_ddl(d, dbs.at(d["db_id"].get<std::string>()));
    if (auto st = conn->exec(ddl + "COMMIT;"); !st) return st;
    for (const auto& d : schemas) {
      for (const auto& sql : foreign_key_ddl(d, dbs.at(d["db_id"].get<std::string>()))) {
        ++foreign_keys;
        if (!conn->exec(sql)) ++foreign_keys_refused;
      }
    }
    return ok_status();
  });
  if (!cluster) {
    std::fprintf(stderr, "bench_retrieval: %s\n", cluster.error().message.c_str());
    return 1;
  }
  const double load_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - load_start).count();

  auto conn = pg::Connection::open((*cluster)->owner_conninfo(), "the benchmark database");
  if (!conn) {
    std::fprintf(stderr, "bench_retrieval: %s\n", conn.error().message.c_str());
    return 1;
  }
  const Clock::time_point catalog_start = Clock::now();
  auto catalog = retrieval::load_catalog(*conn, {});
  if (!catalog) {
    std::fprintf(stderr, "bench_retrieval: %s\n", catalog.error().message.c_str());
    return 1;
  }
  const double catalog_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - catalog_start).count();
  std::printf(
      "Spider: %zu schemas (%zu of them distractors from test_tables.json), %zu tables, "
      "%zu foreign keys (%zu refused)\n",
      schemas.size(), distractors, catalog->tables.size(), foreign_keys, foreign_keys_refused);
  std::printf("cluster made and schemas loaded in %.0f ms; catalog read in %.0f ms\n", load_ms,
              catalog_ms);

  // The schema index in an app store (schema "askdb") in the same database.
  if (auto st = store::migrate(*conn, "askdb"); !st) {
    std::fprintf(stderr, "bench_retrieval: %s\n", st.error().message.c_str());
    return 1;
  }
  const Clock::time_point index_start = Clock::now();
  if (auto st = retrieval::write_schema_index(*conn, "askdb", *catalog, embedder.get()); !st) {
    std::fprintf(stderr, "bench_retrieval: %s\n", st.error().message.c_str());
    return 1;
  }
  std::printf("schema index written in %.0f ms (embedder: %s; WordNet: %s)\n",
              std::chrono::duration<double, std::milli>(Clock::now() - index_start).count(),
              embedder ? embedder->describe().c_str() : "none",
              wordnet->available() ? wordnet_dir.c_str() : "none");
  retrieval::SchemaVectorCache vector_cache;

  if (!explain.empty()) {  // the search's plan for one question, then stop
    auto plan = conn->query("EXPLAIN (ANALYZE, BUFFERS) " + retrieval::schema_search_sql("askdb"),
                            {explain, "1", "0.4", "0.7", "0.3", "0.5", "", "0.4"});
    if (!plan) {
      std::fprintf(stderr, "bench_retrieval: %s\n", plan.error().message.c_str());
      return 1;
    }
    for (const auto& row : plan->rows) std::printf("%s\n", row[0].value_or("").c_str());
    (*cluster)->release();
    cluster->reset();
    std::error_code ec;
    std::filesystem::remove_all(home, ec);
    return 0;
  }

  std::map<std::string, retrieval::Catalog> own;  // each database's tables alone
  for (const auto& t : catalog->tables) own[t.schema].tables.push_back(t);

  const retrieval::Knowledge no_knowledge;
  retrieval::ContextOptions options;
  options.token_budget = budget;
  options.min_relative_score = floor;
  options.max_tables = static_cast<size_t>(max_tables);
  options.neighbour_share = neighbour;
  options.schema_share = cohesion;
  options.parents_of_top = static_cast<size_t>(parents);
  options.min_tables = static_cast<size_t>(min_tables);
  options.whole_tables = static_cast<size_t>(whole_tables);
  options.wide_columns = static_cast<size_t>(wide_columns);
  Tally pooled, alone, indexed, even, odd;
  if (!rank.empty()) {  // one question's ranking and context, then stop
    retrieval::SchemaSearchOptions these = search;
    std::shared_ptr<const retrieval::SchemaVectors> vectors;
    std::vector<float> question_vector;
    if (embedder) {
      auto got = vector_cache.get(*conn, "askdb");
      if (got) vectors = *got;
      question_vector = embedder->embed_text(rank);
      these.vectors = vectors.get();
      these.question_vector = &question_vector;
    }
    auto hits = retrieval::search_schema(*conn, "askdb", rank, these);
    if (hits) {
      for (const auto& h : *hits)
        std::printf("%8.3f %s.%s\n", h.score, h.schema.c_str(), h.name.c_str());
      options.ranking = &*hits;
      const auto ctx = retrieval::build_context(*catalog, no_knowledge, rank, options);
      std::printf("context (%d tokens):", ctx.tokens);
      for (const auto& t : ctx.tables) std::printf(" %s", t.name.c_str());
      std::printf("\n");
    }
    quick = true;
    dev = json::array();
  }
  int shown = 0;
  size_t question_index = 0;
  for (const auto& q : dev) {
    const bool is_even = question_index++ % 2 == 0;
    const SpiderDb& db = dbs.at(q["db_id"].get<std::string>());
    Gold gold;
    walk_sql(q["sql"], gold);
    for (const int c : gold.columns) gold.tables.insert(db.column_table[static_cast<size_t>(c)]);
    const std::string question = q["question"].get<std::string>();
    for (Tally* tally : {&indexed, &pooled, &alone}) {
      if (quick && tally != &indexed) continue;
      const retrieval::Catalog& cat = tally == &alone ? own[db.id] : *catalog;
      const Clock::time_point start = Clock::now();
      retrieval::ContextOptions these = options;
      std::vector<retrieval::TableHit> hits;
      std::shared_ptr<const retrieval::SchemaVectors> vectors;
      std::vector<float> question_vector;
      if (tally == &indexed) {
        retrieval::SchemaSearchOptions these_search = search;
        if (embedder) {  // as the pipeline would: the cached vectors, the question embedded
          auto got = vector_cache.get(*conn, "askdb");
          if (!got) {
            std::fprintf(stderr, "bench_retrieval: %s\n", got.error().message.c_str());
            return 1;
          }
          vectors = *got;
          question_vector = embedder->embed_text(question);
          these_search.vectors = vectors.get();
          these_search.question_vector = &question_vector;
        }
        auto found = retrieval::search_schema(*conn, "askdb", question, these_search);
        if (!found) {
          std::fprintf(stderr, "bench_retrieval: %s\n", found.error().message.c_str());
          return 1;
        }
        hits = std::move(*found);
        these.ranking = &hits;
        const double searched =
            std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        indexed.search_ms.push_back(searched);
        (is_even ? even : odd).search_ms.push_back(searched);
      }
      const retrieval::Context ctx = retrieval::build_context(cat, no_knowledge, question, these);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      std::vector<Tally*> tallies{tally};
      if (tally == &indexed) tallies.push_back(is_even ? &even : &odd);
      for (Tally* t : tallies) {
        t->ms.push_back(ms);
        t->tokens.push_back(ctx.tokens);
        ++t->questions;
      }
      std::set<std::string> chosen;
      for (const auto& t : ctx.tables) chosen.insert(t.name);
      std::vector<std::string> missed;
      for (const int t : gold.tables) {
        const std::string name = qualified(db.id, db.tables[static_cast<size_t>(t)]);
        for (Tally* each : tallies) ++each->gold_tables;
        if (chosen.count(name) > 0) {
          for (Tally* each : tallies) ++each->found_tables;
        } else {
          missed.push_back(name);
        }
      }
      size_t columns_found = 0;
      for (const int c : gold.columns) {
        const std::string table = qualified(
            db.id, db.tables[static_cast<size_t>(db.column_table[static_cast<size_t>(c)])]);
        bool by_name_only = false;
        if (shows_column(ctx.schema, table, db.columns[static_cast<size_t>(c)], &by_name_only)) {
          ++columns_found;
          if (by_name_only) {
            for (Tally* each : tallies) ++each->by_name_columns;
          }
        }
      }
      for (Tally* each : tallies) {
        each->gold_columns += gold.columns.size();
        each->found_columns += columns_found;
        if (missed.empty()) ++each->all_tables;
        if (columns_found == gold.columns.size()) ++each->all_columns;
      }
      const bool show = misses_of == "all" || (misses_of == "even") == is_even;
      if (tally == &indexed && !missed.empty() && show && shown < misses_to_show) {
        ++shown;
        std::printf("miss: \"%s\" (%s) needs", question.c_str(), db.id.c_str());
        for (const auto& m : missed) std::printf(" %s", m.c_str());
        std::printf("; chose");
        for (const auto& t : ctx.tables) std::printf(" %s", t.name.c_str());
        std::printf("\n");
      }
    }
  }
  std::printf(
      "budget %d tokens (schema + examples + notes), no verified examples or notes; "
      "index ranking: floor %.2f of the best, at most %d tables, neighbour share %.2f, schema "
      "share %.2f, parents of the top %d, at least %d tables; the best %d whole, others wider than "
      "%d columns compact\n",
      budget, floor, max_tables, neighbour, cohesion, parents, min_tables, whole_tables,
      wide_columns);
  std::printf(
      "search: stem-only %.2f, name coverage %.2f, synonyms %.2f; fusion: vector share %.2f, "
      "k %.0f, %zu vector candidates\n",
      search.stem_only_weight, search.name_coverage, search.synonym_weight, search.vector_share,
      search.fusion_k, search.vector_candidates);
  indexed.print("pooled catalog, ranked by the schema index (full-text in PostgreSQL):");
  even.print("  the same, even-indexed questions (parameters are chosen on these):");
  odd.print("  the same, odd-indexed questions (held out):");
  if (!quick) {
    pooled.print("pooled catalog, ranked by word overlap (the core issue's builder):");
    alone.print("each question's own database alone:");
  }

  (*cluster)->release();
  cluster->reset();
  std::error_code ec;
  std::filesystem::remove_all(home, ec);
  return 0;
}
