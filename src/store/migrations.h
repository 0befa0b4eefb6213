// Migrations: the app store's tables as versioned SQL files (src/store/migrations/NNNN_name.sql,
// compiled into the binary by the build), and migrate(), which brings a database up to date.
//
// migrate() may run from several replicas at once: each missing migration is applied in its
// own transaction under a transaction-scoped advisory lock keyed on the schema name, after
// re-checking that no one applied it meanwhile. A Connection is used by one thread at a time;
// the functions keep no state.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "pg/connection.h"

namespace askdb::store {

struct Migration {
  int version = 0;        // NNNN of the file name
  std::string_view name;  // "initial" for 0001_initial.sql
  std::string_view sql;   // the file's text; {{schema}} stands for the schema
};

// Every migration built in, in version order (generated from the SQL files).
std::span<const Migration> embedded_migrations();

// The migration's SQL for `schema`: each {{schema}} replaced by the quoted identifier.
std::string migration_sql(const Migration& migration, const std::string& schema);

// The versions recorded in <schema>.schema_migrations, ascending; empty when the schema or the
// table does not exist yet.
Result<std::vector<int>> applied_migrations(pg::Connection& conn, const std::string& schema);

// Creates `schema` when missing, and <schema>.schema_migrations(version, name, applied_at), then
// applies each embedded migration not yet recorded, in order. Idempotent; cheap when nothing
// is missing (no lock is taken). REQUIRES: `conn` is not inside a transaction.
// Error{kDatabase} names the migration that failed, PostgreSQL's words and what to do (for
// example: the role in store.url needs CREATE on the database).
Status migrate(pg::Connection& conn, const std::string& schema);

}  // namespace askdb::store
