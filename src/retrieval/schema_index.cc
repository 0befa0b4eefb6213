#include "retrieval/schema_index.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>

#include "core/text.h"

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

// The documents of one table: its own, then one per column.
struct Documents {
  std::vector<std::string> schema, table, column, name_words, detail_words;

  void add(const CatalogTable& t, const std::string& column, std::string name, std::string detail) {
    schema.push_back(t.schema);
    table.push_back(t.name);
    this->column.push_back(column);
    name_words.push_back(cut(name, kMaxDetailBytes));
    detail_words.push_back(cut(detail, kMaxDetailBytes));
  }
};

Documents documents_of(const Catalog& catalog) {
  Documents d;
  for (const CatalogTable& t : catalog.tables) {
    std::vector<std::string> columns, references;
    for (const auto& c : t.columns) columns.push_back(c.name);
    for (const auto& fk : t.foreign_keys) references.push_back(fk.ref_table);
    // The table: its comment, its columns' names and the tables its keys reach.
    std::string detail =
        cut(t.comment, kMaxCommentBytes) + " " + words_of(columns) + " " + words_of(references);
    if (t.kind != "table") detail += " " + t.kind;
    d.add(t, "", identifier_words(t.name), detail);
    for (const auto& c : t.columns) {
      std::string column_detail =
          identifier_words(t.name) + " " + cut(c.comment, kMaxCommentBytes) + " " + c.type;
      for (const auto& fk : t.foreign_keys) {
        if (std::find(fk.columns.begin(), fk.columns.end(), c.name) != fk.columns.end()) {
          column_detail += " " + identifier_words(fk.ref_table);
        }
      }
      d.add(t, c.name, identifier_words(c.name), column_detail);
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

// write_schema_index() and refresh_schema_index(): whether it wrote.
Result<bool> write_index(pg::Connection& store, const std::string& store_schema,
                         const Catalog& catalog, bool only_if_changed) {
  const std::string s = pg::quote_ident(store_schema);
  const std::string fingerprint = catalog_fingerprint(catalog);
  const auto fail = [&store](const Error& e) {
    (void)store.exec("ROLLBACK");
    return Error{e.code, "indexing the schema failed: " + e.message};
  };
  if (auto st = store.exec("BEGIN"); !st) return fail(st.error());
  // One indexer at a time per store schema (two replicas starting together wait in turn).
  auto locked = store.query("SELECT pg_advisory_xact_lock(hashtext($1))",
                            {store_schema + ".schema_index"});
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
  auto inserted = store.query(
      "INSERT INTO " + s +
          ".schema_documents (table_schema, table_name, column_name, name_words, detail_words) "
          "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])",
      {text_array_literal(d.schema), text_array_literal(d.table), text_array_literal(d.column),
       text_array_literal(d.name_words), text_array_literal(d.detail_words)});
  if (!inserted) return fail(inserted.error());
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
      "INSERT INTO " + s + ".schema_index_state (fingerprint, documents) VALUES ($1, $2)",
      {fingerprint, std::to_string(d.schema.size())});
  if (!state) return fail(state.error());
  if (auto st = store.exec("COMMIT"); !st) return fail(st.error());
  // Fresh statistics: without them the planner guesses the search joins hundreds of thousands
  // of rows, and spends longer compiling it (JIT) than running it.
  if (auto st = store.exec("ANALYZE " + s + ".schema_documents, " + s + ".schema_terms, " + s +
                           ".schema_index_state");
      !st) {
    return Error{st.error().code, "indexing the schema: ANALYZE failed: " + st.error().message};
  }
  return true;
}

}  // namespace

Status write_schema_index(pg::Connection& store, const std::string& store_schema,
                          const Catalog& catalog) {
  auto wrote = write_index(store, store_schema, catalog, false);
  if (!wrote) return wrote.error();
  return ok_status();
}

Result<bool> refresh_schema_index(pg::Connection& store, const std::string& store_schema,
                                  const Catalog& catalog) {
  return write_index(store, store_schema, catalog, true);
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
  // Per table and lexeme of the question: the lexeme's weight (log N/df) times the best place
  // the table's documents hold it, and the columns whose names hold it. Aggregated in
  // PostgreSQL: a common word is in hundreds of documents, but in one row per table here.
  return "WITH q AS (SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('english', $1))) AS "
         "word), "
         "t AS MATERIALIZED (SELECT q.word, quote_literal(q.word)::tsquery AS query, "
         "ln((SELECT greatest(documents, 1)::float8 FROM " +
         s +
         ".schema_index_state) / st.documents) AS idf "
         "FROM q JOIN " +
         s +
         ".schema_terms st ON st.word = q.word), "
         "m AS (SELECT d.table_schema, d.table_name, d.column_name, t.word, t.idf, "
         "d.tsv_name @@ t.query AS in_name "
         "FROM t JOIN " +
         s +
         ".schema_documents d ON d.tsv_name @@ t.query OR d.tsv_detail @@ t.query) "
         "SELECT table_schema, table_name, max(idf), max(idf * CASE WHEN column_name = '' "
         "THEN CASE WHEN in_name THEN $2::float8 ELSE $3::float8 END "
         "ELSE CASE WHEN in_name THEN $4::float8 ELSE $5::float8 END END), "
         "array_agg(column_name ORDER BY column_name) FILTER (WHERE column_name <> '' AND in_name) "
         "FROM m GROUP BY table_schema, table_name, word";
}

Result<std::vector<TableHit>> search_schema(pg::Connection& store, const std::string& store_schema,
                                            std::string_view question, size_t limit) {
  const std::string sql = schema_search_sql(store_schema);
  auto rows = store.query(
      sql, {with_joined_pairs(question), std::to_string(kTableName), std::to_string(kTableDetail),
            std::to_string(kColumnName), std::to_string(kColumnDetail)});
  if (!rows) {
    return Error{rows.error().code, "searching the schema index failed: " + rows.error().message};
  }

  std::map<std::pair<std::string, std::string>, double> score;
  std::map<std::pair<std::string, std::string>, std::map<std::string, double>> column_scores;
  for (const auto& r : rows->rows) {
    const std::pair<std::string, std::string> table{r[0].value_or(""), r[1].value_or("")};
    const double idf = std::max(0.0, std::strtod(r[2].value_or("0").c_str(), nullptr));
    score[table] += std::max(0.0, std::strtod(r[3].value_or("0").c_str(), nullptr));
    for (const std::string& column : parse_text_array(r[4].value_or("{}"))) {
      column_scores[table][column] += idf;
    }
  }
  std::vector<TableHit> hits;
  for (const auto& [table, total] : score) {
    TableHit hit{table.first, table.second, total, {}};
    std::vector<std::pair<double, std::string>> columns;
    for (const auto& [name, score] : column_scores[table]) columns.emplace_back(score, name);
    std::stable_sort(columns.begin(), columns.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (auto& [score, name] : columns) hit.columns.push_back(std::move(name));
    hits.push_back(std::move(hit));
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](const TableHit& a, const TableHit& b) { return a.score > b.score; });
  if (hits.size() > limit) hits.resize(limit);
  return hits;
}

}  // namespace askdb::retrieval
