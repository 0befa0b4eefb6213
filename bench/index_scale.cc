// bench/index_scale: how long do reading the catalog and writing the schema index take for a
// very large database, and does a search stay fast on the index that comes out?
//
// Makes a private PostgreSQL cluster holding a synthetic catalog (10,000 relations by default)
// by one DDL script (a transaction per 500 relations): several schemas, tables of 5 to 40 columns
// named from a word list in snake_case and camelCase, comments on some tables and columns, a
// primary key on every table, foreign keys to earlier tables, and a few views. The read-only role
// may read all of it but 1% of the tables, and only the key of another 1%. Then prints, each apart:
//   - load_catalog() as the read-only role (first run and best of three),
//   - catalog_fingerprint(),
//   - write_schema_index() (the target: 60 s for 10,000 tables),
//   - deciding that nothing changed: load_catalog + fingerprint + indexed_fingerprint, and
//     refresh_schema_index() finding the index current under its lock,
//   - search_schema() p50 / p99 over a few dozen questions,
//   - peak RSS of this process and of the server process that wrote the index.
//
// Usage: bench_index_scale [--tables N] [--seed S] [--searches-per-question K] [--home DIR]
//                          [--vectors builtin|none]  (builtin by default, as askdb indexes)
//   --home DIR keeps the cluster in DIR (made there on the first run, with that run's --tables
//   and --seed; later runs reuse it and skip the DDL).
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "percentile.h"
#include "pg/connection.h"
#include "pg/embedded_cluster.h"
#include "retrieval/builtin_embedder.h"
#include "retrieval/catalog.h"
#include "retrieval/schema_index.h"
#include "retrieval/schema_vectors.h"
#include "retrieval/wordnet.h"
#include "store/migrations.h"

namespace {

using namespace askdb;
using Clock = std::chrono::steady_clock;

using askdb::bench::ms_since;
using askdb::bench::percentile;

// clang-format off
const std::vector<std::string> kWords = {
    "account", "address", "agent", "allocation", "asset", "audit", "balance", "bank", "batch",
    "benefit", "bill", "booking", "branch", "budget", "campaign", "carrier", "category", "channel",
    "claim", "client", "contract", "cost", "country", "coupon", "course", "credit", "currency",
    "customer", "deal", "delivery", "department", "device", "discount", "document", "driver",
    "employee", "event", "expense", "facility", "fee", "fleet", "forecast", "fund", "grade",
    "guest", "holiday", "hotel", "incident", "invoice", "item", "journal", "ledger", "lead",
    "license", "loan", "location", "lot", "manager", "member", "merchant", "message", "meter",
    "order", "organization", "owner", "package", "partner", "patient", "payment", "payroll",
    "period", "permit", "policy", "portfolio", "position", "price", "product", "project",
    "promotion", "property", "purchase", "quota", "rate", "receipt", "region", "rental", "report",
    "request", "reservation", "resource", "return", "review", "risk", "route", "salary", "sale",
    "schedule", "segment", "sensor", "session", "shipment", "shift", "sku", "store", "student",
    "subscription", "supplier", "survey", "task", "tax", "teacher", "team", "tenant", "ticket",
    "trade", "training", "transaction", "transfer", "trip", "unit", "user", "vehicle", "vendor",
    "visit", "voucher", "warehouse", "warranty", "wave", "zone"};
const std::vector<std::string> kQualifiers = {
    "daily", "monthly", "annual", "active", "archived", "pending", "historical", "current",
    "regional", "global", "internal", "external", "primary", "legacy", "staging", "summary"};
const std::vector<std::pair<std::string, std::string>> kColumnKinds = {
    {"name", "text"}, {"code", "varchar(32)"}, {"amount", "numeric(12,2)"},
    {"count", "integer"}, {"created_at", "timestamptz"}, {"date", "date"}, {"status", "text"},
    {"description", "text"}, {"is_active", "boolean"}, {"rate", "double precision"},
    {"total", "numeric(14,2)"}, {"email", "text"}, {"score", "real"}, {"updated_at", "timestamp"},
    {"quantity", "bigint"}, {"notes", "text"}, {"tags", "text[]"}, {"payload", "jsonb"}};
const std::vector<std::string> kSchemas = {
    "public", "sales", "inventory", "hr", "finance", "marketing", "logistics", "Analytics"};
// clang-format on

std::string camel(const std::vector<std::string>& words, bool upper_first) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string w = words[i];
    if (i > 0 || upper_first)
      w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
    out += w;
  }
  return out;
}

std::string snake(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : "_") + w;
  return out;
}

struct Table {
  std::string schema, name;
  bool camel_case = false;
  std::vector<std::string> words;  // what the name is made of
  std::string id_column;
  std::string qualified() const { return pg::quote_ident(schema) + "." + pg::quote_ident(name); }
};

struct Synthetic {
  // The DDL: one script of statements, a transaction per 500 relations (one transaction for all
  // would need more locks than max_locks_per_transaction allows).
  std::string ddl;
  std::vector<Table> tables;
  std::vector<std::string> revoked;  // REVOKE / GRANT statements, less the role
  size_t columns = 0, foreign_keys = 0, views = 0, comments = 0;
};

Synthetic make_catalog(size_t relations, unsigned seed) {
  std::mt19937 rng(seed);
  const auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
  Synthetic s;
  s.ddl = "BEGIN;\n";
  for (const auto& schema : kSchemas) {
    if (schema != "public") s.ddl += "CREATE SCHEMA " + pg::quote_ident(schema) + ";\n";
  }
  std::set<std::string> taken;
  for (size_t i = 0; i < relations; ++i) {
    if (i > 0 && i % 500 == 0) s.ddl += "COMMIT;\nBEGIN;\n";
    Table t;
    t.schema = kSchemas[pick(kSchemas.size())];
    const bool view = i > 20 && pick(100) < 2;  // about 2% views over earlier tables
    if (pick(3) == 0) t.words.push_back(kQualifiers[pick(kQualifiers.size())]);
    t.words.push_back(kWords[pick(kWords.size())]);
    if (pick(2) == 0) t.words.push_back(kWords[pick(kWords.size())]);
    if (view) t.words.insert(t.words.begin(), "v");
    t.camel_case = pick(4) == 0;
    std::string base = t.camel_case ? camel(t.words, pick(2) == 0) : snake(t.words);
    t.name = base;
    for (int n = 2; !taken.insert(t.schema + "." + t.name).second; ++n) {
      t.name = base + (t.camel_case ? "" : "_") + std::to_string(n);
    }
    if (view) {
      const Table& base_table = s.tables[pick(s.tables.size())];
      s.ddl +=
          "CREATE VIEW " + t.qualified() + " AS SELECT * FROM " + base_table.qualified() + ";\n";
      ++s.views;
      s.tables.push_back(t);  // a view is no table to reference: id_column stays empty
      continue;
    }
    const std::string noun = t.words.back();
    t.id_column = t.camel_case ? noun + "Id" : noun + "_id";
    std::vector<std::string> lines = {pg::quote_ident(t.id_column) + " bigint PRIMARY KEY"};
    std::set<std::string> names = {t.id_column};
    std::vector<std::string> comments;
    const size_t width = 5 + pick(36);  // 5 to 40 columns
    // Up to three foreign keys to earlier tables.
    const size_t keys = s.tables.empty() ? 0 : pick(4);
    for (size_t k = 0; k < keys && lines.size() < width; ++k) {
      const Table& ref = s.tables[pick(s.tables.size())];
      if (ref.id_column.empty()) continue;
      std::string column = t.camel_case ? ref.words.back() + "Id" : ref.words.back() + "_id";
      if (!names.insert(column).second) continue;
      lines.push_back(pg::quote_ident(column) + " bigint REFERENCES " + ref.qualified() + " (" +
                      pg::quote_ident(ref.id_column) + ")");
      ++s.foreign_keys;
    }
    while (lines.size() < width) {
      const auto& [suffix, type] = kColumnKinds[pick(kColumnKinds.size())];
      const std::string word = kWords[pick(kWords.size())];
      std::string column = word + "_" + suffix;
      if (t.camel_case) {  // created_at → customerCreatedAt
        column = word;
        bool up = true;
        for (const char c : suffix) {
          if (c == '_') {
            up = true;
          } else {
            column += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
            up = false;
          }
        }
      }
      if (!names.insert(column).second) continue;
      lines.push_back(pg::quote_ident(column) + " " + type);
      if (pick(5) == 0) {
        comments.push_back(
            "COMMENT ON COLUMN " + t.qualified() + "." + pg::quote_ident(column) + " IS " +
            pg::quote_literal("The " + word + " " + suffix + " of the " + snake(t.words) +
                              ", as recorded by the " + kWords[pick(kWords.size())] + " system") +
            ";\n");
      }
    }
    s.columns += lines.size();
    s.ddl += "CREATE TABLE " + t.qualified() + " (";
    for (size_t l = 0; l < lines.size(); ++l) s.ddl += (l ? ", " : "") + lines[l];
    s.ddl += ");\n";
    if (pick(3) == 0) {
      s.ddl += "COMMENT ON TABLE " + t.qualified() + " IS " +
               pg::quote_literal("One row per " + t.words.back() + " of each " +
                                 kWords[pick(kWords.size())] + "; kept by the " +
                                 kWords[pick(kWords.size())] + " team") +
               ";\n";
      ++s.comments;
    }
    for (const auto& c : comments) s.ddl += c;
    // About 1% the read-only role may not read, and 1% of which it may read the key only.
    if (i % 100 == 13) s.revoked.push_back("REVOKE SELECT ON " + t.qualified() + " FROM ");
    if (i % 100 == 57) {
      s.revoked.push_back("REVOKE SELECT ON " + t.qualified() + " FROM ");
      s.revoked.push_back("GRANT SELECT (" + pg::quote_ident(t.id_column) + ") ON " +
                          t.qualified() + " TO ");
    }
    s.comments += comments.size();
    s.tables.push_back(std::move(t));
  }
  s.ddl += "GRANT USAGE ON SCHEMA ";
  for (size_t i = 0; i < kSchemas.size(); ++i)
    s.ddl += (i ? ", " : "") + pg::quote_ident(kSchemas[i]);
  s.ddl += std::string(" TO ") + pg::kEmbeddedReader + ";\nGRANT SELECT ON ALL TABLES IN SCHEMA ";
  for (size_t i = 0; i < kSchemas.size(); ++i)
    s.ddl += (i ? ", " : "") + pg::quote_ident(kSchemas[i]);
  s.ddl += std::string(" TO ") + pg::kEmbeddedReader + ";\n";
  for (const auto& r : s.revoked) s.ddl += r + pg::kEmbeddedReader + ";\n";
  s.ddl += "COMMIT;\n";
  return s;
}

// Questions in an analyst's words: some name a table's words, some only columns' words.
std::vector<std::string> make_questions(const Synthetic& s, unsigned seed) {
  std::mt19937 rng(seed + 1);
  const auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
  std::vector<std::string> out;
  const std::vector<std::string> forms = {"How many %s were there last month?",
                                          "Total %s by region for each quarter",
                                          "Which %s had the highest amount?",
                                          "Show the average score of %s per team",
                                          "List the %s created this year with their status",
                                          "What is the monthly trend of %s payments?"};
  for (size_t i = 0; i < 36; ++i) {
    std::string subject;
    if (i % 2 == 0) {
      const Table& t = s.tables[pick(s.tables.size())];
      for (const auto& w : t.words) {
        if (w != "v") subject += (subject.empty() ? "" : " ") + w;
      }
    } else {
      subject = kWords[pick(kWords.size())] + " " + kWords[pick(kWords.size())];
    }
    char buf[256];
    std::snprintf(buf, sizeof buf, forms[i % forms.size()].c_str(), subject.c_str());
    out.push_back(buf);
  }
  return out;
}

// VmHWM of a process in MiB, or -1 when it cannot be read.
double peak_rss_mib(const std::string& pid) {
  std::ifstream status("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return -1;
}

int fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "bench_index_scale: %s: %s\n", what.c_str(), e.message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool with_vectors = true;
  size_t relations = 10000;
  unsigned seed = 42;
  int repeats = 5;
  std::string keep;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--tables") relations = static_cast<size_t>(std::atol(argv[i + 1]));
    if (flag == "--seed") seed = static_cast<unsigned>(std::atol(argv[i + 1]));
    if (flag == "--searches-per-question") repeats = std::max(1, std::atoi(argv[i + 1]));
    if (flag == "--home") keep = argv[i + 1];
    if (flag == "--vectors") with_vectors = std::string(argv[i + 1]) != "none";
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const Synthetic synthetic = make_catalog(relations, seed);
  std::printf(
      "synthetic catalog: %zu relations (%zu views) in %zu schemas, %zu columns, %zu foreign "
      "keys, %zu comments; DDL script %.1f MiB\n",
      synthetic.tables.size(), synthetic.views, kSchemas.size(), synthetic.columns,
      synthetic.foreign_keys, synthetic.comments,
      static_cast<double>(synthetic.ddl.size()) / (1024.0 * 1024.0));

  char templ[] = "/tmp/askdb-index-scale-XXXXXX";
  const std::string home = keep.empty() ? mkdtemp(templ) : keep;
  if (!keep.empty()) std::filesystem::create_directories(home);
  chmod(home.c_str(), 0711);
  EmbeddedConfig embedded;
  embedded.home = home;
  const Clock::time_point made = Clock::now();
  double ddl_ms = 0;
  auto cluster = pg::EmbeddedCluster::open(embedded, [&](const std::string& owner) -> Status {
    auto conn = pg::Connection::open(owner, "the benchmark database");
    if (!conn) return conn.error();
    const Clock::time_point start = Clock::now();
    auto st = conn->exec(synthetic.ddl);
    ddl_ms = ms_since(start);
    return st;
  });
  int rc = 0;
  const auto finish = [&] {
    if (cluster) {
      (*cluster)->release();
      cluster->reset();
    }
    std::error_code ec;
    if (keep.empty()) std::filesystem::remove_all(home, ec);
  };
  if (!cluster) {
    finish();
    return fail("making the cluster", cluster.error());
  }
  if ((*cluster)->created()) {
    std::printf("cluster made in %.1f s, of which the DDL script %.1f s\n", ms_since(made) / 1000,
                ddl_ms / 1000);
  } else {
    std::printf("cluster reused from %s (started in %.1f s)\n", home.c_str(),
                ms_since(made) / 1000);
  }

  [&] {
    auto reader = pg::Connection::open((*cluster)->reader_conninfo(), "the target database");
    auto store = pg::Connection::open((*cluster)->owner_conninfo(), "the store");
    if (!reader) return void(rc = fail("connecting as the reader", reader.error()));
    if (!store) return void(rc = fail("connecting as the owner", store.error()));
    if (auto st = store::migrate(*store, "askdb"); !st)
      return void(rc = fail("migrate", st.error()));

    Clock::time_point start = Clock::now();
    auto catalog = retrieval::load_catalog(*reader, {"askdb"});
    const double first_load_ms = ms_since(start);
    if (!catalog) return void(rc = fail("load_catalog", catalog.error()));
    double best_load_ms = first_load_ms;
    for (int i = 0; i < 2; ++i) {
      start = Clock::now();
      auto again = retrieval::load_catalog(*reader, {"askdb"});
      best_load_ms = std::min(best_load_ms, ms_since(start));
      if (!again) return void(rc = fail("load_catalog", again.error()));
    }
    size_t columns = 0;
    for (const auto& t : catalog->tables) columns += t.columns.size();
    std::printf(
        "load_catalog: %zu relations, %zu columns, %zu skipped: first %.0f ms, best %.0f ms\n",
        catalog->tables.size(), columns, catalog->skipped.size(), first_load_ms, best_load_ms);

    for (size_t i = 0; i < catalog->skipped.size() && i < 2; ++i) {
      std::printf("  skipped, e.g.: %s\n", catalog->skipped[i].describe().c_str());
    }
    start = Clock::now();
    const std::string fingerprint = retrieval::catalog_fingerprint(*catalog);
    std::printf("catalog_fingerprint: %.1f ms (%s)\n", ms_since(start), fingerprint.c_str());

    // As askdb indexes by default: with the built-in embedder's vectors.
    retrieval::BuiltinEmbedder builtin;
    llm::Embedder* embedder = with_vectors ? &builtin : nullptr;
    auto backend = store->query("SELECT pg_backend_pid()");
    const std::string backend_pid = backend ? backend->rows[0][0].value_or("") : "";
    start = Clock::now();
    if (auto st = retrieval::write_schema_index(*store, "askdb", *catalog, embedder); !st) {
      return void(rc = fail("write_schema_index", st.error()));
    }
    const double write_ms = ms_since(start);
    auto documents = store->query("SELECT documents FROM askdb.schema_index_state");
    std::printf(
        "write_schema_index (%s): %.1f s for %s documents (target: 60 s for 10,000 tables)\n",
        embedder != nullptr ? embedder->describe().c_str() : "no vectors", write_ms / 1000,
        documents ? documents->rows[0][0].value_or("?").c_str() : "?");
    start = Clock::now();
    if (auto st = retrieval::write_schema_index(*store, "askdb", *catalog, embedder); !st) {
      return void(rc = fail("write_schema_index", st.error()));
    }
    std::printf("write_schema_index again (over the first): %.1f s\n", ms_since(start) / 1000);

    // Nothing changed: what deciding so costs.
    start = Clock::now();
    auto now = retrieval::load_catalog(*reader, {"askdb"});
    if (!now) return void(rc = fail("load_catalog", now.error()));
    const std::string current = retrieval::index_fingerprint(*now, embedder);
    auto indexed = retrieval::indexed_fingerprint(*store, "askdb");
    if (!indexed) return void(rc = fail("indexed_fingerprint", indexed.error()));
    const double decide_ms = ms_since(start);
    start = Clock::now();
    auto refreshed = retrieval::refresh_schema_index(*store, "askdb", *now, embedder);
    if (!refreshed) return void(rc = fail("refresh_schema_index", refreshed.error()));
    std::printf(
        "re-index with nothing changed: load_catalog + fingerprint + indexed_fingerprint %.0f ms "
        "(%s); refresh_schema_index %.1f ms (%s)\n",
        decide_ms, current == *indexed ? "unchanged, skipped" : "CHANGED", ms_since(start),
        *refreshed ? "WROTE" : "skipped");

    // Searched as the pipeline searches: full text with WordNet's synonyms, and the vectors.
    const auto questions = make_questions(synthetic, seed);
    const auto wordnet = retrieval::WordNet::load();
    retrieval::SchemaVectorCache cache;
    std::vector<double> search_ms, text_ms, vector_ms;
    size_t found = 0;
    for (int r = 0; r < repeats; ++r) {
      for (const auto& q : questions) {
        start = Clock::now();
        retrieval::SchemaSearchOptions options;
        options.wordnet = wordnet.get();
        std::shared_ptr<const retrieval::SchemaVectors> vectors;
        std::vector<float> question_vector;
        if (embedder != nullptr) {
          auto loaded = cache.get(*store, "askdb");
          if (!loaded) return void(rc = fail("loading the vectors", loaded.error()));
          vectors = *loaded;
          question_vector = builtin.embed_text(q);
          options.vectors = vectors.get();
          options.question_vector = &question_vector;
        }
        auto hits = retrieval::search_schema(*store, "askdb", q, options);
        search_ms.push_back(ms_since(start));
        if (!hits) return void(rc = fail("search_schema", hits.error()));
        if (r == 0 && !hits->empty()) ++found;
        // Its parts apart: the full text alone, and the vector scan alone.
        if (vectors) {
          start = Clock::now();
          (void)vectors->nearest(question_vector, options.vector_candidates);
          vector_ms.push_back(ms_since(start));
        }
        retrieval::SchemaSearchOptions text_only;
        text_only.wordnet = wordnet.get();
        start = Clock::now();
        auto text_hits = retrieval::search_schema(*store, "askdb", q, text_only);
        text_ms.push_back(ms_since(start));
        if (!text_hits) return void(rc = fail("search_schema", text_hits.error()));
      }
    }
    std::printf("search_schema: %zu questions x %d (%zu found tables): p50 %.1f ms, p99 %.1f ms\n",
                questions.size(), repeats, found, percentile(search_ms, 0.5),
                percentile(search_ms, 0.99));
    std::printf("  its parts: full text alone p50 %.1f ms, p99 %.1f ms", percentile(text_ms, 0.5),
                percentile(text_ms, 0.99));
    if (!vector_ms.empty()) {
      std::printf("; the vector scan alone p50 %.1f ms, p99 %.1f ms", percentile(vector_ms, 0.5),
                  percentile(vector_ms, 0.99));
    }
    std::printf("\n");
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("peak RSS: this process %.0f MiB; the store's server process %.0f MiB\n",
                static_cast<double>(usage.ru_maxrss) / 1024.0, peak_rss_mib(backend_pid));
  }();
  finish();
  return rc;
}
