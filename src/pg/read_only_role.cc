#include "pg/read_only_role.h"

#include <libpq-fe.h>

#include "core/text.h"

namespace askdb::pg {
namespace {

// PostgreSQL cuts identifiers at NAMEDATALEN - 1 bytes.
constexpr size_t kMaxIdentifierBytes = 63;

Status check_name(const std::string& name, const std::string& what) {
  if (name.empty() || name.size() > kMaxIdentifierBytes || !is_valid_utf8(name) ||
      name.find('\0') != std::string::npos || name.find("$askdb$") != std::string::npos) {
    return make_error(ErrorCode::kConfig, what + " \"" + name +
                                              "\" is not a usable PostgreSQL name: use 1 to 63 "
                                              "bytes of UTF-8 text.");
  }
  return ok_status();
}

std::string ms(int value) { return quote_literal(std::to_string(value) + "ms"); }

}  // namespace

Status validate(const ReadOnlyRole& role) {
  if (auto st = check_name(role.name, "the role name"); !st) return st;
  if (role.schemas.empty()) {
    return make_error(ErrorCode::kConfig, "no schema given: name at least one (--schemas public).");
  }
  for (const auto& schema : role.schemas) {
    if (auto st = check_name(schema, "the schema name"); !st) return st;
  }
  const std::string& w = role.work_mem;
  const size_t digits = w.find_first_not_of("0123456789");
  const std::string unit = digits == std::string::npos ? "" : w.substr(digits);
  if (digits == 0 || w.empty() || !(unit.empty() || unit == "kB" || unit == "MB" || unit == "GB")) {
    return make_error(ErrorCode::kConfig, "work_mem \"" + w +
                                              "\" is not a PostgreSQL memory size: use a whole "
                                              "number with kB, MB or GB (64MB).");
  }
  if (role.statement_timeout_ms < 1) {
    return make_error(ErrorCode::kConfig, "the statement timeout must be at least 1 ms.");
  }
  return ok_status();
}

std::vector<std::string> read_only_role_statements(const ReadOnlyRole& role) {
  const std::string r = quote_ident(role.name);
  const std::string r_literal = quote_literal(role.name);
  std::vector<std::string> out;
  // CREATE ROLE has no IF NOT EXISTS.
  out.push_back("DO $askdb$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = " +
                r_literal + ") THEN CREATE ROLE " + r + " LOGIN; END IF; END $askdb$");
  out.push_back("ALTER ROLE " + r +
                " WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION "
                "NOBYPASSRLS CONNECTION LIMIT " +
                std::to_string(role.connection_limit));
  // Settings on the role: in force even for a client that never sets them.
  out.push_back("ALTER ROLE " + r + " SET default_transaction_read_only = on");
  out.push_back("ALTER ROLE " + r + " SET statement_timeout = " + ms(role.statement_timeout_ms));
  out.push_back("ALTER ROLE " + r + " SET idle_in_transaction_session_timeout = " +
                ms(role.idle_in_transaction_timeout_ms));
  out.push_back("ALTER ROLE " + r + " SET work_mem = " + quote_literal(role.work_mem));
  // It may connect to this database (whatever its name) and create nothing there.
  out.push_back(
      "DO $askdb$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', "
      "current_database(), " +
      r_literal +
      "); EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM %I', "
      "current_database(), " +
      r_literal + "); END $askdb$");
  for (const auto& schema : role.schemas) {
    const std::string s = quote_ident(schema);
    out.push_back("GRANT USAGE ON SCHEMA " + s + " TO " + r);
    out.push_back("REVOKE CREATE ON SCHEMA " + s + " FROM " + r);
    // Tables, views, materialized views and foreign tables there now...
    out.push_back("GRANT SELECT ON ALL TABLES IN SCHEMA " + s + " TO " + r);
    // ...and those the role running this creates there later.
    out.push_back("ALTER DEFAULT PRIVILEGES IN SCHEMA " + s + " GRANT SELECT ON TABLES TO " + r);
  }
  return out;
}

Result<RolePrivileges> role_privileges(Connection& conn, const std::string& role,
                                       const std::vector<std::string>& schemas) {
  const std::string sql =
      "SELECT r.rolsuper, r.rolbypassrls, "
      "  coalesce((SELECT bool_or(s = 'default_transaction_read_only=on') "
      "            FROM pg_db_role_setting d, unnest(d.setconfig) s "
      "            WHERE d.setrole = r.oid AND d.setdatabase = 0), false), "
      "  (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "   WHERE n.nspname = ANY($2::text[]) AND c.relkind IN ('r','p','v','m','f') "
      "     AND has_table_privilege(r.oid, c.oid, 'SELECT')), "
      "  (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "   WHERE n.nspname = ANY($2::text[]) AND c.relkind IN ('r','p','v','m','f') "
      "     AND has_table_privilege(r.oid, c.oid, "
      "         'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')), "
      "  (SELECT string_agg(n.nspname, ',' ORDER BY n.nspname) FROM pg_namespace n "
      "   WHERE n.nspname = ANY($2::text[]) AND has_schema_privilege(r.oid, n.oid, 'CREATE')), "
      "  has_database_privilege(r.oid, current_database(), 'CREATE'), current_database() "
      "FROM pg_roles r WHERE r.rolname = $1";
  std::string array = "{";
  for (size_t i = 0; i < schemas.size(); ++i) {
    if (i > 0) array += ",";
    std::string quoted = "\"";
    for (char c : schemas[i]) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    array += quoted + "\"";
  }
  array += "}";
  auto rows = conn.query(sql, {role, array});
  if (!rows) return rows.error();
  if (rows->rows.empty()) {
    return make_error(ErrorCode::kDatabase, "there is no role \"" + role + "\" in the database.");
  }
  const auto& row = rows->rows[0];
  RolePrivileges out;
  out.superuser = row[0].value_or("") == "t";
  out.bypass_rls = row[1].value_or("") == "t";
  out.read_only_default = row[2].value_or("") == "t";
  out.readable_relations = std::stoi(row[3].value_or("0"));
  out.writable_relations = std::stoi(row[4].value_or("0"));
  if (row[5] && !row[5]->empty()) out.may_create_in = split(*row[5], ',');
  if (row[6].value_or("") == "t") out.may_create_in.push_back("database " + row[7].value_or(""));
  return out;
}

Result<RolePrivileges> apply_read_only_role(Connection& admin, const ReadOnlyRole& role,
                                            const std::string& password) {
  if (auto st = validate(role); !st) return st.error();
  if (auto st = admin.exec("BEGIN"); !st) return st.error();
  for (const auto& statement : read_only_role_statements(role)) {
    if (auto st = admin.exec(statement); !st) {
      (void)admin.exec("ROLLBACK");
      return make_error(ErrorCode::kDatabase,
                        st.error().message + "\nThe statement was: " + statement +
                            "\nNothing was changed. Connect as a role that may create roles "
                            "and grant on those schemas' tables (their owner, or the RDS master "
                            "user).");
    }
  }
  if (!password.empty()) {
    // The server's password_encryption decides the algorithm (scram-sha-256 by default).
    char* verifier =
        PQencryptPasswordConn(admin.raw(), password.c_str(), role.name.c_str(), nullptr);
    if (verifier == nullptr) {
      std::string detail(trim(PQerrorMessage(admin.raw())));
      (void)admin.exec("ROLLBACK");
      return make_error(ErrorCode::kDatabase, "could not encrypt the role's password: " + detail);
    }
    const std::string sql =
        "ALTER ROLE " + quote_ident(role.name) + " PASSWORD " + quote_literal(verifier);
    PQfreemem(verifier);
    if (auto st = admin.exec(sql); !st) {
      (void)admin.exec("ROLLBACK");
      // (The message is PostgreSQL's; it does not repeat the verifier.)
      return make_error(ErrorCode::kDatabase,
                        "setting the role's password failed: " + st.error().message);
    }
  }
  if (auto st = admin.exec("COMMIT"); !st) return st.error();
  return role_privileges(admin, role.name, role.schemas);
}

}  // namespace askdb::pg
