// Statement names and the reason each kind of statement is refused.
#include "sqlguard/statement_kinds.h"

#include <array>
#include <cctype>
#include <initializer_list>

#include "sqlguard/tree_walk.h"

namespace askdb::sqlguard {
namespace {

struct Named {
  std::string_view node_type;
  std::string_view name;
};

// Node types whose name is not their CamelCase split ("CreateStmt" is CREATE TABLE).
constexpr std::array kNames = {
    Named{"CreateStmt", "CREATE TABLE"},
    Named{"ViewStmt", "CREATE VIEW"},
    Named{"IndexStmt", "CREATE INDEX"},
    Named{"CreateSeqStmt", "CREATE SEQUENCE"},
    Named{"AlterSeqStmt", "ALTER SEQUENCE"},
    Named{"CreatedbStmt", "CREATE DATABASE"},
    Named{"DropdbStmt", "DROP DATABASE"},
    Named{"AlterDatabaseSetStmt", "ALTER DATABASE"},
    Named{"CreateFunctionStmt", "CREATE FUNCTION"},
    Named{"CreateTrigStmt", "CREATE TRIGGER"},
    Named{"CreatePLangStmt", "CREATE LANGUAGE"},
    Named{"RuleStmt", "CREATE RULE"},
    Named{"DefineStmt", "CREATE"},
    Named{"CompositeTypeStmt", "CREATE TYPE"},
    Named{"CreateEnumStmt", "CREATE TYPE"},
    Named{"CreateRangeStmt", "CREATE TYPE"},
    Named{"CreateDomainStmt", "CREATE DOMAIN"},
    Named{"RenameStmt", "ALTER ... RENAME"},
    Named{"AlterObjectSchemaStmt", "ALTER ... SET SCHEMA"},
    Named{"AlterOwnerStmt", "ALTER ... OWNER"},
    Named{"GrantRoleStmt", "GRANT"},
    Named{"DropOwnedStmt", "DROP OWNED"},
    Named{"ReassignOwnedStmt", "REASSIGN OWNED"},
    Named{"SecLabelStmt", "SECURITY LABEL"},
    Named{"CreateForeignTableStmt", "CREATE FOREIGN TABLE"},
    Named{"ImportForeignSchemaStmt", "IMPORT FOREIGN SCHEMA"},
    Named{"CreateFdwStmt", "CREATE FOREIGN DATA WRAPPER"},
    Named{"AlterFdwStmt", "ALTER FOREIGN DATA WRAPPER"},
    Named{"CreateForeignServerStmt", "CREATE SERVER"},
    Named{"AlterForeignServerStmt", "ALTER SERVER"},
    Named{"CreateAmStmt", "CREATE ACCESS METHOD"},
    Named{"CreateOpClassStmt", "CREATE OPERATOR CLASS"},
    Named{"CreateOpFamilyStmt", "CREATE OPERATOR FAMILY"},
    Named{"AlterOpFamilyStmt", "ALTER OPERATOR FAMILY"},
    Named{"CreateStatsStmt", "CREATE STATISTICS"},
    Named{"CreateTableSpaceStmt", "CREATE TABLESPACE"},
    Named{"DropTableSpaceStmt", "DROP TABLESPACE"},
    Named{"CreateEventTrigStmt", "CREATE EVENT TRIGGER"},
    Named{"AlterEventTrigStmt", "ALTER EVENT TRIGGER"},
    Named{"AlterTSDictionaryStmt", "ALTER TEXT SEARCH DICTIONARY"},
    Named{"AlterTSConfigurationStmt", "ALTER TEXT SEARCH CONFIGURATION"},
    Named{"RefreshMatViewStmt", "REFRESH MATERIALIZED VIEW"},
    Named{"AlterSystemStmt", "ALTER SYSTEM"},
    Named{"ConstraintsSetStmt", "SET CONSTRAINTS"},
    Named{"VariableShowStmt", "SHOW"},
    Named{"DeclareCursorStmt", "DECLARE CURSOR"},
    Named{"ClosePortalStmt", "CLOSE"},
    Named{"DeallocateStmt", "DEALLOCATE"},
    Named{"CheckPointStmt", "CHECKPOINT"},
    Named{"ListenStmt", "LISTEN"},
    Named{"UnlistenStmt", "UNLISTEN"},
    Named{"NotifyStmt", "NOTIFY"},
    Named{"LoadStmt", "LOAD"},
    Named{"DoStmt", "DO"},
    Named{"CallStmt", "CALL"},
    Named{"CopyStmt", "COPY"},
    Named{"LockStmt", "LOCK"},
    Named{"ExplainStmt", "EXPLAIN"},
    Named{"PrepareStmt", "PREPARE"},
    Named{"ExecuteStmt", "EXECUTE"},
    Named{"DiscardStmt", "DISCARD"},
    Named{"ReindexStmt", "REINDEX"},
    Named{"ClusterStmt", "CLUSTER"},
    Named{"TruncateStmt", "TRUNCATE"},
    Named{"CommentStmt", "COMMENT"},
    Named{"ReturnStmt", "RETURN"},
    Named{"PLAssignStmt", "an assignment"},
};

// "AlterTableStmt" -> "ALTER TABLE".
std::string split_camel_case(std::string_view node_type) {
  if (node_type.size() > 4 && node_type.substr(node_type.size() - 4) == "Stmt") {
    node_type.remove_suffix(4);
  }
  std::string out;
  for (size_t i = 0; i < node_type.size(); ++i) {
    const char c = node_type[i];
    if (i > 0 && std::isupper(static_cast<unsigned char>(c)) != 0) out += ' ';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string transaction_name(std::string_view kind) {
  if (kind == "TRANS_STMT_START") return "START TRANSACTION";
  if (kind == "TRANS_STMT_COMMIT") return "COMMIT";
  if (kind == "TRANS_STMT_ROLLBACK") return "ROLLBACK";
  if (kind == "TRANS_STMT_SAVEPOINT") return "SAVEPOINT";
  if (kind == "TRANS_STMT_RELEASE") return "RELEASE SAVEPOINT";
  if (kind == "TRANS_STMT_ROLLBACK_TO") return "ROLLBACK TO SAVEPOINT";
  if (kind == "TRANS_STMT_PREPARE") return "PREPARE TRANSACTION";
  if (kind == "TRANS_STMT_COMMIT_PREPARED") return "COMMIT PREPARED";
  if (kind == "TRANS_STMT_ROLLBACK_PREPARED") return "ROLLBACK PREPARED";
  return "BEGIN";
}

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> options) {
  for (const auto option : options) {
    if (s == option) return true;
  }
  return false;
}

constexpr std::string_view kSendSelect =
    "Send a single read-only SELECT (or WITH ... SELECT) that answers the question.";

}  // namespace

std::string statement_name(std::string_view node_type, const nlohmann::json& fields) {
  if (node_type == "TransactionStmt") return transaction_name(json_string(fields, "kind"));
  if (node_type == "VariableSetStmt") {
    const auto kind = json_string(fields, "kind");
    return kind == "VAR_RESET" || kind == "VAR_RESET_ALL" ? "RESET" : "SET";
  }
  if (node_type == "VacuumStmt") {
    return json_bool(fields, "is_vacuumcmd") ? "VACUUM" : "ANALYZE";
  }
  if (node_type == "CreateTableAsStmt") {
    return json_string(fields, "objtype") == "OBJECT_MATVIEW" ? "CREATE MATERIALIZED VIEW"
                                                              : "CREATE TABLE AS";
  }
  if (node_type == "FetchStmt") {
    return json_bool(fields, "ismove") ? "MOVE" : "FETCH";
  }
  if (node_type == "GrantStmt") {
    return json_bool(fields, "is_grant") ? "GRANT" : "REVOKE";
  }
  if (node_type == "InsertStmt") return "INSERT";
  if (node_type == "UpdateStmt") return "UPDATE";
  if (node_type == "DeleteStmt") return "DELETE";
  if (node_type == "MergeStmt") return "MERGE";
  for (const auto& named : kNames) {
    if (named.node_type == node_type) return std::string(named.name);
  }
  return split_camel_case(node_type);
}

std::string not_a_query_message(std::string_view node_type, const nlohmann::json& fields) {
  const std::string name = statement_name(node_type, fields);
  const std::string refused = name + " is not allowed: ";
  const std::string send(kSendSelect);
  if (is_one_of(node_type,
                {"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "TruncateStmt"})) {
    return refused + "it changes data, and only read-only queries may run. " + send;
  }
  if (node_type == "TransactionStmt") {
    return refused +
           "each query already runs in its own read-only transaction. Send just the query, "
           "without transaction commands.";
  }
  if (node_type == "VariableSetStmt" || node_type == "DiscardStmt" ||
      node_type == "ConstraintsSetStmt") {
    return refused + "it changes session settings. Send just the query, without " + name + ".";
  }
  if (node_type == "VariableShowStmt") {
    return refused +
           "SHOW is not a query. To read a setting, write SELECT current_setting('name').";
  }
  if (node_type == "ExplainStmt") {
    return refused +
           "EXPLAIN ANALYZE runs the statement it explains, so EXPLAIN is refused altogether. "
           "Send the query itself as a single SELECT.";
  }
  if (node_type == "CopyStmt") {
    return refused +
           "COPY moves data in bulk between tables and files or programs. Send a plain SELECT; "
           "its rows are returned to you.";
  }
  if (node_type == "DoStmt") {
    return refused + "it runs procedural code that cannot be checked. " + send;
  }
  if (node_type == "CallStmt") {
    return refused + "it runs a stored procedure, which may change data. " + send;
  }
  if (node_type == "LockStmt") {
    return refused + "it locks tables, which a read-only query must not do. " + send;
  }
  if (is_one_of(node_type, {"ListenStmt", "UnlistenStmt", "NotifyStmt"})) {
    return refused + "asynchronous notifications are not queries. " + send;
  }
  if (is_one_of(node_type, {"PrepareStmt", "ExecuteStmt", "DeallocateStmt"})) {
    return refused +
           "prepared statements are not supported. Send the query itself, with its values "
           "written in.";
  }
  if (is_one_of(node_type, {"DeclareCursorStmt", "FetchStmt", "ClosePortalStmt"})) {
    return refused +
           "cursors are not supported. Send the SELECT itself; the number of rows returned is "
           "capped for you.";
  }
  if (is_one_of(node_type,
                {"VacuumStmt", "ClusterStmt", "ReindexStmt", "CheckPointStmt", "LoadStmt"})) {
    return refused + "it is a maintenance command, not a query. " + send;
  }
  if (node_type == "CreateTableAsStmt") {
    return refused +
           "it creates a table from a query. Send the SELECT alone; its rows are returned to "
           "you.";
  }
  if (node_type.substr(0, 6) == "Create" || node_type.substr(0, 5) == "Alter" ||
      node_type.substr(0, 4) == "Drop" ||
      is_one_of(node_type,
                {"ViewStmt", "IndexStmt", "RuleStmt", "DefineStmt", "RenameStmt", "CommentStmt",
                 "GrantStmt", "GrantRoleStmt", "SecLabelStmt", "ReassignOwnedStmt",
                 "RefreshMatViewStmt", "ImportForeignSchemaStmt", "CompositeTypeStmt"})) {
    return refused + "it changes the database's schema, settings or permissions. " + send;
  }
  return refused + "it is not a read-only query. " + send;
}

}  // namespace askdb::sqlguard
