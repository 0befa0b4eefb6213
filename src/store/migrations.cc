#include "store/migrations.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "core/text.h"
#include "store/sql_support.h"

namespace askdb::store {
namespace {

constexpr std::string_view kPlaceholder = "{{schema}}";

// The advisory lock key for migrating `schema`: FNV-1a of a fixed prefix and the name, so every
// replica and every askdb version derives the same key.
int64_t lock_key(const std::string& schema) {
  return static_cast<int64_t>(fnv1a64("askdb.store.migrate:" + schema));
}

std::string file_name(const Migration& m) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%04d", m.version);
  return std::string(digits) + "_" + std::string(m.name) + ".sql";
}

std::string advice(const std::string& message, const std::string& schema) {
  if (message.find("SQLSTATE 42501") != std::string::npos) {
    return " The role in store.url (ASKDB_STORE_URL) needs the CREATE privilege on its database "
           "(GRANT CREATE ON DATABASE <database> TO <role>), or an administrator can create the "
           "schema for it first (CREATE SCHEMA " +
           pg::quote_ident(schema) + " AUTHORIZATION <role>).";
  }
  if (message.find("SQLSTATE 25006") != std::string::npos) {
    return " The role in store.url (ASKDB_STORE_URL) only reads (default_transaction_read_only, "
           "or a standby server): askdb's app store needs a role that may write.";
  }
  if (message.find("gen_random_uuid") != std::string::npos) {
    return " askdb's app store needs PostgreSQL 13 or later.";
  }
  if (message.find("SQLSTATE") == std::string::npos) {
    return " Check that the app store's database (store.url, ASKDB_STORE_URL) is reachable, then "
           "start askdb again.";
  }
  return " Nothing of this migration was applied; fix the cause and start askdb again (or run "
         "`askdb migrate`).";
}

Error migration_error(const std::string& what, const std::string& schema, const Error& cause) {
  return make_error(ErrorCode::kDatabase, what + " (app store schema " + pg::quote_ident(schema) +
                                              ") failed: " + cause.message + "." +
                                              advice(cause.message, schema));
}

// Applies `m` unless it is recorded: one transaction under the schema's advisory lock.
Status apply(pg::Connection& conn, const std::string& schema, const Migration& m) {
  const std::string prefix = detail::schema_prefix(schema);
  const std::string what = "migration " + file_name(m);
  auto fail = [&](const Error& e) -> Status {
    (void)conn.exec("ROLLBACK");
    return migration_error(what, schema, e);
  };
  // Read committed, whatever the role's default: each statement sees what others committed.
  if (auto st = conn.exec("BEGIN ISOLATION LEVEL READ COMMITTED"); !st) {
    return migration_error(what, schema, st.error());
  }
  // The lock is its own statement: a statement's snapshot predates its waiting, and the checks
  // below must see what the replica that held the lock committed.
  if (auto st = conn.exec("SELECT pg_advisory_xact_lock(" + std::to_string(lock_key(schema)) + ")");
      !st) {
    return fail(st.error());
  }
  auto state = conn.query(
      "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1), "
      "to_regclass($2) IS NOT NULL",
      {schema, prefix + "schema_migrations"});
  if (!state) return fail(state.error());
  const bool have_schema = detail::bool_cell(state->rows.at(0).at(0)).value_or(false);
  const bool have_table = detail::bool_cell(state->rows.at(0).at(1)).value_or(false);
  // Checked first because CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when
  // the schema exists: a role given only its own schema can still migrate.
  if (!have_schema) {
    if (auto st = conn.exec("CREATE SCHEMA " + pg::quote_ident(schema)); !st) {
      return fail(st.error());
    }
  }
  if (!have_table) {
    if (auto st = conn.exec("CREATE TABLE " + prefix +
                            "schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
                            "applied_at timestamptz NOT NULL DEFAULT now())");
        !st) {
      return fail(st.error());
    }
  }
  auto done = conn.query("SELECT 1 FROM " + prefix + "schema_migrations WHERE version = $1",
                         {std::to_string(m.version)});
  if (!done) return fail(done.error());
  if (done->rows.empty()) {
    if (auto st = conn.exec(migration_sql(m, schema)); !st) return fail(st.error());
    auto record =
        conn.query("INSERT INTO " + prefix + "schema_migrations (version, name) VALUES ($1, $2)",
                   {std::to_string(m.version), std::string(m.name)});
    if (!record) return fail(record.error());
  }
  if (auto st = conn.exec("COMMIT"); !st) return fail(st.error());
  return ok_status();
}

}  // namespace

std::string migration_sql(const Migration& migration, const std::string& schema) {
  const std::string quoted = pg::quote_ident(schema);
  std::string out;
  std::string_view sql = migration.sql;
  size_t pos = 0;
  while (true) {
    const size_t next = sql.find(kPlaceholder, pos);
    if (next == std::string_view::npos) break;
    out.append(sql.substr(pos, next - pos));
    out += quoted;
    pos = next + kPlaceholder.size();
  }
  out.append(sql.substr(pos));
  return out;
}

Result<std::vector<int>> applied_migrations(pg::Connection& conn, const std::string& schema) {
  const std::string table = detail::schema_prefix(schema) + "schema_migrations";
  auto exists = conn.query("SELECT to_regclass($1) IS NOT NULL", {table});
  if (!exists) {
    return migration_error("reading the applied migrations", schema, exists.error());
  }
  std::vector<int> versions;
  if (!detail::bool_cell(exists->rows.at(0).at(0)).value_or(false)) return versions;
  auto rows = conn.query("SELECT version FROM " + table + " ORDER BY version");
  if (!rows) return migration_error("reading the applied migrations", schema, rows.error());
  for (const auto& row : rows->rows) {
    versions.push_back(static_cast<int>(detail::int_cell(row.at(0)).value_or(0)));
  }
  return versions;
}

Status migrate(pg::Connection& conn, const std::string& schema) {
  auto applied = applied_migrations(conn, schema);
  if (!applied) return applied.error();
  for (const auto& m : embedded_migrations()) {
    if (std::binary_search(applied->begin(), applied->end(), m.version)) continue;
    if (auto st = apply(conn, schema, m); !st) return st;
  }
  return ok_status();
}

}  // namespace askdb::store
