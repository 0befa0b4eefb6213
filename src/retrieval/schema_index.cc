#include "retrieval/schema_index.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

#include "core/text.h"
#include "retrieval/abbreviations.h"
#include "retrieval/builtin_embedder.h"

namespace askdb::retrieval {
namespace {

// Where a word was found, and what that says about the table: its own name says the most.
constexpr double kTableName = 1.0;
constexpr double kColumnName = 0.7;
constexpr double kTableDetail = 0.4;
constexpr double kColumnDetail = 0.3;

// The most of a comment, and of a document's details, that the documents hold: a tsvector holds
// at most 1 MB of distinct words, and a comment pages long says little more about a table than
// its first pages. Cut at a UTF-8 character's edge.
constexpr size_t kMaxCommentBytes = 16 * 1024;
constexpr size_t kMaxDetailBytes = 256 * 1024;

std::string cut(std::string_view text, size_t max_bytes) {
  return std::string(utf8_prefix(text, max_bytes));
}

std::string words_of(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + identifier_words(n);
  return out;
}

// The words of the catalog's table and column names.
using Vocabulary = std::set<std::string, std::less<>>;

Vocabulary vocabulary_of(const Catalog& catalog) {
  Vocabulary v;
  const auto add = [&v](const std::string& name) {
    for (const std::string& w : split(identifier_words(name), ' ')) {
      if (!w.empty()) v.insert(w);
    }
  };
  for (const CatalogTable& t : catalog.tables) {
    add(t.name);
    for (const auto& c : t.columns) add(c.name);
  }
  return v;
}

// A name's words, and after them what each abbreviation stands for ("fname" → "fname first
// name") and the parts of each word written as two that the catalog also has as words of its
// own ("countrylanguage" → "countrylanguage country language"), so that the question's "first
// names" and "languages of a country" find them.
std::string name_words(const std::string& name, const Vocabulary& vocabulary) {
  std::string out = identifier_words(name);
  std::string parts;
  for (const std::string& w : split(out, ' ')) {
    if (const std::string expanded = expand_abbreviation(w); !expanded.empty()) {
      parts += " " + expanded;
    }
    if (w.size() < 6) continue;
    size_t best = 0;  // the split whose shorter part is longest
    for (size_t i = 3; i + 3 <= w.size(); ++i) {
      if (std::min(i, w.size() - i) <= std::min(best, w.size() - best)) continue;
      if (vocabulary.count(std::string_view(w).substr(0, i)) > 0 &&
          vocabulary.count(std::string_view(w).substr(i)) > 0) {
        best = i;
      }
    }
    if (best > 0) parts += " " + w.substr(0, best) + " " + w.substr(best);
  }
  return out + parts;
}

// The documents of one table: its own, then one per column.
struct Documents {
  std::vector<std::string> schema, table, column, name_words, detail_words, embedding_texts;

  void add(const CatalogTable& t, const std::string& c, std::string name, std::string detail,
           std::string embedded) {
    schema.push_back(t.schema);
    table.push_back(t.name);
    column.push_back(c);
    name_words.push_back(cut(name, kMaxDetailBytes));
    detail_words.push_back(cut(detail, kMaxDetailBytes));
    embedding_texts.push_back(cut(embedded, kMaxDetailBytes));
  }
};

Documents documents_of(const Catalog& catalog) {
  Documents d;
  const Vocabulary vocabulary = vocabulary_of(catalog);
  for (const CatalogTable& t : catalog.tables) {
    std::vector<std::string> columns, references;
    for (const auto& c : t.columns) columns.push_back(c.name);
    for (const auto& fk : t.foreign_keys) references.push_back(fk.ref_table);
    const std::string table_words = name_words(t.name, vocabulary);
    // The table: its comment, its columns' names and the tables its keys reach.
    std::string detail =
        cut(t.comment, kMaxCommentBytes) + " " + words_of(columns) + " " + words_of(references);
    if (t.kind != "table") detail += " " + t.kind;
    // Embedded: the name (twice: it says the most), the comment, the columns' names.
    std::string embedded = table_words + " " + table_words + " " + t.comment;
    for (const auto& c : t.columns) embedded += " " + name_words(c.name, vocabulary);
    d.add(t, "", table_words, detail, embedded);
    for (const auto& c : t.columns) {
      std::string column_detail =
          table_words + " " + cut(c.comment, kMaxCommentBytes) + " " + c.type;
      for (const auto& fk : t.foreign_keys) {
        if (std::find(fk.columns.begin(), fk.columns.end(), c.name) != fk.columns.end()) {
          column_detail += " " + identifier_words(fk.ref_table);
        }
      }
      const std::string column_words = name_words(c.name, vocabulary);
      d.add(t, c.name, column_words, column_detail,
            column_words + " " + table_words + " " + c.comment);
    }
  }
  return d;
}

// The question, and after it each two neighbouring words written as one ("high schoolers" →
// "highschoolers"), so that a name written as one word is found by its two (the search keeps
// only words some document has).
std::string with_joined_pairs(std::string_view question) {
  std::vector<std::string> words;
  std::string word;
  for (const char ch : question) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80) {
      word += static_cast<char>(std::tolower(c));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  std::string out(question);
  for (size_t i = 0; i + 1 < words.size(); ++i) out += " " + words[i] + words[i + 1];
  return out;
}

// The words of `question` (content_words) and their WordNet synonyms, as one text.
std::string synonyms_of(std::string_view question, const WordNet* wordnet) {
  std::string out;
  if (wordnet == nullptr || !wordnet->available()) return out;
  for (const std::string& w : content_words(question)) {
    for (const std::string& s : wordnet->synonyms(w, 1)) out += (out.empty() ? "" : " ") + s;
  }
  return out;
}

// A row of the search: one table and one word of the question.
struct WordRow {
  double idf = 0;        // the word's weight (its synonym's share included)
  double best = 0;       // idf × the best place the table holds it
  bool in_name = false;  // the table's own name holds it
  int name_words = 0;    // lexemes in the table's name (0 when its own document did not match)
  std::vector<std::string> columns;  // columns whose names hold it
};

}  // namespace

std::string identifier_words(std::string_view identifier) {
  std::string out;
  const auto boundary = [&out] {
    if (!out.empty() && out.back() != ' ') out += ' ';
  };
  for (size_t i = 0; i < identifier.size(); ++i) {
    const auto c = static_cast<unsigned char>(identifier[i]);
    const auto prev = i > 0 ? static_cast<unsigned char>(identifier[i - 1]) : 0;
    const auto next = i + 1 < identifier.size() ? static_cast<unsigned char>(identifier[i + 1]) : 0;
    if (!std::isalnum(c) && c < 0x80) {
      boundary();
      continue;
    }
    // orderItems → order Items; HTTPServer → HTTP Server; item2 → item 2.
    const bool upper = std::isupper(c) != 0;
    if (i > 0 &&
        ((upper && std::islower(prev)) ||
         (upper && std::isupper(prev) && next != 0 && std::islower(next)) ||
         (std::isdigit(c) && std::isalpha(prev)) || (std::isalpha(c) && std::isdigit(prev)))) {
      boundary();
    }
    out += static_cast<char>(std::tolower(c));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {

// The documents' vectors as float4[] literals ("" for a document with no word to embed: NULL),
// the embedder's model and the vectors' length.
struct Vectors {
  std::vector<std::string> literals;
  std::string model;
};

// The vectors of documents [from, to).
Result<Vectors> embed_documents(const Documents& d, size_t from, size_t to,
                                llm::Embedder* embedder) {
  Vectors out;
  out.literals.resize(to - from);
  if (embedder == nullptr) return out;
  auto embedded = embedder->embed(
      std::vector<std::string>(d.embedding_texts.begin() + static_cast<std::ptrdiff_t>(from),
                               d.embedding_texts.begin() + static_cast<std::ptrdiff_t>(to)));
  if (!embedded) {
    return Error{embedded.error().code, "embedding failed: " + embedded.error().message};
  }
  out.model = embedder->model();
  for (size_t i = 0; i < out.literals.size() && i < embedded->vectors.size(); ++i) {
    out.literals[i] = float_array_literal(embedded->vectors[i]);
  }
  return out;
}

// write_schema_index() and refresh_schema_index(): whether it wrote.
Result<bool> write_index(pg::Connection& store, const std::string& store_schema,
                         const Catalog& catalog, bool only_if_changed, llm::Embedder* embedder,
                         const std::atomic<bool>* stop) {
  const std::string s = pg::quote_ident(store_schema);
  const std::string fingerprint = index_fingerprint(catalog, embedder);
  const auto fail = [&store](const Error& e) {
    (void)store.exec("ROLLBACK");
    return Error{e.code, "indexing the schema failed: " + e.message};
  };
  if (auto st = store.exec("BEGIN"); !st) return fail(st.error());
  // One indexer at a time per store schema (two replicas starting together wait in turn).
  auto locked =
      store.query("SELECT pg_advisory_xact_lock(hashtext($1))", {store_schema + ".schema_index"});
  if (!locked) return fail(locked.error());
  // Memory for the GIN indexes' pending lists, merged as the documents go in: with the default
  // 4 MB, a 10,000-table catalog's documents are merged in many small rounds.
  if (auto st = store.exec("SET LOCAL work_mem = '64MB'"); !st) return fail(st.error());
  if (only_if_changed) {
    auto stored = store.query("SELECT fingerprint FROM " + s + ".schema_index_state");
    if (!stored) return fail(stored.error());
    if (!stored->rows.empty() && stored->rows[0][0] == fingerprint) {
      if (auto st = store.exec("COMMIT"); !st) return fail(st.error());
      return false;
    }
  }
  const Documents d = documents_of(catalog);
  if (auto st = store.exec("DELETE FROM " + s + ".schema_documents; DELETE FROM " + s +
                           ".schema_terms; DELETE FROM " + s + ".schema_index_state");
      !st) {
    return fail(st.error());
  }
  // In slices, embedded as they go: a 10,000-table catalog has a quarter of a million
  // documents, whose vectors in one statement would take gigabytes on both sides.
  constexpr size_t kSlice = 4096;
  std::string model;
  for (size_t from = 0; from < d.schema.size(); from += kSlice) {
    const size_t to = std::min(d.schema.size(), from + kSlice);
    if (stop != nullptr && stop->load()) {
      (void)store.exec("ROLLBACK");
      return indexing_stopped();
    }
    auto vectors = embed_documents(d, from, to, embedder);
    if (!vectors) return fail(vectors.error());
    model = vectors->model;
    const auto slice = [from, to](const std::vector<std::string>& all) {
      return text_array_literal(
          std::vector<std::string>(all.begin() + static_cast<std::ptrdiff_t>(from),
                                   all.begin() + static_cast<std::ptrdiff_t>(to)));
    };
    auto inserted = store.query(
        "INSERT INTO " + s +
            ".schema_documents (table_schema, table_name, column_name, name_words, "
            "detail_words, embedding) SELECT a, b, c, e, f, nullif(g, '')::float4[] "
            "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) "
            "AS u(a, b, c, e, f, g)",
        {slice(d.schema), slice(d.table), slice(d.column), slice(d.name_words),
         slice(d.detail_words), text_array_literal(vectors->literals)});
    if (!inserted) return fail(inserted.error());
  }
  // A tsvector holds each lexeme once, and `||` merges: each word counts once per document
  // without a DISTINCT (which sorted every document's every word).
  auto terms = store.query("INSERT INTO " + s +
                           ".schema_terms (word, documents) "
                           "SELECT word, count(*) FROM " +
                           s +
                           ".schema_documents, unnest(tsvector_to_array(tsv_name || tsv_detail)) "
                           "AS word GROUP BY word");
  if (!terms) return fail(terms.error());
  auto state = store.query(
      "INSERT INTO " + s +
          ".schema_index_state (fingerprint, documents, embedding_model) VALUES ($1, $2, $3)",
      {fingerprint, std::to_string(d.schema.size()), model});
  if (!state) return fail(state.error());
  if (auto st = store.exec("COMMIT"); !st) return fail(st.error());
  // Fresh statistics: without them the planner guesses the search joins hundreds of thousands
  // of rows, and spends longer compiling it (JIT) than running it. VACUUM moves the rows just
  // written out of the GIN indexes' pending lists, which every search would otherwise scan
  // whole (a few milliseconds per word of the question).
  if (auto st = store.exec("VACUUM (ANALYZE) " + s + ".schema_documents, " + s + ".schema_terms, " +
                           s + ".schema_index_state");
      !st) {
    return Error{st.error().code,
                 "indexing the schema: VACUUM ANALYZE failed: " + st.error().message};
  }
  return true;
}

}  // namespace

Error indexing_stopped() {
  return Error{ErrorCode::kInternal,
               "indexing stopped because askdb is stopping; the index keeps what it had"};
}

Status write_schema_index(pg::Connection& store, const std::string& store_schema,
                          const Catalog& catalog, llm::Embedder* embedder,
                          const std::atomic<bool>* stop) {
  auto wrote = write_index(store, store_schema, catalog, false, embedder, stop);
  if (!wrote) return wrote.error();
  return ok_status();
}

Result<bool> refresh_schema_index(pg::Connection& store, const std::string& store_schema,
                                  const Catalog& catalog, llm::Embedder* embedder,
                                  const std::atomic<bool>* stop) {
  return write_index(store, store_schema, catalog, true, embedder, stop);
}

std::string index_fingerprint(const Catalog& catalog, const llm::Embedder* embedder) {
  // Bump the version whenever documents_of() or the tables change meaning.
  constexpr const char* kDocumentsVersion = "documents-v3";
  return catalog_fingerprint(catalog) + " " + kDocumentsVersion + " " +
         (embedder != nullptr ? embedder->model() : "no-vectors");
}

Result<std::string> indexed_fingerprint(pg::Connection& store, const std::string& store_schema) {
  auto rows = store.query("SELECT fingerprint FROM " + pg::quote_ident(store_schema) +
                          ".schema_index_state");
  if (!rows) return rows.error();
  if (rows->rows.empty()) return std::string();
  return rows->rows[0][0].value_or("");
}

std::string schema_search_sql(const std::string& store_schema) {
  const std::string s = pg::quote_ident(store_schema);
  // Each word of the question ($1) and of its synonyms ($7) as written ('simple') and as an
  // English lexeme; per lexeme, its weight (log N/df, times $8 for a synonym alone) and the
  // spellings that found it. Per table and lexeme: the best place the table's documents hold
  // it (a place holding only the stem, not a spelling, weighs $6 of it), whether its own name
  // does, its name's length in lexemes, and the columns whose names hold it. Aggregated in
  // PostgreSQL: a common word is in hundreds of documents, but in one row per table here.
  const std::string words =
      "SELECT s.word AS spelling, e.word, %F::float8 AS factor "
      "FROM unnest(tsvector_to_array(to_tsvector('simple', %T))) s(word), "
      "LATERAL unnest(tsvector_to_array(to_tsvector('english', s.word))) e(word)";
  const auto with = [&words](const char* text, const char* factor) {
    std::string w = words;
    w.replace(w.find("%F"), 2, factor);
    w.replace(w.find("%T"), 2, text);
    return w;
  };
  return "WITH qs AS (" + with("$1", "1") + " UNION ALL " + with("$7", "$8") +
         "), "
         "q AS (SELECT word, max(factor) AS factor, to_tsquery('simple', "
         "string_agg(DISTINCT quote_literal(spelling), ' | ')) AS spelled FROM qs GROUP BY word), "
         "t AS MATERIALIZED (SELECT q.word, q.spelled, quote_literal(q.word)::tsquery AS query, "
         "q.factor * ln((SELECT greatest(documents, 1)::float8 FROM " +
         s +
         ".schema_index_state) / st.documents) AS idf "
         "FROM q JOIN " +
         s +
         ".schema_terms st ON st.word = q.word), "
         "m AS (SELECT d.table_schema, d.table_name, d.column_name, t.word, t.idf, "
         "d.tsv_name @@ t.query AS in_name, "
         "CASE WHEN d.tsv_name @@ t.query THEN d.tsv_name_simple @@ t.spelled "
         "ELSE d.tsv_detail_simple @@ t.spelled END AS as_written, "
         "length(d.tsv_name) AS name_length "
         "FROM t JOIN " +
         s +
         ".schema_documents d ON d.tsv_name @@ t.query OR d.tsv_detail @@ t.query) "
         "SELECT table_schema, table_name, max(idf), max(idf * CASE WHEN column_name = '' "
         "THEN CASE WHEN in_name THEN $2::float8 ELSE $3::float8 END "
         "ELSE CASE WHEN in_name THEN $4::float8 ELSE $5::float8 END END "
         "* CASE WHEN as_written THEN 1 ELSE $6::float8 END), "
         "bool_or(in_name AND column_name = ''), "
         "coalesce(max(name_length) FILTER (WHERE column_name = ''), 0), "
         "array_agg(column_name ORDER BY column_name) FILTER (WHERE column_name <> '' AND in_name) "
         "FROM m GROUP BY table_schema, table_name, word";
}

Result<std::vector<TableHit>> search_schema(pg::Connection& store, const std::string& store_schema,
                                            std::string_view question, size_t limit) {
  SchemaSearchOptions options;
  options.limit = limit;
  return search_schema(store, store_schema, question, options);
}

Result<std::vector<TableHit>> search_schema(pg::Connection& store, const std::string& store_schema,
                                            std::string_view question,
                                            const SchemaSearchOptions& options) {
  const std::string sql = schema_search_sql(store_schema);
  auto rows = store.query(
      sql, {with_joined_pairs(question), std::to_string(kTableName), std::to_string(kTableDetail),
            std::to_string(kColumnName), std::to_string(kColumnDetail),
            std::to_string(options.stem_only_weight), synonyms_of(question, options.wordnet),
            std::to_string(options.synonym_weight)});
  if (!rows) {
    return Error{rows.error().code, "searching the schema index failed: " + rows.error().message};
  }

  using Key = std::pair<std::string, std::string>;
  struct Table {
    double score = 0;
    int name_hits = 0, name_length = 0;
    std::map<std::string, double> columns;
  };
  std::map<Key, Table> tables;
  for (const auto& r : rows->rows) {
    Table& t = tables[{r[0].value_or(""), r[1].value_or("")}];
    const double idf = std::max(0.0, std::strtod(r[2].value_or("0").c_str(), nullptr));
    t.score += std::max(0.0, std::strtod(r[3].value_or("0").c_str(), nullptr));
    if (r[4].value_or("f") == "t") ++t.name_hits;
    t.name_length = std::max(t.name_length, std::atoi(r[5].value_or("0").c_str()));
    for (const std::string& column : parse_text_array(r[6].value_or("{}"))) {
      t.columns[column] += idf;
    }
  }
  std::map<Key, double> score;
  for (auto& [key, t] : tables) {
    const double coverage =
        t.name_length > 0 ? std::min(1.0, static_cast<double>(t.name_hits) / t.name_length) : 0;
    score[key] = t.score * (1 + options.name_coverage * coverage);
  }

  // Fusion with the tables nearest the question's vector: each list gives a table
  // share / (k + its rank there), scaled so the best possible score is the full-text one's best.
  if (options.vectors != nullptr && options.question_vector != nullptr &&
      !options.question_vector->empty() && options.vectors->size() > 0) {
    // Tables by their best document (their own or a column's).
    std::map<Key, double> nearest;
    for (const VectorHit& h :
         options.vectors->nearest(*options.question_vector, options.vector_candidates * 8)) {
      auto [it, fresh] = nearest.emplace(Key{h.schema, h.table}, h.similarity);
      if (!fresh) it->second = std::max(it->second, h.similarity);
    }
    const auto ranks = [](const std::map<Key, double>& scores, size_t keep) {
      std::vector<std::pair<double, Key>> v;
      for (const auto& [k, s] : scores) v.emplace_back(s, k);
      std::stable_sort(v.begin(), v.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      if (v.size() > keep) v.resize(keep);
      std::map<Key, size_t> rank;
      for (size_t i = 0; i < v.size(); ++i) rank[v[i].second] = i + 1;
      return rank;
    };
    double top = 0;
    for (const auto& [k, s] : score) top = std::max(top, s);
    if (top <= 0) top = 1;
    std::map<Key, double> fused;
    if (options.fusion == SchemaSearchOptions::Fusion::kReciprocalRank) {
      const auto text_rank = ranks(score, std::max<size_t>(options.limit, 1) * 4);
      const auto vector_rank = ranks(nearest, options.vector_candidates);
      const double k = std::max(options.fusion_k, 0.0);
      for (const auto& [key, r] : text_rank) {
        fused[key] += (1 - options.vector_share) / (k + static_cast<double>(r));
      }
      for (const auto& [key, r] : vector_rank) {
        fused[key] += options.vector_share / (k + static_cast<double>(r));
      }
      for (auto& [key, f] : fused) f *= top * (k + 1);
    } else {
      const auto vector_rank = ranks(nearest, options.vector_candidates);
      double best = 0, last = 1;
      for (const auto& [key, r] : vector_rank) {
        best = std::max(best, nearest[key]);
        last = std::min(last, nearest[key]);
      }
      fused = score;
      for (const auto& [key, r] : vector_rank) {
        const double share = best > last ? (nearest[key] - last) / (best - last) : 1.0;
        fused[key] += options.vector_share * top * share;
      }
    }
    score = std::move(fused);
  }

  std::vector<TableHit> hits;
  for (const auto& [table, total] : score) {
    TableHit hit{table.first, table.second, total, {}};
    std::vector<std::pair<double, std::string>> columns;
    if (auto t = tables.find(table); t != tables.end()) {
      for (const auto& [name, s] : t->second.columns) columns.emplace_back(s, name);
    }
    std::stable_sort(columns.begin(), columns.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (auto& [s, name] : columns) hit.columns.push_back(std::move(name));
    hits.push_back(std::move(hit));
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](const TableHit& a, const TableHit& b) { return a.score > b.score; });
  if (hits.size() > options.limit) hits.resize(options.limit);
  return hits;
}

}  // namespace askdb::retrieval
