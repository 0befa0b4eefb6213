#include "retrieval/schema_index.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>

namespace askdb::retrieval {
namespace {

// Where a word was found, and what that says about the table: its own name says the most.
constexpr double kTableName = 1.0;
constexpr double kColumnName = 0.7;
constexpr double kTableDetail = 0.4;
constexpr double kColumnDetail = 0.3;

// A PostgreSQL text[] literal: {"a","b"}, with quotes and backslashes escaped.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (const char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
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
    name_words.push_back(std::move(name));
    detail_words.push_back(std::move(detail));
  }
};

Documents documents_of(const Catalog& catalog) {
  Documents d;
  for (const CatalogTable& t : catalog.tables) {
    std::vector<std::string> columns, references;
    for (const auto& c : t.columns) columns.push_back(c.name);
    for (const auto& fk : t.foreign_keys) references.push_back(fk.ref_table);
    // The table: its comment, its columns' names and the tables its keys reach.
    std::string detail = t.comment + " " + words_of(columns) + " " + words_of(references);
    if (t.kind != "table") detail += " " + t.kind;
    d.add(t, "", identifier_words(t.name), detail);
    for (const auto& c : t.columns) {
      std::string column_detail = identifier_words(t.name) + " " + c.comment + " " + c.type;
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

Status write_schema_index(pg::Connection& store, const std::string& store_schema,
                          const Catalog& catalog) {
  const std::string s = pg::quote_ident(store_schema);
  const Documents d = documents_of(catalog);
  const auto fail = [&store](const Error& e) {
    (void)store.exec("ROLLBACK");
    return Error{e.code, "indexing the schema failed: " + e.message};
  };
  if (auto st = store.exec("BEGIN"); !st) return fail(st.error());
  if (auto st = store.exec("DELETE FROM " + s + ".schema_documents; DELETE FROM " + s +
                           ".schema_terms; DELETE FROM " + s + ".schema_index_state");
      !st) {
    return fail(st.error());
  }
  auto inserted = store.query(
      "INSERT INTO " + s +
          ".schema_documents (table_schema, table_name, column_name, name_words, detail_words) "
          "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])",
      {text_array(d.schema), text_array(d.table), text_array(d.column), text_array(d.name_words),
       text_array(d.detail_words)});
  if (!inserted) return fail(inserted.error());
  auto terms = store.query(
      "INSERT INTO " + s +
      ".schema_terms (word, documents) "
      "SELECT word, count(*) FROM (SELECT DISTINCT table_schema, table_name, column_name, "
      "unnest(tsvector_to_array(tsv_name || tsv_detail)) AS word FROM " +
      s + ".schema_documents) w GROUP BY word");
  if (!terms) return fail(terms.error());
  auto state = store.query(
      "INSERT INTO " + s + ".schema_index_state (fingerprint, documents) VALUES ($1, $2)",
      {catalog_fingerprint(catalog), std::to_string(d.schema.size())});
  if (!state) return fail(state.error());
  if (auto st = store.exec("COMMIT"); !st) return fail(st.error());
  return ok_status();
}

Result<std::string> indexed_fingerprint(pg::Connection& store, const std::string& store_schema) {
  auto rows = store.query("SELECT fingerprint FROM " + pg::quote_ident(store_schema) +
                          ".schema_index_state");
  if (!rows) return rows.error();
  if (rows->rows.empty()) return std::string();
  return rows->rows[0][0].value_or("");
}

Result<std::vector<TableHit>> search_schema(pg::Connection& store, const std::string& store_schema,
                                            std::string_view question, size_t limit) {
  const std::string s = pg::quote_ident(store_schema);
  // Each of the question's lexemes with its weight, and where each document holds it.
  auto rows = store.query(
      "WITH q AS (SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('english', $1))) AS word), "
      "n AS (SELECT greatest(documents, 1)::float8 AS total FROM " +
          s +
          ".schema_index_state), "
          "t AS (SELECT q.word, ln(n.total / st.documents) AS idf, to_tsquery('simple', "
          "quote_literal(q.word)) AS query FROM q JOIN " +
          s +
          ".schema_terms st ON st.word = q.word, n) "
          "SELECT d.table_schema, d.table_name, d.column_name, t.word, t.idf, d.tsv_name @@ "
          "t.query "
          "FROM t JOIN " +
          s + ".schema_documents d ON d.tsv_name @@ t.query OR d.tsv_detail @@ t.query",
      {std::string(question)});
  if (!rows)
    return Error{rows.error().code, "searching the schema index failed: " + rows.error().message};

  // Per table and word, the best place the word was found.
  std::map<std::pair<std::string, std::string>, std::map<std::string, double>> best;
  std::map<std::pair<std::string, std::string>, std::map<std::string, double>> column_scores;
  for (const auto& r : rows->rows) {
    const std::pair<std::string, std::string> table{r[0].value_or(""), r[1].value_or("")};
    const std::string column = r[2].value_or("");
    const std::string& word = r[3].value_or("");
    const double idf = std::max(0.0, std::strtod(r[4].value_or("0").c_str(), nullptr));
    const bool in_name = r[5].value_or("f") == "t";
    const double weight = column.empty() ? (in_name ? kTableName : kTableDetail)
                                         : (in_name ? kColumnName : kColumnDetail);
    double& b = best[table][word];
    b = std::max(b, weight * idf);
    if (!column.empty() && in_name) column_scores[table][column] += idf;
  }
  std::vector<TableHit> hits;
  for (const auto& [table, words] : best) {
    TableHit hit{table.first, table.second, 0, {}};
    for (const auto& [word, score] : words) hit.score += score;
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
