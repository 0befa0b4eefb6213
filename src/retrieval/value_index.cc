#include "retrieval/value_index.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <utility>

#include "core/text.h"
#include "retrieval/schema_index.h"
#include "retrieval/text_fold.h"

namespace askdb::retrieval {
namespace {

// Candidates: values whose folded form has at least this pg_trgm similarity with a phrase of
// the question (the hits are then scored against the whole question, with kMinValueScore).
constexpr const char* kCandidateSimilarity = "0.3";
// Phrases of the question looked up: runs of up to this many words.
constexpr size_t kMaxPhraseWords = 4;
// The words of a question considered; a longer question is cut.
constexpr size_t kMaxQuestionWords = 64;
// Rows per INSERT when writing the index.
constexpr size_t kInsertBatch = 20000;

bool is_number(std::string_view w) {
  return !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A word that may make a match: not a function word, not a number.
bool is_content(const std::string& w) {
  // English function words, question words, and the bits folding leaves of contractions: they
  // never make a match alone (a value needs a word of the question that is not one of these).
  // clang-format off
  static const std::set<std::string, std::less<>> kStopWords = {
      "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
      "are", "as", "at", "be", "been", "before", "being", "below", "between", "both", "but", "by",
      "can", "could", "d", "did", "do", "does", "doing", "down", "during", "each", "either",
      "every", "few", "for", "from", "further", "get", "give", "had", "has", "have", "having", "he",
      "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its",
      "just", "ll", "list", "m", "many", "may", "me", "might", "much", "must", "my", "no", "nor",
      "not", "of", "off", "on", "once", "only", "onto", "or", "our", "ours", "out", "over", "per",
      "please", "re", "s", "shall", "she", "should", "show", "so", "some", "such", "t", "tell",
      "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "this",
      "those", "through", "to", "too", "under", "until", "up", "us", "ve", "very", "via", "vs",
      "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "whose", "why",
      "will", "with", "within", "without", "would", "you", "your", "yours"};
  // clang-format on
  return kStopWords.count(w) == 0 && !is_number(w);
}

// The word and its singular forms, crudely: "cities" → city, "boxes" → box, "outlets" → outlet.
std::vector<std::string> word_forms(const std::string& w) {
  std::vector<std::string> forms{w};
  const auto ends = [&w](std::string_view s) {
    return w.size() > s.size() + 2 && w.compare(w.size() - s.size(), s.size(), s) == 0;
  };
  if (ends("ies")) forms.push_back(w.substr(0, w.size() - 3) + "y");
  if (ends("es")) forms.push_back(w.substr(0, w.size() - 2));
  if (ends("s") && !ends("ss")) forms.push_back(w.substr(0, w.size() - 1));
  return forms;
}

// ---- trigrams (as pg_trgm makes them: each word padded with two spaces before, one after) ----

using Trigrams = std::vector<std::string>;  // sorted, distinct

Trigrams word_trigrams(const std::string& word) {
  std::vector<std::string> chars{" ", " "};
  for (size_t i = 0; i < word.size();) {
    const size_t n = std::max<size_t>(1, utf8_sequence_length(word, i));
    chars.push_back(word.substr(i, n));
    i += n;
  }
  chars.emplace_back(" ");
  Trigrams out;
  for (size_t i = 0; i + 2 < chars.size(); ++i)
    out.push_back(chars[i] + chars[i + 1] + chars[i + 2]);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Trigrams merged(const Trigrams& a, const Trigrams& b) {
  Trigrams out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

size_t common(const Trigrams& a, const Trigrams& b) {
  size_t n = 0;
  for (auto i = a.begin(), j = b.begin(); i != a.end() && j != b.end();) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      ++n;
      ++i;
      ++j;
    }
  }
  return n;
}

// A question as the matcher sees it: its folded words, their trigrams, which may match.
struct Question {
  std::vector<std::string> words;
  std::vector<Trigrams> trigrams;
  std::vector<bool> content;
  bool any_content = false;
};

Question parse_question(std::string_view text) {
  Question q;
  q.words = folded_words(text);
  if (q.words.size() > kMaxQuestionWords) q.words.resize(kMaxQuestionWords);
  for (const auto& w : q.words) {
    q.trigrams.push_back(word_trigrams(w));
    q.content.push_back(is_content(w));
    q.any_content = q.any_content || q.content.back();
  }
  return q;
}

struct Match {
  double score = 0;
  size_t shared = 0;  // trigrams the value shares with the best run of question words
};

// The best similarity between the value's trigrams and those of a run of adjacent question
// words holding a content word; runs up to two words longer than the value. A value with no
// content word ("The", "in", "2024") never matches.
Match match(const std::string& folded_value, const Question& q) {
  Trigrams value;
  size_t value_words = 0;
  bool content = false;
  for (const auto& w : folded_words(folded_value)) {
    value = merged(value, word_trigrams(w));
    content = content || is_content(w);
    ++value_words;
  }
  Match best;
  if (!content) return best;
  for (size_t i = 0; i < q.words.size(); ++i) {
    Trigrams run;
    bool content = false;
    for (size_t j = i; j < q.words.size() && j - i < value_words + 2; ++j) {
      run = merged(run, q.trigrams[j]);
      content = content || q.content[j];
      if (!content) continue;
      const size_t shared = common(value, run);
      const double score =
          static_cast<double>(shared) / static_cast<double>(value.size() + run.size() - shared);
      if (score > best.score || (score == best.score && shared > best.shared))
        best = {score, shared};
    }
  }
  return best;
}

// ---- SQL helpers ----

std::string cell(const pg::Cell& c) { return c.value_or(""); }

// The SQLSTATE Connection puts in its messages ("... (SQLSTATE 42501)"), or "".
std::string sqlstate(const Error& e) {
  const auto at = e.message.rfind("(SQLSTATE ");
  return at == std::string::npos ? "" : e.message.substr(at + 10, 5);
}

// What to do about an app store error, where something can be done.
std::string store_advice(const Error& e) {
  if (sqlstate(e) == "42P01" || sqlstate(e) == "3F000") {
    return " The app store lacks the value index's tables: run `askdb migrate` (or start askdb, "
           "which migrates), then index again.";
  }
  return "";
}

// Whether the connection is outside any transaction (not in one, not in a failed one).
bool idle(pg::Connection& conn) { return PQtransactionStatus(conn.raw()) == PQTRANS_IDLE; }

std::string qualified(const std::string& schema, const std::string& table) {
  return sql_identifier(schema) + "." + sql_identifier(table);
}

// ---- reading ----

// Per text-like column of the named relations, in the order given: its relation's kind and
// row estimate, whether the role may read it, enum labels, and what pg_stats holds
// ($3: how many characters of a value to fetch).
constexpr const char* kColumnsSql = R"(
WITH rel AS (
  SELECT r.ord, c.oid, n.oid AS nsp_oid, r.nsp, r.rel, c.relkind, c.reltuples
  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS r(nsp, rel, ord)
  JOIN pg_namespace n ON n.nspname = r.nsp
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = r.rel
)
SELECT rel.nsp, rel.rel, a.attname, rel.relkind, rel.reltuples::float8,
       has_schema_privilege(rel.nsp_oid, 'USAGE')
         AND has_column_privilege(rel.oid, a.attnum, 'SELECT'),
       b.typtype = 'e', b.oid = 'bpchar'::regtype,
       CASE WHEN b.typtype = 'e' THEN array(SELECT left(e.enumlabel, $3::int) FROM pg_enum e
                                            WHERE e.enumtypid = b.oid ORDER BY e.enumsortorder)
       END,
       s.n_distinct, s.null_frac,
       array(SELECT left(v, $3::int) FROM unnest(s.most_common_vals::text::text[]) v),
       (SELECT sum(f) FROM unnest(s.most_common_freqs) f),
       array(SELECT left(v, $3::int) FROM unnest(s.histogram_bounds::text::text[]) v),
       current_user
FROM rel
JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t0 ON t0.oid = a.atttypid
LEFT JOIN pg_type t1 ON t0.typtype = 'd' AND t1.oid = t0.typbasetype
LEFT JOIN pg_type t2 ON t1.typtype = 'd' AND t2.oid = t1.typbasetype
LEFT JOIN pg_type t3 ON t2.typtype = 'd' AND t3.oid = t2.typbasetype
JOIN pg_type b ON b.oid = coalesce(t3.oid, t2.oid, t1.oid, t0.oid)
LEFT JOIN LATERAL (
  SELECT * FROM pg_stats s
  WHERE s.schemaname = rel.nsp AND s.tablename = rel.rel AND s.attname = a.attname
  ORDER BY s.inherited DESC LIMIT 1) s ON true
WHERE b.typtype = 'e' OR b.typcategory = 'S'
ORDER BY rel.ord, a.attnum)";

// Values as read, before they are cut, cleaned and deduplicated.
class ValueCollector {
 public:
  ValueCollector(size_t max_bytes, bool blank_padded) : max_(max_bytes), bpchar_(blank_padded) {}

  void add(std::string v) {
    if (bpchar_) {
      while (!v.empty() && v.back() == ' ') v.pop_back();
    }
    if (v.empty() || !is_valid_utf8(v)) return;
    bool truncated = false;
    if (v.size() > max_) {
      v = std::string(utf8_prefix(v, max_));
      truncated = true;
    }
    const std::string folded = fold_text(v);
    if (std::all_of(folded.begin(), folded.end(),
                    [](char c) { return c == ' ' || (c >= '0' && c <= '9'); })) {
      ++wordless_;
      return;
    }
    bool& t = values_[v];
    t = t || truncated;
  }

  size_t wordless() const { return wordless_; }

  std::vector<ColumnValue> take() {
    std::vector<ColumnValue> out;
    for (auto& [text, truncated] : values_) out.push_back({text, truncated});
    return out;
  }

 private:
  size_t max_;
  bool bpchar_;
  size_t wordless_ = 0;
  std::map<std::string, bool> values_;
};

// One transaction per table for its scans, so that each has a statement_timeout of its own.
class TableScans {
 public:
  TableScans(pg::Connection& conn, const ValueReadOptions& o) : conn_(conn), o_(o) {}
  ~TableScans() { end(); }

  struct Scanned {
    std::vector<std::string> values;  // distinct, at most max_values_per_column + 1
    int64_t rows = 0;                 // rows read, NULLs included
  };

  // Reads up to scan_rows rows of the column.
  Result<Scanned> scan(const std::string& schema, const std::string& table,
                       const std::string& column) {
    if (!open_) {
      if (auto st = conn_.exec("BEGIN READ ONLY; SET LOCAL statement_timeout = " +
                               std::to_string(o_.scan_timeout_ms));
          !st) {
        (void)conn_.exec("ROLLBACK");
        return st.error();
      }
      open_ = true;
    }
    // Grouped by the value's first max_value_bytes + 1 characters: a huge text is never sent.
    auto rows =
        conn_.query("SELECT left(c, $1::int), sum(count(*)) OVER () FROM (SELECT " +
                        sql_identifier(column) + "::text AS c FROM " + qualified(schema, table) +
                        " LIMIT " + std::to_string(o_.scan_rows) +
                        ") s GROUP BY 1 ORDER BY left(c, $1::int) COLLATE \"C\" LIMIT " +
                        std::to_string(o_.max_values_per_column + 2),
                    {std::to_string(o_.max_value_bytes + 1)});
    if (!rows) {
      end();
      return rows.error();
    }
    Scanned out;
    for (const auto& r : rows->rows) {
      out.rows = std::atoll(cell(r[1]).c_str());
      if (r[0]) out.values.push_back(*r[0]);
    }
    return out;
  }

  void end() {
    if (open_) (void)conn_.exec("ROLLBACK");
    open_ = false;
  }

 private:
  pg::Connection& conn_;
  const ValueReadOptions& o_;
  bool open_ = false;
};

std::string rows_text(double rows) {
  if (rows >= 1e6) return std::to_string(static_cast<int64_t>(std::round(rows / 1e6))) + " million";
  return std::to_string(static_cast<int64_t>(std::round(rows)));
}

// Why a scan failed, for the user; `table_wide` when the rest of the table will fail alike.
std::string scan_failure(const Error& e, const std::string& schema, const std::string& table,
                         const std::string& role, const ValueReadOptions& o, bool& table_wide) {
  const std::string state = sqlstate(e);
  table_wide = state == "42501" || state == "42P01" || state == "3F000";
  if (state == "42501") {
    return "the role " + role + " may not read it (" + e.message + "): GRANT SELECT ON " +
           qualified(schema, table) + " TO " + sql_identifier(role) +
           " to index its values, or leave it out";
  }
  if (state == "42P01" || state == "3F000" || state == "42703") {
    return "gone since the catalog was read (" + e.message + "): index again";
  }
  if (state == "57014") {
    return "reading its values took longer than " + std::to_string(o.scan_timeout_ms) +
           " ms: skipped (ANALYZE " + qualified(schema, table) +
           " lets askdb take them from its statistics instead)";
  }
  return "reading its values failed: " + e.message;
}

}  // namespace

double value_match_score(std::string_view value, std::string_view question) {
  return match(fold_text(value), parse_question(question)).score;
}

Result<ValueSet> read_values(pg::Connection& target, const Catalog& catalog,
                             const ValueReadOptions& o) {
  ValueSet out;
  if (!idle(target)) {
    return Error{ErrorCode::kInternal, "read_values() needs a connection outside a transaction"};
  }
  if (catalog.tables.empty()) return out;
  std::vector<std::string> schemas, tables;
  for (const auto& t : catalog.tables) {
    schemas.push_back(t.schema);
    tables.push_back(t.name);
  }
  auto rows = target.query(kColumnsSql, {text_array_literal(schemas), text_array_literal(tables),
                                         std::to_string(o.max_value_bytes + 1)});
  if (!rows) {
    return Error{rows.error().code,
                 "reading the target database's columns and statistics for the value index "
                 "failed: " +
                     rows.error().message};
  }

  std::set<std::pair<std::string, std::string>> found;
  for (const auto& r : rows->rows) found.emplace(cell(r[0]), cell(r[1]));
  std::set<std::pair<std::string, std::string>> reported;
  for (const auto& t : catalog.tables) {
    if (found.count({t.schema, t.name}) == 0 && reported.insert({t.schema, t.name}).second) {
      // Either it holds no text-like column, or it is gone: only the second is news.
      bool text_like = false;
      for (const auto& c : t.columns) {
        text_like =
            text_like || c.type == "text" || c.type.starts_with("character") || c.type == "citext";
      }
      if (text_like) {
        out.skipped.push_back({t.schema, t.name, "",
                               "not found: dropped or renamed since the catalog was read "
                               "(index again)"});
      }
    }
  }

  const std::string bound = std::to_string(o.max_values_per_column);
  TableScans scans(target, o);
  std::pair<std::string, std::string> table_skipped;  // the table whose scans failed for good
  std::pair<std::string, std::string> current;
  size_t unreadable = 0, text_columns = 0;
  const auto close_table = [&] {
    scans.end();
    // A table none of whose text columns may be read is reported once, as a table.
    if (text_columns > 0 && unreadable == text_columns) {
      auto first = std::find_if(out.skipped.begin(), out.skipped.end(), [&](const auto& s) {
        return s.schema == current.first && s.table == current.second;
      });
      const std::string reason = first->reason;
      out.skipped.erase(first, out.skipped.end());
      out.skipped.push_back({current.first, current.second, "", reason});
    }
    unreadable = text_columns = 0;
  };

  for (const auto& r : rows->rows) {
    const std::string schema = cell(r[0]), table = cell(r[1]), column = cell(r[2]);
    if (std::make_pair(schema, table) != current) {
      close_table();
      if (o.stop != nullptr && o.stop->load()) return indexing_stopped();
      current = {schema, table};
    }
    ++text_columns;
    const auto skip = [&](std::string reason) {
      out.skipped.push_back({schema, table, column, std::move(reason)});
    };
    const std::string kind = cell(r[3]);
    const double reltuples = std::atof(cell(r[4]).c_str());
    const std::string role = cell(r[14]);
    if (o.is_private && o.is_private(schema, table, column)) {
      skip("private: never read");
      continue;
    }
    if (table_skipped == current) continue;
    if (cell(r[5]) != "t") {
      ++unreadable;
      skip("the role " + role + " may not read it (no SELECT privilege): GRANT SELECT ON " +
           qualified(schema, table) + " TO " + sql_identifier(role) +
           " to index its values, or leave it out");
      continue;
    }
    ColumnValues cv{schema, table, column, "", true, {}};
    ValueCollector values(o.max_value_bytes, cell(r[7]) == "t");
    const bool has_stats = r[9].has_value();
    if (cell(r[6]) == "t") {  // an enum: its labels are its values
      const auto labels = parse_text_array(cell(r[8]));
      if (labels.size() > o.max_values_per_column) {
        skip("an enum of " + std::to_string(labels.size()) +
             " labels: not categorical (more than " + bound + ")");
        continue;
      }
      for (const auto& l : labels) values.add(l);
      cv.source = "enum";
    } else if (kind == "v") {
      skip("a view: not read (its values are indexed from the tables it reads)");
      continue;
    } else {
      const double n_distinct = std::atof(cell(r[9]).c_str());
      const double distinct = n_distinct >= 0 ? n_distinct : -n_distinct * std::max(reltuples, 0.0);
      if (has_stats && distinct > static_cast<double>(o.max_values_per_column)) {
        skip("about " + rows_text(distinct) + " distinct values: not categorical (more than " +
             bound + ")");
        continue;
      }
      const bool scannable = kind == "r" || kind == "p" || kind == "m";
      const bool small = reltuples <= static_cast<double>(o.scan_rows);  // -1: never counted
      const double covered = std::atof(cell(r[12]).c_str()) + std::atof(cell(r[10]).c_str());
      if (has_stats && (covered >= 0.9999 || !scannable || !small)) {
        for (const auto& v : parse_text_array(cell(r[11]))) values.add(v);
        for (const auto& v : parse_text_array(cell(r[13]))) values.add(v);
        cv.source = "statistics";
        cv.complete = covered >= 0.9999;
      } else if (!scannable) {
        skip("a foreign table without statistics: not read (ANALYZE " + qualified(schema, table) +
             " to index its common values)");
        continue;
      } else if (!small) {
        skip("no statistics, and about " + rows_text(reltuples) + " rows: not scanned (ANALYZE " +
             qualified(schema, table) + " to index its common values)");
        continue;
      } else {
        auto scanned = scans.scan(schema, table, column);
        if (!scanned) {
          bool table_wide = false;
          std::string reason = scan_failure(scanned.error(), schema, table, role, o, table_wide);
          if (table_wide) {  // its other columns are not tried
            out.skipped.push_back({schema, table, "", std::move(reason)});
            table_skipped = current;
          } else {
            skip(std::move(reason));
          }
          continue;
        }
        if (scanned->values.size() > o.max_values_per_column) {
          skip("more than " + bound + " distinct values: not categorical");
          continue;
        }
        for (auto& v : scanned->values) values.add(std::move(v));
        cv.source = "scan";
        cv.complete = scanned->rows < o.scan_rows;
      }
    }
    const size_t wordless = values.wordless();
    cv.values = values.take();
    if (cv.values.empty()) {
      if (wordless > 0) skip("no words in its values (numbers or symbols only)");
      continue;
    }
    out.columns.push_back(std::move(cv));
  }
  close_table();
  return out;
}

namespace {

// pg_trgm's schema when the store may use it (creating the extension when missing and the role
// may); "" otherwise, with a warning saying why and what to do.
Result<std::string> trigram_schema(pg::Connection& store, std::vector<std::string>& warnings) {
  const char* find =
      "SELECT n.nspname, has_schema_privilege(n.oid, 'USAGE') FROM pg_extension e "
      "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'";
  auto found = store.query(find);
  if (!found) return found.error();
  std::string failure;
  if (found->rows.empty()) {
    auto about = store.query(
        "SELECT current_database(), current_user, "
        "EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'), "
        "has_database_privilege(current_database(), 'CREATE') "
        "OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)");
    if (!about) return about.error();
    const auto& a = about->rows.at(0);
    const std::string database = cell(a[0]);
    if (cell(a[2]) != "t") {
      warnings.push_back(
          "pg_trgm is not installed on the app store's PostgreSQL server, so value search finds "
          "whole words only (no typos). Install the server's contrib modules (Debian and Ubuntu: "
          "the postgresql-NN package; elsewhere often postgresql-contrib), then index again.");
      return std::string();
    }
    if (cell(a[3]) == "t") {
      auto created = store.exec("CREATE EXTENSION IF NOT EXISTS pg_trgm");
      if (!created) failure = created.error().message;
      found = store.query(find);  // made now, or by another replica meanwhile
      if (!found) return found.error();
    } else {
      failure = "the role " + cell(a[1]) + " may not create extensions in database " + database;
    }
    if (found->rows.empty()) {
      warnings.push_back("pg_trgm is not installed in the app store's database " + database +
                         " and askdb could not create it (" + failure +
                         "), so value search finds whole words only (no typos). A database "
                         "owner or superuser can run CREATE EXTENSION pg_trgm; in " +
                         database + ", then index again.");
      return std::string();
    }
  }
  const std::string schema = cell(found->rows[0][0]);
  if (cell(found->rows[0][1]) != "t") {
    auto role = store.query("SELECT current_user");
    warnings.push_back("pg_trgm is installed in schema " + schema +
                       ", which the app store's role may not use, so value search finds whole "
                       "words only (no typos). GRANT USAGE ON SCHEMA " +
                       sql_identifier(schema) + " TO " +
                       sql_identifier(role ? cell(role->rows.at(0)[0]) : "<role>") +
                       ", then index again.");
    return std::string();
  }
  return schema;
}

// The words of a folded value and their singular forms, space-separated (value_terms.words).
std::string word_list(const std::string& folded) {
  std::set<std::string> words;
  for (const auto& w : folded_words(folded)) {
    for (auto& f : word_forms(w)) words.insert(std::move(f));
  }
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Where a search's settings live: % matches from kCandidateSimilarity on; the trigram index
// always used (with few terms the planner would rather compute the similarity of every term
// with every phrase, which costs more than its estimate says); no JIT (the disabled sequential
// scans' costs would make every statement look worth compiling).
class SearchScope {
 public:
  explicit SearchScope(pg::Connection& conn) : conn_(conn) {}
  ~SearchScope() { end(); }

  Status begin() {
    own_ = idle(conn_);
    const std::string settings = std::string("; SET LOCAL pg_trgm.similarity_threshold = ") +
                                 kCandidateSimilarity +
                                 "; SET LOCAL enable_seqscan = off; SET LOCAL jit = off";
    auto st = conn_.exec((own_ ? "BEGIN READ ONLY" : "SAVEPOINT askdb_value_search") + settings);
    open_ = true;
    if (!st) end();
    return st;
  }

  void end() {
    if (!open_) return;
    open_ = false;
    (void)conn_.exec(own_ ? "ROLLBACK"
                          : "ROLLBACK TO SAVEPOINT askdb_value_search; "
                            "RELEASE SAVEPOINT askdb_value_search");
  }

 private:
  pg::Connection& conn_;
  bool own_ = false;
  bool open_ = false;
};

}  // namespace

Result<ValueIndexReport> write_value_index(pg::Connection& store, const std::string& store_schema,
                                           const ValueSet& values) {
  const std::string s = pg::quote_ident(store_schema);
  const auto fail = [&store](const Error& e) {
    (void)store.exec("ROLLBACK");
    return Error{e.code, "writing the value index failed: " + e.message + store_advice(e)};
  };
  ValueIndexReport report;
  if (!idle(store)) {
    return Error{ErrorCode::kInternal,
                 "write_value_index() needs a connection outside a transaction"};
  }
  auto trgm = trigram_schema(store, report.warnings);
  if (!trgm) return fail(trgm.error());

  if (auto st = store.exec("BEGIN"); !st) return fail(st.error());
  // One indexer at a time per store schema.
  auto locked =
      store.query("SELECT pg_advisory_xact_lock(hashtext($1))", {store_schema + ".value_index"});
  if (!locked) return fail(locked.error());
  if (auto st = store.exec("DELETE FROM " + s + ".value_entries; DELETE FROM " + s +
                           ".value_terms; DELETE FROM " + s + ".value_index_state");
      !st) {
    return fail(st.error());
  }
  // The entries, in batches; the distinct folded forms (terms) collected on the way.
  std::set<std::string> terms;
  std::vector<std::string> schema, table, column, value, truncated, folded;
  const auto flush = [&]() -> Status {
    if (schema.empty()) return ok_status();
    auto inserted = store.query(
        "INSERT INTO " + s +
            ".value_entries (table_schema, table_name, column_name, value, truncated, folded) "
            "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], "
            "$6::text[]) ON CONFLICT DO NOTHING",
        {text_array_literal(schema), text_array_literal(table), text_array_literal(column),
         text_array_literal(value), text_array_literal(truncated), text_array_literal(folded)});
    if (!inserted) return inserted.error();
    for (auto* v : {&schema, &table, &column, &value, &truncated, &folded}) v->clear();
    return ok_status();
  };
  for (const auto& c : values.columns) {
    if (c.values.empty()) continue;
    ++report.columns;
    for (const auto& v : c.values) {
      std::string f = fold_text(v.text);
      if (f.empty()) continue;
      schema.push_back(c.schema);
      table.push_back(c.table);
      column.push_back(c.column);
      value.push_back(v.text);
      truncated.push_back(v.truncated ? "t" : "f");
      terms.insert(f);
      folded.push_back(std::move(f));
      ++report.values;
      if (schema.size() >= kInsertBatch) {
        if (auto st = flush(); !st) return fail(st.error());
      }
    }
  }
  if (auto st = flush(); !st) return fail(st.error());
  std::vector<std::string> words;
  for (auto it = terms.begin(); it != terms.end();) {
    folded.push_back(*it);
    words.push_back(word_list(*it));
    if (++it == terms.end() || folded.size() >= kInsertBatch) {
      auto inserted =
          store.query("INSERT INTO " + s +
                          ".value_terms (folded, words) SELECT f, string_to_array(w, ' ') FROM "
                          "unnest($1::text[], $2::text[]) AS u(f, w)",
                      {text_array_literal(folded), text_array_literal(words)});
      if (!inserted) return fail(inserted.error());
      folded.clear();
      words.clear();
    }
  }

  // The trigram index, made once (after the first rows: one bulk build); in a savepoint, so a
  // failure leaves the words-only index rather than none.
  auto index =
      store.query("SELECT to_regclass($1) IS NOT NULL", {s + ".value_terms_folded_trgm_idx"});
  if (!index) return fail(index.error());
  if (!trgm->empty() && cell(index->rows.at(0).at(0)) != "t") {
    const std::string made = "CREATE INDEX value_terms_folded_trgm_idx ON " + s +
                             ".value_terms USING gin (folded " + sql_identifier(*trgm) +
                             ".gin_trgm_ops)";
    if (auto st = store.exec("SAVEPOINT trigram; " + made + "; RELEASE SAVEPOINT trigram"); !st) {
      if (auto back = store.exec("ROLLBACK TO SAVEPOINT trigram"); !back) return fail(back.error());
      report.warnings.push_back("the trigram index could not be made (" + st.error().message +
                                "), so value search finds whole words only (no typos).");
      trgm->clear();
    }
  }
  auto state =
      store.query("INSERT INTO " + s +
                      ".value_index_state (columns, entries, terms, trigram_schema) "
                      "VALUES ($1, $2, $3, $4)",
                  {std::to_string(report.columns), std::to_string(report.values),
                   std::to_string(terms.size()), trgm->empty() ? pg::Cell() : pg::Cell(*trgm)});
  if (!state) return fail(state.error());
  if (auto st = store.exec("COMMIT"); !st) return fail(st.error());
  report.trigram = !trgm->empty();

  // Fresh statistics for the planner, and the GIN indexes' pending lists merged, so that the
  // first searches are as fast as the later ones. Best effort: the index is written.
  (void)store.exec("ANALYZE " + s + ".value_entries, " + s + ".value_terms");
  (void)store.query(
      "SELECT gin_clean_pending_list(i) FROM unnest(ARRAY[to_regclass($1), to_regclass($2)]) i "
      "WHERE i IS NOT NULL",
      {s + ".value_terms_folded_trgm_idx", s + ".value_terms_words_idx"});
  return report;
}

Result<std::vector<ValueHit>> search_values(pg::Connection& store, const std::string& store_schema,
                                            std::string_view question, size_t limit) {
  std::vector<ValueHit> hits;
  const Question q = parse_question(question);
  if (!q.any_content || limit == 0) return hits;
  const std::string s = pg::quote_ident(store_schema);
  const auto fail = [](const Error& e) {
    return Error{e.code, "searching the value index failed: " + e.message + store_advice(e)};
  };

  // Phrases: runs of up to kMaxPhraseWords words that begin and end with a content word.
  std::set<std::string> phrases, words;
  for (size_t i = 0; i < q.words.size(); ++i) {
    if (!q.content[i]) continue;
    for (auto& f : word_forms(q.words[i])) words.insert(std::move(f));
    std::string phrase;
    for (size_t j = i; j < q.words.size() && j - i < kMaxPhraseWords; ++j) {
      phrase += (j > i ? " " : "") + q.words[j];
      if (q.content[j]) phrases.insert(phrase);
    }
  }

  // The search's settings hold for its statements only: in a read-only transaction of its own,
  // or, inside the caller's transaction, in a savepoint rolled back afterwards.
  SearchScope scope(store);
  if (auto st = scope.begin(); !st) return fail(st.error());
  auto state = store.query("SELECT trigram_schema FROM " + s + ".value_index_state");
  if (!state) {
    scope.end();
    return fail(state.error());
  }
  if (state->rows.empty()) {  // nothing indexed yet
    scope.end();
    return hits;
  }
  const pg::Cell trgm = state->rows[0][0];

  // 1. Candidate terms (distinct folded values): by trigrams, else by words.
  const std::string by_words = "SELECT folded FROM " + s + ".value_terms WHERE words && $1::text[]";
  const std::vector<pg::Cell> word_params{text_array_literal({words.begin(), words.end()})};
  Result<pg::Rows> rows = Error{};
  if (trgm) {
    rows = store.query("SELECT DISTINCT t.folded FROM unnest($1::text[]) AS p(phrase) JOIN " + s +
                           ".value_terms t ON t.folded OPERATOR(" + sql_identifier(*trgm) +
                           ".%) p.phrase",
                       {text_array_literal({phrases.begin(), phrases.end()})});
    if (!rows) {  // pg_trgm dropped (or moved) since the index was written: words still match
      scope.end();
      if (auto st = scope.begin(); !st) return fail(st.error());
      rows = store.query(by_words, word_params);
    }
  } else {
    rows = store.query(by_words, word_params);
  }
  if (!rows) {
    scope.end();
    return fail(rows.error());
  }

  // 2. Scored here; the terms that match, ranked (equal score and shared trigrams: one rank).
  struct Term {
    std::string folded;
    Match m;
  };
  std::vector<Term> matched;
  for (const auto& r : rows->rows) {
    std::string folded = cell(r[0]);
    const Match m = match(folded, q);
    if (m.score >= kMinValueScore) matched.push_back({std::move(folded), m});
  }
  if (matched.empty()) {
    scope.end();
    return hits;
  }
  std::sort(matched.begin(), matched.end(), [](const Term& a, const Term& b) {
    if (a.m.score != b.m.score) return a.m.score > b.m.score;
    if (a.m.shared != b.m.shared) return a.m.shared > b.m.shared;
    return a.folded < b.folded;
  });
  // Every term holds an entry: ranks after that of the limit-th term cannot make the cut.
  std::vector<std::string> folded, ranks;
  std::vector<double> rank_score;  // by rank
  for (size_t i = 0; i < matched.size(); ++i) {
    const bool new_rank = i == 0 || matched[i].m.score != matched[i - 1].m.score ||
                          matched[i].m.shared != matched[i - 1].m.shared;
    if (new_rank && i >= limit) break;
    if (new_rank) rank_score.push_back(matched[i].m.score);
    folded.push_back(matched[i].folded);
    ranks.push_back(std::to_string(rank_score.size() - 1));
  }

  // 3. Their entries, best first, ties by name (byte order); as many as asked for, at most
  // that many per term (read in order from value_entries_folded_idx).
  const std::string by_name =
      "table_schema COLLATE \"C\", table_name COLLATE \"C\", column_name COLLATE \"C\", "
      "value COLLATE \"C\"";
  auto entries = store.query(
      "SELECT e.table_schema, e.table_name, e.column_name, e.value, e.truncated, r.rank FROM "
      "unnest($1::text[], $2::int[]) AS r(folded, rank) CROSS JOIN LATERAL (SELECT * FROM " +
          s + ".value_entries v WHERE v.folded = r.folded ORDER BY folded, " + by_name +
          " LIMIT $3) e ORDER BY r.rank, " + by_name + " LIMIT $3",
      {text_array_literal(folded), text_array_literal(ranks), std::to_string(limit)});
  scope.end();
  if (!entries) return fail(entries.error());
  for (const auto& r : entries->rows) {
    const auto rank = static_cast<size_t>(std::atoi(cell(r[5]).c_str()));
    hits.push_back({cell(r[0]), cell(r[1]), cell(r[2]), cell(r[3]), cell(r[4]) == "t",
                    rank < rank_score.size() ? rank_score[rank] : 0});
  }
  return hits;
}

std::string render_value_hits(const std::vector<ValueHit>& hits) {
  std::vector<std::pair<std::string, std::string>> lines;  // column, its values
  for (const auto& h : hits) {
    const std::string column = qualified_name(h.schema, h.table) + "." + sql_identifier(h.column);
    std::string item;
    if (h.truncated) {
      std::string pattern;
      for (const char c : h.value) {
        if (c == '%' || c == '_' || c == '\\') pattern += '\\';
        pattern += c;
      }
      item = "LIKE " + pg::quote_literal(pattern + "%");
    } else {
      item = pg::quote_literal(h.value);
    }
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&column](const auto& l) { return l.first == column; });
    if (it == lines.end()) {
      lines.emplace_back(column, item);
    } else {
      it->second += ", " + item;
    }
  }
  std::string out;
  for (const auto& [column, items] : lines) out += column + ": " + items + "\n";
  return out;
}

}  // namespace askdb::retrieval
