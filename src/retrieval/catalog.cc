#include "retrieval/catalog.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/text.h"

namespace askdb::retrieval {
namespace {

std::string cell(const pg::Cell& c) { return c ? *c : std::string(); }

}  // namespace

std::string sql_identifier(const std::string& name) {
  // PostgreSQL 15's reserved key words, and those that may not name a column or table unquoted
  // although they may name a function or type (the SQL Key Words appendix, "reserved" and
  // "reserved (can be function or type)").
  // clang-format off
  static const std::set<std::string, std::less<>> kReserved = {
      "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
      "authorization", "binary", "both", "case", "cast", "check", "collate", "collation",
      "column", "concurrently", "constraint", "create", "cross", "current_catalog",
      "current_date", "current_role", "current_schema", "current_time", "current_timestamp",
      "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
      "except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant", "group",
      "having", "ilike", "in", "initially", "inner", "intersect", "into", "is", "isnull", "join",
      "lateral", "leading", "left", "like", "limit", "localtime", "localtimestamp", "natural",
      "not", "notnull", "null", "offset", "on", "only", "or", "order", "outer", "overlaps",
      "placing", "primary", "references", "returning", "right", "select", "session_user",
      "similar", "some", "symmetric", "table", "tablesample", "then", "to", "trailing", "true",
      "union", "unique", "user", "using", "variadic", "verbose", "when", "where", "window",
      "with"};
  // clang-format on
  bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) plain = false;
  }
  return plain && kReserved.count(name) == 0 ? name : pg::quote_ident(name);
}

std::string text_array_literal(const std::vector<std::string>& items) {
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

std::vector<std::string> parse_text_array(const std::string& text) {
  std::vector<std::string> out;
  if (text.size() < 2) return out;
  std::string cur;
  bool quoted = false;
  bool in_item = false;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '\\' && i + 2 < text.size()) {
        cur += text[++i];
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
      in_item = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
      in_item = false;
    } else {
      cur += c;
      in_item = true;
    }
  }
  if (in_item || !out.empty()) out.push_back(cur);
  return out;
}

std::string SkippedRelation::describe() const {
  std::string out = (schema == "public" ? "" : sql_identifier(schema) + ".") +
                    sql_identifier(name) + " (" + kind + ")";
  if (!columns.empty()) {
    out += columns.size() == 1 ? ", column " : ", columns ";
    for (size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + sql_identifier(columns[i]);
  }
  return out + ": " + reason;
}

std::string catalog_fingerprint(const Catalog& catalog) {
  uint64_t h = kFnv1aOffset;
  const auto add = [&h](const std::string& field) {
    // After a separator no name holds, so ("ab", "c") differs from ("a", "bc").
    h = fnv1a64("\x1f", fnv1a64(field, h));
  };
  for (const auto& t : catalog.tables) {
    for (const auto& f : {t.schema, t.name, t.kind, t.comment}) add(f);
    for (const auto& c : t.columns) {
      for (const auto& f : {c.name, c.type, c.comment, std::string(c.not_null ? "1" : "0")}) add(f);
    }
    for (const auto& k : t.primary_key) add(k);
    for (const auto& fk : t.foreign_keys) {
      for (const auto& c : fk.columns) add(c);
      add(fk.ref_schema);
      add(fk.ref_table);
      for (const auto& c : fk.ref_columns) add(c);
    }
    add("\x1e");
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

std::string qualified_name(const std::string& schema, const std::string& name) {
  if (schema == "public") return sql_identifier(name);
  return sql_identifier(schema) + "." + sql_identifier(name);
}

std::string CatalogTable::qualified_name() const { return retrieval::qualified_name(schema, name); }

namespace {

// The relations load_catalog() looks at ($1: the schemas left out, as text[]).
const std::string kRelationsFrom = "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ";
const std::string kRelationsWhere =
    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition "
    "AND n.nspname <> ALL ($1::text[]) AND n.nspname NOT LIKE 'pg\\_temp\\_%' "
    "AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%' ";

std::string kind_name(const std::string& relkind) {
  return relkind == "v"   ? "view"
         : relkind == "m" ? "materialized view"
         : relkind == "f" ? "foreign table"
                          : "table";
}

SkippedRelation skipped_because(const CatalogTable& t, std::string reason) {
  return {t.schema, t.name, t.kind, {}, std::move(reason)};
}

// A column's name by its relation's oid and its number, pointing into the query results.
using ColumnNames = std::unordered_map<uint64_t, const std::string*>;

uint64_t column_key(const std::string& oid, const std::string& attnum) {
  return (std::strtoull(oid.c_str(), nullptr, 10) << 16) |
         (std::strtoull(attnum.c_str(), nullptr, 10) & 0xffff);
}

// The names of an int2[] of column numbers ("{3,1}") of relation `oid`.
std::vector<std::string> names_of(const ColumnNames& names, const std::string& oid,
                                  const std::string& attnums) {
  std::vector<std::string> out;
  for (const std::string& n : parse_text_array(attnums)) {
    const auto at = names.find(column_key(oid, n));
    out.push_back(at == names.end() ? std::string() : *at->second);
  }
  return out;
}

// The three queries of load_catalog(), set-based: a query per kind of thing, not per relation.
// A role may read a relation if it has USAGE on its schema and SELECT on the relation or on some
// of its columns. Privileges are asked once per relation, and per column only where the role
// has no SELECT on the whole relation. Comments are joined rather than looked up with
// obj_description() / col_description(), SQL functions called once per row; key columns are
// numbers mapped to names here, not arrays built by a subquery per constraint. The privilege
// functions read the latest catalog, not the snapshot: for a relation or column dropped since
// the snapshot was taken they give NULL, and it is left out.
Result<Catalog> read_catalog(pg::Connection& conn, const std::string& excluded) {
  auto tables = conn.query(
      "SELECT c.oid, n.nspname, c.relname, c.relkind, coalesce(d.description, ''), "
      "c.reltuples::bigint, has_schema_privilege(n.oid, 'USAGE'), "
      "has_any_column_privilege(c.oid, 'SELECT'), current_user " +
          kRelationsFrom +
          "LEFT JOIN pg_description d ON d.objoid = c.oid AND d.classoid = 'pg_class'::regclass "
          "AND d.objsubid = 0 " +
          kRelationsWhere + "ORDER BY n.nspname, c.relname",
      {excluded});
  if (!tables) return tables.error();

  Catalog catalog;
  std::unordered_map<std::string, size_t> by_oid;  // readable relations: index in catalog.tables
  std::string role;
  for (const auto& row : tables->rows) {
    if (!row[6] || !row[7]) continue;  // dropped since the snapshot
    CatalogTable t;
    t.schema = cell(row[1]);
    t.name = cell(row[2]);
    t.kind = kind_name(cell(row[3]));
    t.comment = cell(row[4]);
    t.row_estimate = std::atoll(cell(row[5]).c_str());
    role = sql_identifier(cell(row[8]));
    if (*row[6] != "t") {
      catalog.skipped.push_back(skipped_because(
          t, "no USAGE privilege on schema " + sql_identifier(t.schema) + " for role " + role));
    } else if (*row[7] != "t") {
      catalog.skipped.push_back(skipped_because(t, "no SELECT privilege for role " + role));
    } else {
      by_oid[cell(row[0])] = catalog.tables.size();
      catalog.tables.push_back(std::move(t));
    }
  }
  if (catalog.tables.empty()) return catalog;

  // Every relation's columns (their names are needed for keys to relations the role may not
  // read); types and comments matter only for the readable ones. Columns: oid, attnum, name,
  // type, not null, comment, the relation is gone, SELECT on the column.
  auto columns = conn.query(
      "WITH r AS MATERIALIZED (SELECT c.oid, has_table_privilege(c.oid, 'SELECT') AS whole, "
      "has_schema_privilege(n.oid, 'USAGE') AND has_any_column_privilege(c.oid, 'SELECT') "
      "AS readable " +
          kRelationsFrom + kRelationsWhere +
          ") "
          "SELECT a.attrelid, a.attnum, a.attname, "
          "CASE WHEN r.readable THEN format_type(a.atttypid, a.atttypmod) END, a.attnotnull, "
          "d.description, r.whole IS NULL, CASE WHEN r.whole THEN true WHEN r.readable "
          "THEN has_column_privilege(a.attrelid, a.attnum, 'SELECT') ELSE false END "
          "FROM r JOIN pg_attribute a ON a.attrelid = r.oid "
          "LEFT JOIN pg_description d ON d.objoid = a.attrelid "
          "AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum "
          "WHERE a.attnum > 0 AND NOT a.attisdropped",
      {excluded});
  if (!columns) return columns.error();
  ColumnNames names;
  names.reserve(columns->rows.size());
  std::vector<std::vector<std::pair<int, size_t>>> columns_of(catalog.tables.size());
  std::set<size_t> gone;  // relations dropped while being read
  for (size_t i = 0; i < columns->rows.size(); ++i) {
    const auto& row = columns->rows[i];
    const std::string& oid = *row[0];
    names.emplace(column_key(oid, *row[1]), &*row[2]);
    const auto at = by_oid.find(oid);
    if (at == by_oid.end()) continue;  // not readable
    if (cell(row[6]) == "t") gone.insert(at->second);
    columns_of[at->second].emplace_back(std::atoi(row[1]->c_str()), i);
  }
  std::map<size_t, SkippedRelation> hidden_columns;  // by index in catalog.tables
  for (size_t t = 0; t < catalog.tables.size(); ++t) {
    auto& table = catalog.tables[t];
    std::sort(columns_of[t].begin(), columns_of[t].end());
    for (const auto& [attnum, i] : columns_of[t]) {
      const auto& row = columns->rows[i];
      if (!row[7]) continue;  // the column was dropped
      if (*row[7] == "t") {
        table.columns.push_back({*row[2], cell(row[3]), cell(row[5]), cell(row[4]) == "t"});
        continue;
      }
      auto& skipped = hidden_columns[t];
      if (skipped.reason.empty()) {
        skipped = skipped_because(table, "no SELECT privilege on these columns for role " + role);
      }
      skipped.columns.push_back(*row[2]);
    }
  }
  for (auto& [t, skipped] : hidden_columns) {
    if (gone.count(t) == 0) catalog.skipped.push_back(std::move(skipped));
  }

  // Keys, with their columns as numbers. Columns: oid, kind, columns, referenced schema,
  // table, oid, columns.
  auto keys = conn.query(
      "SELECT con.conrelid, con.contype, con.conkey, fn.nspname, fc.relname, con.confrelid, "
      "con.confkey FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace "
      "LEFT JOIN pg_class fc ON fc.oid = con.confrelid "
      "LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace " +
          kRelationsWhere +
          "AND con.contype IN ('p', 'f') ORDER BY con.conrelid, con.contype DESC, con.conname",
      {excluded});
  if (!keys) return keys.error();
  // Relations referenced from outside the relations read above (the schemas left out).
  std::set<std::string> outside;
  for (const auto& row : keys->rows) {
    if (cell(row[1]) != "f") continue;
    for (const std::string& n : parse_text_array(cell(row[6]))) {
      if (names.count(column_key(cell(row[5]), n)) == 0) outside.insert(cell(row[5]));
    }
  }
  Result<pg::Rows> more = pg::Rows{};
  if (!outside.empty()) {
    std::string oids;
    for (const auto& oid : outside) oids += (oids.empty() ? "{" : ",") + oid;
    more = conn.query(
        "SELECT attrelid, attnum, attname FROM pg_attribute WHERE attrelid = ANY ($1::oid[]) "
        "AND attnum > 0",
        {oids + "}"});
    if (!more) return more.error();
    for (const auto& row : more->rows) names.emplace(column_key(*row[0], *row[1]), &*row[2]);
  }
  for (const auto& row : keys->rows) {
    const auto at = by_oid.find(cell(row[0]));
    if (at == by_oid.end()) continue;
    auto& t = catalog.tables[at->second];
    if (cell(row[1]) == "p") {
      t.primary_key = names_of(names, cell(row[0]), cell(row[2]));
    } else {
      t.foreign_keys.push_back({names_of(names, cell(row[0]), cell(row[2])), cell(row[3]),
                                cell(row[4]), names_of(names, cell(row[5]), cell(row[6]))});
    }
  }

  if (!gone.empty()) {
    std::vector<CatalogTable> kept;
    for (size_t i = 0; i < catalog.tables.size(); ++i) {
      if (gone.count(i) == 0) kept.push_back(std::move(catalog.tables[i]));
    }
    catalog.tables = std::move(kept);
  }
  std::stable_sort(catalog.skipped.begin(), catalog.skipped.end(),
                   [](const SkippedRelation& a, const SkippedRelation& b) {
                     return std::tie(a.schema, a.name) < std::tie(b.schema, b.name);
                   });
  return catalog;
}

}  // namespace

Result<Catalog> load_catalog(pg::Connection& conn,
                             const std::vector<std::string>& excluded_schemas) {
  std::vector<std::string> excluded = {"pg_catalog", "information_schema", "pg_toast"};
  excluded.insert(excluded.end(), excluded_schemas.begin(), excluded_schemas.end());
  // One snapshot for the three queries, so that a table created, altered or dropped meanwhile
  // is seen whole or not at all (inside a caller's transaction, the caller's snapshot rules).
  const bool own_transaction = PQtransactionStatus(conn.raw()) == PQTRANS_IDLE;
  if (own_transaction) {
    if (auto st = conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"); !st) {
      return st.error();
    }
  }
  auto catalog = read_catalog(conn, text_array_literal(excluded));
  if (own_transaction) (void)conn.exec(catalog ? "COMMIT" : "ROLLBACK");
  return catalog;
}

}  // namespace askdb::retrieval
