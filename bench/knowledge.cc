// bench/knowledge: do the verified examples the context shows come from the question's own
// database, and what do the knowledge index's syncs and searches cost?
//
// Spider's dev set (../shared/data/spider/dev.json: 1,034 questions over 20 databases, each with
// its gold SQL), leave-one-out: for each question, every other dev question with its SQL is a
// verified example. Three rankings of those examples are compared:
//   - in process: rank_examples(), trigram similarity with numbers ignored, as the context
//     builder ranks them without the index;
//   - the knowledge index in a private cluster's app store, full text (and pg_trgm when the
//     cluster has it) only: sync_knowledge_index() without an embedder, search_knowledge();
//   - the same with the built-in embedder's vectors fused in.
// For the index, each question's knowledge is truly all the others: the index is synced to it
// (one example removed, the one before put back: the incremental path) before the search.
// Printed: how often the top-1 example is of the question's database, and the share of the
// top-5 that are, over all questions; then again leaving out the examples whose SQL is the
// question's own gold SQL (Spider holds paraphrases of one query, which make matching easy).
// Also the search's p50/p99, and the time of a sync of 1,033 examples into an empty index and
// of a second sync of the same (which embeds nothing).
//
// Usage: bench_knowledge [--spider DIR] [--questions N] [--weak F] [--stem-only F]
//   [--trigram-share F] [--vector-share F] [--vector-candidates N] [--candidates N]
//   (KnowledgeSearchOptions; --questions N evaluates the first N questions only);
//   --explain "QUESTION" prints the search's query plan over the 1,033 examples, and stops.
#include "retrieval/knowledge.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/text.h"
#include "percentile.h"
#include "pg/connection.h"
#include "pg/embedded_cluster.h"
#include "retrieval/builtin_embedder.h"
#include "retrieval/knowledge_index.h"
#include "store/migrations.h"

namespace {

using namespace askdb;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using askdb::bench::percentile;

using askdb::bench::ms_since;

int fail(const std::string& message) {
  std::fprintf(stderr, "bench_knowledge: %s\n", message.c_str());
  return 1;
}

struct Question {
  std::string db;
  std::string text;
  std::string sql;
  std::string sql_key;  // the SQL lower-cased, whitespace collapsed: "identical" SQL
};

// Top-1 and top-5 figures of one ranking, over all questions and leaving out identical SQL.
struct Score {
  size_t questions = 0;
  size_t top1[2] = {0, 0};        // [all, excluding identical SQL]
  double top5_share[2] = {0, 0};  // sum over questions of the share of the top 5 of its db
  size_t top5_any[2] = {0, 0};    // questions with at least one of its db in the top 5
  std::vector<double> ms;

  // `ranked`: indexes of dev questions (the examples), best first, the question itself never.
  void add(const std::vector<Question>& qs, size_t q, const std::vector<size_t>& ranked) {
    for (int variant = 0; variant < 2; ++variant) {
      std::vector<size_t> top;
      for (size_t e : ranked) {
        if (variant == 1 && qs[e].sql_key == qs[q].sql_key) continue;
        top.push_back(e);
        if (top.size() == 5) break;
      }
      if (!top.empty() && qs[top[0]].db == qs[q].db) ++top1[variant];
      size_t same = 0;
      for (size_t e : top) same += qs[e].db == qs[q].db;
      top5_share[variant] += static_cast<double>(same) / 5.0;
      if (same > 0) ++top5_any[variant];
    }
    ++questions;
  }

  void print(const char* name) const {
    const double n = std::max<size_t>(questions, 1);
    std::printf("%-34s %6.1f%% %6.1f%%   %6.1f%% %6.1f%%   %6.1f%% %6.1f%%   %7.2f %7.2f\n", name,
                100.0 * top1[0] / n, 100.0 * top1[1] / n, 100.0 * top5_share[0] / n,
                100.0 * top5_share[1] / n, 100.0 * top5_any[0] / n, 100.0 * top5_any[1] / n,
                percentile(ms, 0.5), percentile(ms, 0.99));
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string spider = std::string(ASKDB_SHARED_DATA) + "/spider";
  size_t limit_questions = 0;
  retrieval::KnowledgeSearchOptions search;
  std::string explain;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--spider") spider = value;
    if (flag == "--questions") limit_questions = std::strtoul(value, nullptr, 10);
    if (flag == "--weak") search.weak_weight = std::atof(value);
    if (flag == "--stem-only") search.stem_only_weight = std::atof(value);
    if (flag == "--trigram-share") search.trigram_share = std::atof(value);
    if (flag == "--vector-share") search.vector_share = std::atof(value);
    if (flag == "--vector-candidates") search.vector_candidates = std::strtoul(value, nullptr, 10);
    if (flag == "--candidates") search.candidates = std::strtoul(value, nullptr, 10);
    if (flag == "--explain") explain = value;
  }

  json dev;
  std::ifstream in(spider + "/dev.json");
  if (!in) return fail(spider + "/dev.json is missing; pass --spider DIR");
  in >> dev;
  std::vector<Question> qs;
  for (const auto& d : dev) {
    const std::string sql = d["query"].get<std::string>();
    qs.push_back({d["db_id"].get<std::string>(), d["question"].get<std::string>(), sql,
                  to_lower(collapse_whitespace(trim(sql)))});
  }
  const size_t evaluated = limit_questions > 0 ? std::min(limit_questions, qs.size()) : qs.size();
  size_t with_twin = 0;
  for (size_t q = 0; q < qs.size(); ++q) {
    for (size_t e = 0; e < qs.size(); ++e) {
      if (e != q && qs[e].sql_key == qs[q].sql_key) {
        ++with_twin;
        break;
      }
    }
  }
  std::printf(
      "Spider dev: %zu questions (%zu evaluated); %zu have another question with "
      "identical SQL\n",
      qs.size(), evaluated, with_twin);

  // The knowledge of all questions but `skip`, and the dev index of each of its examples.
  const auto knowledge_without = [&qs](size_t skip, std::vector<size_t>& index) {
    retrieval::Knowledge k;
    index.clear();
    for (size_t e = 0; e < qs.size(); ++e) {
      if (e == skip) continue;
      k.examples.push_back({qs[e].text, qs[e].sql});
      index.push_back(e);
    }
    return k;
  };

  // 1. In process.
  Score in_process;
  {
    std::vector<size_t> index;
    retrieval::Knowledge all = knowledge_without(qs.size(), index);
    for (size_t q = 0; q < evaluated; ++q) {
      const auto start = Clock::now();
      // Every example ranked: the one left out is the question itself, at the top.
      const auto ranked = retrieval::rank_examples(all, qs[q].text, all.examples.size(), false);
      in_process.ms.push_back(ms_since(start));
      std::vector<size_t> order;
      for (const auto& m : ranked) {
        const size_t e = static_cast<size_t>(m.example - all.examples.data());
        if (e != q) order.push_back(e);
      }
      in_process.add(qs, q, order);
    }
  }

  // 2. The index, in a private cluster.
  char templ[] = "/tmp/askdb-knowledge-XXXXXX";
  const std::string home = mkdtemp(templ);
  chmod(home.c_str(), 0711);
  EmbeddedConfig embedded;
  embedded.home = home;
  auto cluster =
      pg::EmbeddedCluster::open(embedded, [](const std::string&) { return ok_status(); });
  if (!cluster) return fail(cluster.error().message);
  const auto cleanup = [&] {
    (*cluster)->release();
    cluster->reset();
    std::error_code ec;
    std::filesystem::remove_all(home, ec);
  };
  auto conn = pg::Connection::open((*cluster)->owner_conninfo(), "the benchmark database");
  if (!conn) {
    cleanup();
    return fail(conn.error().message);
  }
  if (auto st = store::migrate(*conn, "askdb"); !st) {
    cleanup();
    return fail(st.error().message);
  }
  const bool trigram = conn->exec("CREATE EXTENSION IF NOT EXISTS pg_trgm").ok();
  retrieval::BuiltinEmbedder embedder;

  // Sync times: 1,033 examples into an empty index, then the same again.
  std::vector<size_t> index;
  const retrieval::Knowledge most = knowledge_without(0, index);
  for (llm::Embedder* e :
       {static_cast<llm::Embedder*>(nullptr), static_cast<llm::Embedder*>(&embedder)}) {
    (void)conn->exec("DELETE FROM askdb.knowledge_documents; DELETE FROM askdb.knowledge_terms");
    auto first = retrieval::sync_knowledge_index(*conn, "askdb", most, e);
    if (!first) {
      cleanup();
      return fail(first.error().message);
    }
    auto fresh = retrieval::sync_knowledge_index(*conn, "askdb", most, e);
    auto again = retrieval::sync_knowledge_index(*conn, "askdb", most, e, first->synced.get());
    if (!fresh || !again) {
      cleanup();
      return fail((!fresh ? fresh : again).error().message);
    }
    std::printf(
        "sync of %zu examples (%s): into an empty index %.0f ms (%zu added, %zu embedded); "
        "again, as a new process %.0f ms (%zu embedded); again, with the last result %.0f ms "
        "(%zu embedded)\n",
        most.examples.size(), e != nullptr ? "built-in embedder" : "no embedder", first->ms,
        first->added, first->embedded, fresh->ms, fresh->embedded, again->ms, again->embedded);
  }
  std::printf("pg_trgm in the store: %s\n", trigram ? "yes" : "no (trigram similarity unused)");
  if (!explain.empty()) {  // the search's plan for one question, then stop
    auto plan = conn->query(
        "EXPLAIN (ANALYZE, BUFFERS) " +
            retrieval::knowledge_search_sql("askdb", trigram ? "public" : ""),
        {explain, std::to_string(search.weak_weight), std::to_string(search.stem_only_weight),
         std::to_string(search.candidates), "{}"});
    if (!plan) {
      cleanup();
      return fail(plan.error().message);
    }
    for (const auto& row : plan->rows) std::printf("%s\n", row[0].value_or("").c_str());
    cleanup();
    return 0;
  }

  // Leave-one-out through the index, text only and with vectors.
  Score text_only, with_vectors;
  std::vector<double> loo_sync_ms;
  for (llm::Embedder* e :
       {static_cast<llm::Embedder*>(nullptr), static_cast<llm::Embedder*>(&embedder)}) {
    Score& score = e == nullptr ? text_only : with_vectors;
    std::shared_ptr<const retrieval::SyncedKnowledge> last;
    for (size_t q = 0; q < evaluated; ++q) {
      const retrieval::Knowledge k = knowledge_without(q, index);
      const auto sync_start = Clock::now();
      // The example left out is deleted at once (no other process to keep it for).
      auto synced = retrieval::sync_knowledge_index(*conn, "askdb", k, e, last.get(),
                                                    std::chrono::seconds(0));
      loo_sync_ms.push_back(ms_since(sync_start));
      if (!synced) {
        cleanup();
        return fail(synced.error().message);
      }
      last = synced->synced;
      size_t twins = 0;
      for (size_t o = 0; o < qs.size(); ++o) twins += o != q && qs[o].sql_key == qs[q].sql_key;
      retrieval::KnowledgeSearchOptions options = search;
      options.limit = 5 + twins;
      const auto start = Clock::now();
      std::vector<float> asked;
      if (e != nullptr) {
        asked = embedder.embed_text(qs[q].text);
        options.question_vector = &asked;
      }
      auto hits = retrieval::search_knowledge(*conn, "askdb", qs[q].text, *last, options);
      score.ms.push_back(ms_since(start));
      if (!hits) {
        cleanup();
        return fail(hits.error().message);
      }
      std::vector<size_t> order;
      for (const auto& h : *hits) order.push_back(index[h.entry.position]);
      score.add(qs, q, order);
    }
  }

  std::printf(
      "\nexamples of the question's own database (leave-one-out over Spider dev; \"excl.\": "
      "examples with the question's own SQL left out)\n");
  std::printf("%-34s %15s   %15s   %15s   %15s\n", "", "top-1 same db", "top-5 share", "top-5 any",
              "search ms");
  std::printf("%-34s %7s %7s   %7s %7s   %7s %7s   %7s %7s\n", "", "all", "excl.", "all", "excl.",
              "all", "excl.", "p50", "p99");
  in_process.print("in process (rank_examples)");
  text_only.print(trigram ? "index: full text + pg_trgm" : "index: full text");
  with_vectors.print("index + built-in embedder vectors");
  std::printf(
      "\nsearch options: weak words %.2f, stem only %.2f, trigram share %.2f, vector share "
      "%.2f, %zu vector candidates, %zu text candidates; leave-one-out syncs (one removed, one "
      "added): p50 %.1f ms, p99 %.1f ms\n",
      search.weak_weight, search.stem_only_weight, search.trigram_share, search.vector_share,
      search.vector_candidates, search.candidates, percentile(loo_sync_ms, 0.5),
      percentile(loo_sync_ms, 0.99));
  cleanup();
  return 0;
}
