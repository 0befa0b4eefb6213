#include "retrieval/knowledge_index.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <unordered_set>

#include "core/text.h"
#include "llm/sigv4.h"
#include "retrieval/catalog.h"
#include "retrieval/schema_index.h"
#include "retrieval/schema_vectors.h"

namespace askdb::retrieval {
namespace {

// Bump whenever what a document holds (documents_of) changes meaning: every hash changes with
// it, so the next sync rewrites every document.
constexpr const char* kDocumentsVersion = "knowledge-v1";

// The most of a document's words the tsvectors are made from: a tsvector holds at most 1 MB,
// and a note pages long says little more in its later pages.
constexpr size_t kMaxWordsBytes = 256 * 1024;

// Documents inserted, and texts embedded, per statement or call.
constexpr size_t kSlice = 512;

std::string cell(const pg::Cell& c) { return c.value_or(""); }

bool idle(pg::Connection& conn) { return PQtransactionStatus(conn.raw()) == PQTRANS_IDLE; }

// Each part with its length first, so no two different contents hash the same text.
std::string content_hash(KnowledgeKind kind, std::string_view title, std::string_view body,
                         std::string_view model) {
  std::string text = kDocumentsVersion;
  for (const std::string_view part :
       {std::string_view(knowledge_kind_name(kind)), title, body, model}) {
    text += "\n" + std::to_string(part.size()) + ":";
    text += part;
  }
  return llm::sha256_hex(text);
}

// Keywords and the commonest functions of SQL: words of the statement's shape, not of its data.
const std::set<std::string, std::less<>>& sql_keywords() {
  static const std::set<std::string, std::less<>> words = {
      "all",    "and",      "any",    "array",     "as",        "asc",      "avg",       "between",
      "by",     "case",     "cast",   "coalesce",  "count",     "cross",    "current",   "date",
      "desc",   "distinct", "else",   "end",       "except",    "exists",   "extract",   "false",
      "fetch",  "filter",   "first",  "following", "for",       "from",     "full",      "group",
      "having", "ilike",    "in",     "inner",     "intersect", "interval", "is",        "join",
      "last",   "lateral",  "left",   "like",      "limit",     "max",      "min",       "natural",
      "not",    "null",     "nullif", "nulls",     "offset",    "on",       "only",      "or",
      "order",  "outer",    "over",   "partition", "preceding", "range",    "recursive", "right",
      "round",  "row",      "rows",   "select",    "similar",   "some",     "sum",       "then",
      "ties",   "to",       "true",   "unbounded", "union",     "using",    "values",    "when",
      "where",  "window",   "with",   "within"};
  return words;
}

bool identifier_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool identifier_part(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

// "{0.1,-2e-05,...}" → floats; false when it is not a flat array of numbers.
// One document to be: an entry of the Knowledge with its hash, what is searched and embedded.
struct Document {
  std::string hash;
  KnowledgeEntry entry;
  std::string title, body, words, weak_words, embedded;
};

// The distinct documents of `knowledge` (an entry repeating an earlier one's content is left
// out: its document is the earlier one's), examples first.
std::vector<Document> documents_of(const Knowledge& knowledge, const std::string& model) {
  std::vector<Document> out;
  std::unordered_set<std::string> seen;
  const auto add = [&](KnowledgeKind kind, size_t position, const std::string& title,
                       const std::string& body, std::string words, std::string weak,
                       std::string embedded) {
    std::string hash = content_hash(kind, title, body, model);
    if (!seen.insert(hash).second) return;
    out.push_back({std::move(hash),
                   {kind, position},
                   title,
                   body,
                   std::string(utf8_prefix(words, kMaxWordsBytes)),
                   std::string(utf8_prefix(weak, kMaxWordsBytes)),
                   std::move(embedded)});
  };
  for (size_t i = 0; i < knowledge.examples.size(); ++i) {
    const VerifiedExample& e = knowledge.examples[i];
    add(KnowledgeKind::kExample, i, e.question, e.sql, e.question, sql_identifier_words(e.sql),
        e.question);
  }
  for (size_t i = 0; i < knowledge.glossary.size(); ++i) {
    const GlossaryNote& n = knowledge.glossary[i];
    add(KnowledgeKind::kNote, i, n.term, n.text, n.term, n.text, n.term + ": " + n.text);
  }
  return out;
}

// pg_trgm's schema when the store's role may use it; "" otherwise, with a warning saying what
// to do. The knowledge index never creates the extension (indexing values does, when it may).
Result<std::string> trigram_schema(pg::Connection& store, std::vector<std::string>& warnings) {
  auto found = store.query(
      "SELECT n.nspname, has_schema_privilege(n.oid, 'USAGE') "
      "FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
      "WHERE e.extname = 'pg_trgm'");
  if (!found) return found.error();
  if (found->rows.empty()) {
    warnings.push_back(
        "pg_trgm is not installed in the app store's database, so examples and notes are "
        "matched by their words and vectors only, without trigram similarity. askdb creates it "
        "when it indexes values and its role may (askdb index); otherwise a database owner can "
        "run CREATE EXTENSION pg_trgm in the app store's database.");
    return std::string();
  }
  const std::string schema = cell(found->rows[0][0]);
  if (cell(found->rows[0][1]) != "t") {
    warnings.push_back("pg_trgm is installed in schema " + schema +
                       ", which the app store's role may not use, so examples and notes are "
                       "matched without trigram similarity. GRANT USAGE ON SCHEMA " +
                       sql_identifier(schema) + " to the app store's role.");
    return std::string();
  }
  return schema;
}

}  // namespace

const char* knowledge_kind_name(KnowledgeKind kind) {
  return kind == KnowledgeKind::kExample ? "example" : "note";
}

std::string sql_identifier_words(std::string_view sql) {
  std::vector<std::string> words;
  std::set<std::string, std::less<>> seen;
  const auto add = [&](std::string_view identifier) {
    for (const std::string& w : split(identifier_words(identifier), ' ')) {
      // Single letters and numbers are aliases' and positions' (t1, 2), not the data's words.
      if (w.size() < 2 ||
          std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        continue;
      }
      if (seen.insert(w).second) words.push_back(w);
    }
  };
  size_t i = 0;
  while (i < sql.size()) {
    const auto c = static_cast<unsigned char>(sql[i]);
    if (c == '\'') {  // a literal: the data's values, which the question names itself
      for (++i; i < sql.size(); ++i) {
        if (sql[i] == '\'' && i + 1 < sql.size() && sql[i + 1] == '\'') {
          ++i;
        } else if (sql[i] == '\'') {
          ++i;
          break;
        }
      }
    } else if (c == '"') {  // a quoted identifier: a name, whatever it holds
      std::string name;
      for (++i; i < sql.size(); ++i) {
        if (sql[i] == '"' && i + 1 < sql.size() && sql[i + 1] == '"') {
          name += '"';
          ++i;
        } else if (sql[i] == '"') {
          ++i;
          break;
        } else {
          name += sql[i];
        }
      }
      add(name);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (identifier_start(c)) {
      const size_t from = i;
      while (i < sql.size() && identifier_part(static_cast<unsigned char>(sql[i]))) ++i;
      const std::string_view word = sql.substr(from, i - from);
      if (sql_keywords().count(to_lower(word)) == 0) add(word);
    } else if (std::isdigit(c)) {  // a number, or a number's exponent (1e5): not a name
      while (i < sql.size() && identifier_part(static_cast<unsigned char>(sql[i]))) ++i;
    } else {
      ++i;
    }
  }
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

const SyncedKnowledge::Document* SyncedKnowledge::find(std::string_view hash) const {
  auto it = by_hash_.find(std::string(hash));
  return it == by_hash_.end() ? nullptr : &documents_[it->second];
}

std::vector<SyncedKnowledge::Near> SyncedKnowledge::nearest(const std::vector<float>& query,
                                                            size_t k) const {
  std::vector<Near> hits;
  for (const auto& [similarity, row] : nearest_rows(vectors_, dimensions_, query, k)) {
    hits.push_back({embedded_[row], similarity});
  }
  return hits;
}

// sync_knowledge_index(), with access to SyncedKnowledge's insides.
class KnowledgeSyncer {
 public:
  KnowledgeSyncer(pg::Connection& store, const std::string& store_schema,
                  const Knowledge& knowledge, llm::Embedder* embedder,
                  const SyncedKnowledge* previous, std::chrono::seconds keep_others)
      : keep_others_(keep_others),
        store_(store),
        schema_(store_schema),
        s_(pg::quote_ident(store_schema)),
        embedder_(embedder),
        model_(embedder != nullptr ? embedder->model() : ""),
        documents_(documents_of(knowledge, model_)) {
    // The vectors an earlier sync with this embedder holds: not embedded, nor read, again.
    if (previous != nullptr && embedder != nullptr && previous->model() == model_) {
      std::unordered_set<std::string> wanted;
      for (const Document& d : documents_) wanted.insert(d.hash);
      for (size_t e = 0; e < previous->embedded_.size(); ++e) {
        const std::string& hash = previous->documents_[previous->embedded_[e]].hash;
        if (wanted.count(hash) == 0) continue;
        const float* v = previous->vectors_.data() + e * previous->dimensions_;
        vectors_[hash] = std::vector<float>(v, v + previous->dimensions_);
      }
    }
  }

  Result<KnowledgeSyncReport> run() {
    const auto start = std::chrono::steady_clock::now();
    if (!idle(store_)) {
      return Error{ErrorCode::kInternal,
                   "sync_knowledge_index() needs a connection outside a transaction"};
    }
    KnowledgeSyncReport report;
    auto trgm = trigram_schema(store_, report.warnings);
    if (!trgm) return failed(trgm.error());
    report.trigram = !trgm->empty();

    // New documents are embedded before the transaction: a provider's embedder may take
    // seconds, which the lock would make other replicas wait for.
    auto stored = stored_hashes();
    if (!stored) return failed(stored.error());
    if (auto st = embed_missing(*stored, report); !st) return failed(st.error());

    if (auto st = store_.exec("BEGIN"); !st) return failed(st.error());
    // One sync at a time per store schema; the lock is its own statement, so that the reads
    // after it see what the replica that held it committed.
    auto locked =
        store_.query("SELECT pg_advisory_xact_lock(hashtext($1))", {schema_ + ".knowledge_index"});
    if (!locked) return rolled_back(locked.error());
    stored = stored_hashes();
    if (!stored) return rolled_back(stored.error());
    std::vector<std::string> current;
    for (const Document& d : documents_) current.push_back(d.hash);
    // What this sync holds is marked seen (at most once a day: not a write per refresh); what
    // no sync held for keep_others goes.
    auto seen = store_.query("UPDATE " + s_ +
                                 ".knowledge_documents SET seen_at = now() WHERE content_hash "
                                 "= ANY($1::text[]) AND seen_at < now() - interval '1 day'",
                             {text_array_literal(current)});
    if (!seen) return rolled_back(seen.error());
    auto gone = store_.query("WITH gone AS (DELETE FROM " + s_ +
                                 ".knowledge_documents WHERE NOT (content_hash = ANY($1::text[])) "
                                 "AND seen_at <= now() - make_interval(secs => $2::float8) "
                                 "RETURNING 1) SELECT count(*) FROM gone",
                             {text_array_literal(current), std::to_string(keep_others_.count())});
    if (!gone) return rolled_back(gone.error());
    report.removed = static_cast<size_t>(std::atoll(cell(gone->rows.at(0).at(0)).c_str()));
    // Added by no one since the first look, unless another replica removed it meanwhile: then
    // it is embedded here (rare).
    if (auto st = embed_missing(*stored, report); !st) return rolled_back(st.error());
    if (auto st = insert_missing(*stored, report); !st) return rolled_back(st.error());
    report.kept = documents_.size() - report.added;
    if (auto st = read_stored_vectors(); !st) return rolled_back(st.error());
    if (report.added + report.removed > 0) {
      auto terms = store_.exec(
          "DELETE FROM " + s_ + ".knowledge_terms; INSERT INTO " + s_ +
          ".knowledge_terms (word, documents, titles) SELECT u.lexeme, count(*), count(*) "
          "FILTER (WHERE 'A' = ANY(u.weights)) FROM " +
          s_ + ".knowledge_documents d, unnest(d.tsv_english) u GROUP BY u.lexeme");
      if (!terms) return rolled_back(terms.error());
    }
    if (auto st = store_.exec("COMMIT"); !st) return rolled_back(st.error());
    // Fresh statistics after a large change (the first sync, a file of examples replaced), so
    // that the search's plan fits the documents. Best effort: the index is written.
    if ((report.added + report.removed) * 10 >= std::max<size_t>(documents_.size(), 1)) {
      (void)store_.exec("ANALYZE " + s_ + ".knowledge_documents, " + s_ + ".knowledge_terms");
    }

    auto synced = std::make_shared<SyncedKnowledge>();
    synced->model_ = model_;
    synced->trigram_schema_ = *trgm;
    for (Document& d : documents_) {
      synced->by_hash_.emplace(d.hash, synced->documents_.size());
      auto v = vectors_.find(d.hash);
      if (v != vectors_.end() && !v->second.empty()) {
        if (synced->dimensions_ == 0) synced->dimensions_ = v->second.size();
        if (v->second.size() == synced->dimensions_) {
          synced->embedded_.push_back(synced->documents_.size());
          synced->vectors_.insert(synced->vectors_.end(), v->second.begin(), v->second.end());
        }
      }
      synced->documents_.push_back({std::move(d.hash), d.entry});
    }
    report.synced = std::move(synced);
    report.ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return report;
  }

 private:
  Error failed(const Error& e) const {
    return Error{e.code, "syncing the knowledge index (examples and notes) failed: " + e.message +
                             advice(e)};
  }
  Error rolled_back(const Error& e) {
    (void)store_.exec("ROLLBACK");
    return failed(e);
  }
  static std::string advice(const Error& e) {
    if (e.message.find("(SQLSTATE 42P01)") != std::string::npos) {
      return " The app store lacks the knowledge index's tables: run `askdb migrate` (or start "
             "askdb, which migrates).";
    }
    return "";
  }

  Result<std::unordered_set<std::string>> stored_hashes() {
    auto rows = store_.query("SELECT content_hash FROM " + s_ + ".knowledge_documents");
    if (!rows) return rows.error();
    std::unordered_set<std::string> out;
    for (const auto& r : rows->rows) out.insert(cell(r[0]));
    return out;
  }

  // Embeds the documents neither `stored` nor vectors_ holds.
  Status embed_missing(const std::unordered_set<std::string>& stored, KnowledgeSyncReport& report) {
    if (embedder_ == nullptr) return ok_status();
    std::vector<const Document*> todo;
    for (const Document& d : documents_) {
      if (stored.count(d.hash) == 0 && vectors_.count(d.hash) == 0) todo.push_back(&d);
    }
    for (size_t from = 0; from < todo.size(); from += kSlice) {
      const size_t to = std::min(todo.size(), from + kSlice);
      std::vector<std::string> texts;
      for (size_t i = from; i < to; ++i) texts.push_back(todo[i]->embedded);
      report.embedded += texts.size();
      auto embedded = embedder_->embed(std::move(texts));
      if (!embedded) {
        return Error{embedded.error().code, "embedding the examples and notes (" +
                                                embedder_->describe() +
                                                ") failed: " + embedded.error().message};
      }
      // A short reply would store documents without vectors for good (their hash never
      // changes, so they are never embedded again): an error instead, to be tried again. (An
      // empty vector is the embedder's answer for a text with nothing to embed: kept.)
      if (embedded->vectors.size() != to - from) {
        return Error{ErrorCode::kLlm, "embedding the examples and notes (" + embedder_->describe() +
                                          ") returned " + std::to_string(embedded->vectors.size()) +
                                          " vectors for " + std::to_string(to - from) +
                                          " texts; check the embedding model and try again"};
      }
      for (size_t i = from; i < to; ++i) {
        vectors_[todo[i]->hash] = std::move(embedded->vectors[i - from]);
      }
    }
    return ok_status();
  }

  Status insert_missing(const std::unordered_set<std::string>& stored,
                        KnowledgeSyncReport& report) {
    std::vector<const Document*> todo;
    for (const Document& d : documents_) {
      if (stored.count(d.hash) == 0) todo.push_back(&d);
    }
    for (size_t from = 0; from < todo.size(); from += kSlice) {
      const size_t to = std::min(todo.size(), from + kSlice);
      std::vector<std::string> hash, kind, title, body, words, weak, embedding;
      for (size_t i = from; i < to; ++i) {
        const Document& d = *todo[i];
        hash.push_back(d.hash);
        kind.push_back(knowledge_kind_name(d.entry.kind));
        title.push_back(d.title);
        body.push_back(d.body);
        words.push_back(d.words);
        weak.push_back(d.weak_words);
        auto v = vectors_.find(d.hash);
        embedding.push_back(v != vectors_.end() ? float_array_literal(v->second) : "");
      }
      auto inserted = store_.query(
          "INSERT INTO " + s_ +
              ".knowledge_documents (content_hash, kind, title, body, words, weak_words, "
              "embedding) SELECT h, k, t, b, w, ww, nullif(e, '')::float4[] FROM "
              "unnest($1::text[], "
              "$2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) "
              "AS u(h, k, t, b, w, ww, e) ON CONFLICT (content_hash) DO NOTHING RETURNING 1",
          {text_array_literal(hash), text_array_literal(kind), text_array_literal(title),
           text_array_literal(body), text_array_literal(words), text_array_literal(weak),
           text_array_literal(embedding)});
      if (!inserted) return inserted.error();
      report.added += inserted->rows.size();
    }
    return ok_status();
  }

  // The stored vectors of the documents whose vectors are not in hand (kept from before this
  // process, or from before the previous sync's embedder).
  Status read_stored_vectors() {
    if (embedder_ == nullptr) return ok_status();
    std::vector<std::string> wanted;
    for (const Document& d : documents_) {
      if (vectors_.count(d.hash) == 0) wanted.push_back(d.hash);
    }
    for (size_t from = 0; from < wanted.size(); from += kSlice) {
      const size_t to = std::min(wanted.size(), from + kSlice);
      auto rows = store_.query("SELECT content_hash, embedding FROM " + s_ +
                                   ".knowledge_documents WHERE content_hash = ANY($1::text[]) "
                                   "AND embedding IS NOT NULL",
                               {text_array_literal(std::vector<std::string>(
                                   wanted.begin() + static_cast<std::ptrdiff_t>(from),
                                   wanted.begin() + static_cast<std::ptrdiff_t>(to)))});
      if (!rows) return rows.error();
      for (const auto& r : rows->rows) {
        std::vector<float> v;
        if (parse_float_array(cell(r[1]), v)) vectors_[cell(r[0])] = std::move(v);
      }
    }
    return ok_status();
  }

  std::chrono::seconds keep_others_;
  pg::Connection& store_;
  const std::string& schema_;
  const std::string s_;
  llm::Embedder* embedder_;
  const std::string model_;
  std::vector<Document> documents_;
  std::unordered_map<std::string, std::vector<float>> vectors_;  // by hash
};

Result<KnowledgeSyncReport> sync_knowledge_index(
    pg::Connection& store, const std::string& store_schema, const Knowledge& knowledge,
    llm::Embedder* embedder, const SyncedKnowledge* previous, std::chrono::seconds keep_others) {
  return KnowledgeSyncer(store, store_schema, knowledge, embedder, previous, keep_others).run();
}

std::string knowledge_search_sql(const std::string& store_schema,
                                 const std::string& trigram_schema) {
  const std::string s = pg::quote_ident(store_schema);
  // The question's words as written ('simple') and their English lexemes, numbers left out;
  // per lexeme its spellings and weight (log(1 + N/df), df among the titles when a title holds
  // it: a word every title holds still counts a little, so one or two examples are found). Per
  // document holding a lexeme: the sum of their weights, less for a lexeme only in the weaker words
  // (not weighted A) or not as written. The best $4 documents by that sum, and those the vectors
  // found ($5), are returned with the question's total weight and the weight of the document's own
  // title, and, with pg_trgm, the trigram similarity of its title to the question.
  std::string sql =
      "WITH qs AS (SELECT s.word AS spelling, e.word "
      "FROM unnest(tsvector_to_array(to_tsvector('simple', $1))) s(word), "
      "LATERAL unnest(tsvector_to_array(to_tsvector('english', s.word))) e(word) "
      "WHERE e.word !~ '^[0-9]+$'), "
      "n AS (SELECT greatest(count(*), 1)::float8 AS documents FROM " +
      s +
      ".knowledge_documents), "
      "t AS MATERIALIZED (SELECT qs.word, "
      "to_tsquery('simple', string_agg(DISTINCT quote_literal(qs.spelling), ' | ')) AS spelled, "
      "quote_literal(qs.word)::tsquery AS query, (quote_literal(qs.word) || ':A')::tsquery AS "
      "strong, ln(1 + (SELECT documents FROM n) / min(CASE WHEN kt.titles > 0 THEN kt.titles "
      "ELSE kt.documents END)) AS idf FROM qs JOIN " +
      s +
      ".knowledge_terms kt ON kt.word = qs.word GROUP BY qs.word), "
      "m AS (SELECT d.content_hash, sum(t.idf * CASE WHEN d.tsv_english @@ t.strong THEN 1 "
      "ELSE $2::float8 END * CASE WHEN d.tsv_simple @@ t.spelled THEN 1 ELSE $3::float8 END) "
      "AS matched FROM t JOIN " +
      s +
      ".knowledge_documents d ON d.tsv_english @@ t.query GROUP BY d.content_hash), "
      "c AS MATERIALIZED ((SELECT content_hash FROM m ORDER BY matched DESC, content_hash "
      "LIMIT $4::int) UNION SELECT unnest($5::text[])), "
      // The weight of each candidate's own title, for all of them at once (one pass over
      // knowledge_terms, not one per candidate).
      "own AS (SELECT d.content_hash, sum(ln(1 + (SELECT documents FROM n) / greatest(kt.titles, "
      "1))) "
      "AS info FROM c JOIN " +
      s +
      ".knowledge_documents d ON d.content_hash = c.content_hash, "
      "unnest(tsvector_to_array(ts_filter(d.tsv_english, '{a}'))) w(word) JOIN " +
      s +
      ".knowledge_terms kt ON kt.word = w.word WHERE w.word !~ '^[0-9]+$' "
      "GROUP BY d.content_hash) "
      "SELECT d.content_hash, coalesce(m.matched, 0), (SELECT coalesce(sum(idf), 0) FROM t), "
      "coalesce(own.info, 0)";
  if (!trigram_schema.empty()) {
    sql += ", " + sql_identifier(trigram_schema) + ".similarity(d.title, $1)";
  }
  sql += " FROM c JOIN " + s +
         ".knowledge_documents d ON d.content_hash = c.content_hash "
         "LEFT JOIN m ON m.content_hash = d.content_hash "
         "LEFT JOIN own ON own.content_hash = d.content_hash";
  return sql;
}

Result<std::vector<KnowledgeHit>> search_knowledge(pg::Connection& store,
                                                   const std::string& store_schema,
                                                   std::string_view question,
                                                   const SyncedKnowledge& synced,
                                                   const KnowledgeSearchOptions& options) {
  std::vector<KnowledgeHit> hits;
  if (options.limit == 0 || synced.documents().empty()) return hits;

  // The nearest documents by vector, scaled between the last candidate's similarity and the
  // best one's.
  std::unordered_map<size_t, double> near;  // document → similarity
  double best = 0, last = 0;
  std::vector<std::string> near_hashes;
  if (options.question_vector != nullptr && !options.question_vector->empty()) {
    const auto found = synced.nearest(*options.question_vector, options.vector_candidates);
    for (const auto& n : found) {
      near[n.document] = n.similarity;
      near_hashes.push_back(synced.documents()[n.document].hash);
    }
    if (!found.empty()) {
      best = found.front().similarity;
      last = found.back().similarity;
    }
  }

  const std::string q(question);
  const std::vector<pg::Cell> params = {
      q, std::to_string(options.weak_weight), std::to_string(options.stem_only_weight),
      std::to_string(options.candidates), text_array_literal(near_hashes)};
  bool trigram = !synced.trigram_schema().empty();
  auto rows = store.query(
      knowledge_search_sql(store_schema, trigram ? synced.trigram_schema() : ""), params);
  if (!rows && trigram && idle(store)) {
    // pg_trgm dropped (or moved) since the sync: words and vectors still match.
    trigram = false;
    rows = store.query(knowledge_search_sql(store_schema, ""), params);
  }
  if (!rows) {
    return Error{
        rows.error().code,
        "searching the knowledge index (examples and notes) failed: " + rows.error().message +
            " (askdb ranks them in memory meanwhile; if the index's tables are missing, "
            "askdb migrate creates them and askdb index fills them)"};
  }
  for (const auto& r : rows->rows) {
    const SyncedKnowledge::Document* doc = synced.find(cell(r[0]));
    if (doc == nullptr) continue;  // of other knowledge (another replica's)
    const double matched = std::strtod(cell(r[1]).c_str(), nullptr);
    const double asked = std::strtod(cell(r[2]).c_str(), nullptr);
    const double own = std::strtod(cell(r[3]).c_str(), nullptr);
    KnowledgeHit hit;
    hit.entry = doc->entry;
    if (matched > 0 && asked > 0) {
      hit.text = std::min(1.0, own > 0 ? matched / std::sqrt(asked * own) : matched / asked);
    }
    if (trigram && r.size() > 4) hit.trigram = std::strtod(cell(r[4]).c_str(), nullptr);
    const size_t index = static_cast<size_t>(doc - synced.documents().data());
    double vector_part = 0;
    if (auto it = near.find(index); it != near.end()) {
      hit.vector = it->second;
      vector_part = best > last ? (it->second - last) / (best - last) : 1.0;
    }
    hit.score = hit.text + options.trigram_share * hit.trigram + options.vector_share * vector_part;
    if (hit.score > 0) hits.push_back(hit);
  }
  std::sort(hits.begin(), hits.end(), [](const KnowledgeHit& a, const KnowledgeHit& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.entry.kind != b.entry.kind) return a.entry.kind == KnowledgeKind::kExample;
    return a.entry.position < b.entry.position;
  });
  std::vector<KnowledgeHit> out;
  size_t examples = 0, notes = 0;
  for (const KnowledgeHit& h : hits) {
    size_t& taken = h.entry.kind == KnowledgeKind::kExample ? examples : notes;
    if (taken >= options.limit) continue;
    ++taken;
    out.push_back(h);
  }
  return out;
}

}  // namespace askdb::retrieval
