// The read-only role askdb queries as: the statements that create it (or bring an existing one
// back to what askdb needs) with LOGIN, USAGE and SELECT on the allowed schemas and nothing
// else, default_transaction_read_only on and caps on statement time and work_mem; and a check
// of what a role may do. `askdb setup-role` prints or runs them.
//
// The statements are idempotent: running them again adds what is missing and re-grants. Pure
// functions and a blocking apply on one connection; any thread.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "pg/connection.h"

namespace askdb::pg {

struct ReadOnlyRole {
  std::string name = "askdb_reader";
  std::vector<std::string> schemas = {"public"};
  int statement_timeout_ms = 30000;
  int idle_in_transaction_timeout_ms = 60000;
  std::string work_mem = "64MB";  // a PostgreSQL memory size: "64MB", "4096kB"
  int connection_limit = 50;      // -1: none
};

// Error{kConfig} when a name is empty or too long for PostgreSQL, or work_mem is not a size.
Status validate(const ReadOnlyRole& role);

// The statements, in order, for psql or for apply_read_only_role(). The role's password is not
// among them (see apply_read_only_role). REQUIRES validate(role).
std::vector<std::string> read_only_role_statements(const ReadOnlyRole& role);

// What a role may do in the schemas it was given (and in the database).
struct RolePrivileges {
  int readable_relations = 0;  // tables, views, materialized views, foreign tables
  int writable_relations = 0;  // any of INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
  std::vector<std::string> may_create_in;  // schemas (and "database <name>") it may CREATE in
  bool superuser = false;
  bool bypass_rls = false;
  bool read_only_default = false;  // default_transaction_read_only is on for the role
};

// Runs the statements in one transaction on `admin` (a role that may create roles and grant on
// the schemas' tables), then sets the password when `password` is not empty: sent as a SCRAM
// verifier computed here (PQencryptPasswordConn), so the password itself never reaches the
// server or its log. Returns what the role may do afterwards.
Result<RolePrivileges> apply_read_only_role(Connection& admin, const ReadOnlyRole& role,
                                            const std::string& password);

// What `role` may do in `schemas`, as seen by `conn` (any role that may read the catalogs).
Result<RolePrivileges> role_privileges(Connection& conn, const std::string& role,
                                       const std::vector<std::string>& schemas);

}  // namespace askdb::pg
