#include "retrieval/catalog.h"

#include <cstdint>
#include <cstdio>
#include <map>
#include <set>

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

std::string catalog_fingerprint(const Catalog& catalog) {
  uint64_t h = 1469598103934665603ULL;
  const auto add = [&h](const std::string& field) {
    for (const char c : field) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
    h ^= 0x1f;  // a separator no name holds, so ("ab", "c") differs from ("a", "bc")
    h *= 1099511628211ULL;
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

Result<Catalog> load_catalog(pg::Connection& conn,
                             const std::vector<std::string>& excluded_schemas) {
  std::string excluded = "{pg_catalog,information_schema,pg_toast";
  for (const auto& s : excluded_schemas) excluded += ",\"" + s + "\"";
  excluded += "}";

  auto tables = conn.query(
      "SELECT c.oid, n.nspname, c.relname, c.relkind, coalesce(obj_description(c.oid, "
      "'pg_class'), ''), c.reltuples::bigint "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition "
      "AND n.nspname <> ALL ($1::text[]) AND n.nspname NOT LIKE 'pg\\_temp\\_%' "
      "AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%' "
      "AND has_table_privilege(c.oid, 'SELECT') AND has_schema_privilege(n.oid, 'USAGE') "
      "ORDER BY n.nspname, c.relname",
      {excluded});
  if (!tables) return tables.error();

  Catalog catalog;
  std::map<std::string, size_t> by_oid;
  for (const auto& row : tables->rows) {
    CatalogTable t;
    t.schema = cell(row[1]);
    t.name = cell(row[2]);
    const std::string kind = cell(row[3]);
    t.kind = kind == "v"   ? "view"
             : kind == "m" ? "materialized view"
             : kind == "f" ? "foreign table"
                           : "table";
    t.comment = cell(row[4]);
    t.row_estimate = std::atoll(cell(row[5]).c_str());
    by_oid[cell(row[0])] = catalog.tables.size();
    catalog.tables.push_back(std::move(t));
  }
  if (catalog.tables.empty()) return catalog;

  std::string oids = "{";
  for (const auto& [oid, _] : by_oid) oids += (oids.size() > 1 ? "," : "") + oid;
  oids += "}";

  auto columns = conn.query(
      "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
      "coalesce(col_description(a.attrelid, a.attnum), '') "
      "FROM pg_attribute a WHERE a.attrelid = ANY ($1::oid[]) AND a.attnum > 0 "
      "AND NOT a.attisdropped AND has_column_privilege(a.attrelid, a.attnum, 'SELECT') "
      "ORDER BY a.attrelid, a.attnum",
      {oids});
  if (!columns) return columns.error();
  for (const auto& row : columns->rows) {
    auto& t = catalog.tables[by_oid[cell(row[0])]];
    t.columns.push_back({cell(row[1]), cell(row[2]), cell(row[4]), cell(row[3]) == "t"});
  }

  auto keys = conn.query(
      "SELECT con.conrelid, con.contype, "
      "  array(SELECT attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i) "
      "        JOIN pg_attribute ON attrelid = con.conrelid AND attnum = k.n ORDER BY k.i), "
      "  fn.nspname, fc.relname, "
      "  array(SELECT attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i) "
      "        JOIN pg_attribute ON attrelid = con.confrelid AND attnum = k.n ORDER BY k.i) "
      "FROM pg_constraint con "
      "LEFT JOIN pg_class fc ON fc.oid = con.confrelid "
      "LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace "
      "WHERE con.conrelid = ANY ($1::oid[]) AND con.contype IN ('p', 'f') "
      "ORDER BY con.conrelid, con.contype DESC, con.conname",
      {oids});
  if (!keys) return keys.error();
  for (const auto& row : keys->rows) {
    auto& t = catalog.tables[by_oid[cell(row[0])]];
    if (cell(row[1]) == "p") {
      t.primary_key = parse_text_array(cell(row[2]));
    } else {
      t.foreign_keys.push_back({parse_text_array(cell(row[2])), cell(row[3]), cell(row[4]),
                                parse_text_array(cell(row[5]))});
    }
  }
  return catalog;
}

}  // namespace askdb::retrieval
