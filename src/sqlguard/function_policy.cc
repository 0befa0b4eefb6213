// The guard's deny-list and harmless-volatile allow-list.
//
// Deny-listed: functions with effects outside the query's result (sleeping, files, large
// objects, other databases, settings, other sessions, sequences, advisory locks, notifications,
// replication and WAL, transaction IDs) and functions that run a SQL string of their own, which
// the guard cannot inspect (query_to_xml and friends, ts_stat, ts_rewrite).
//
// Not deny-listed, on purpose: current_setting (stable, read-only). The guard prevents side
// effects, not reads; what a query may read is decided by the database role's privileges, and
// the same values are readable through the pg_settings view anyway.
#include "sqlguard/function_policy.h"

#include <array>
#include <string>

#include "core/text.h"

namespace askdb::sqlguard {
namespace {

struct DenyRule {
  std::string_view pattern;  // an exact name, or a prefix when it ends with '*'
  std::string_view reason;
};

constexpr std::string_view kSleeps = "only waits, tying up a database connection";
constexpr std::string_view kFiles = "reads or lists files on the database server";
constexpr std::string_view kWritesFiles = "writes or removes files on the database server";
constexpr std::string_view kLargeObjects =
    "reads or writes large objects, which bypasses the tables a query should use";
constexpr std::string_view kRemote = "connects to another database";
constexpr std::string_view kSettings = "changes server or session settings";
constexpr std::string_view kSessions = "signals or stops other database sessions";
constexpr std::string_view kServer = "controls the database server itself";
constexpr std::string_view kSequences =
    "reads or advances a sequence, which changes session or database state";
constexpr std::string_view kAdvisoryLocks = "takes or releases advisory locks";
constexpr std::string_view kNotify = "sends an asynchronous notification";
constexpr std::string_view kReplication = "manages replication, WAL or backups";
constexpr std::string_view kRunsSql = "runs a SQL string of its own, which cannot be checked";
constexpr std::string_view kTransactionId = "assigns a transaction ID, which is a write";
constexpr std::string_view kCatalog = "changes the system catalogs";
constexpr std::string_view kStatistics = "resets or changes statistics the server keeps";

constexpr std::array kDenyRules = {
    DenyRule{"pg_sleep*", kSleeps},
    DenyRule{"pg_read_file*", kFiles},
    DenyRule{"pg_read_binary_file*", kFiles},
    DenyRule{"pg_ls_*", kFiles},
    DenyRule{"pg_stat_file", kFiles},
    DenyRule{"pg_logdir_ls", kFiles},
    DenyRule{"pg_current_logfile", kFiles},
    DenyRule{"pg_file_*", kWritesFiles},  // adminpack: pg_file_write, _rename, _unlink, _sync
    DenyRule{"lo_*", kLargeObjects},
    DenyRule{"loread", kLargeObjects},
    DenyRule{"lowrite", kLargeObjects},
    DenyRule{"dblink*", kRemote},
    DenyRule{"postgres_fdw_*", kRemote},
    DenyRule{"set_config", kSettings},
    DenyRule{"set_limit", kSettings},  // pg_trgm: sets pg_trgm.similarity_threshold
    DenyRule{"pg_reload_conf", kSettings},
    DenyRule{"pg_terminate_backend", kSessions},
    DenyRule{"pg_cancel_backend", kSessions},
    DenyRule{"pg_log_backend_memory_contexts", kSessions},
    DenyRule{"pg_rotate_logfile*", kServer},
    DenyRule{"pg_promote", kServer},
    DenyRule{"pg_switch_wal", kReplication},
    DenyRule{"pg_create_*", kReplication},  // replication slots, restore points
    DenyRule{"pg_drop_*", kReplication},
    DenyRule{"pg_copy_*", kReplication},
    DenyRule{"pg_logical_*", kReplication},
    DenyRule{"pg_replication_origin_*", kReplication},
    DenyRule{"pg_replication_slot_advance", kReplication},
    DenyRule{"pg_wal_replay_*", kReplication},
    DenyRule{"pg_backup_*", kReplication},
    DenyRule{"pg_start_backup", kReplication},
    DenyRule{"pg_stop_backup", kReplication},
    DenyRule{"pg_export_snapshot", kReplication},
    DenyRule{"nextval", kSequences},
    DenyRule{"setval", kSequences},
    DenyRule{"currval", kSequences},
    DenyRule{"lastval", kSequences},
    DenyRule{"pg_advisory_*", kAdvisoryLocks},
    DenyRule{"pg_try_advisory_*", kAdvisoryLocks},
    DenyRule{"pg_notify", kNotify},
    DenyRule{"query_to_xml*", kRunsSql},  // also query_to_xmlschema, query_to_xml_and_xmlschema
    DenyRule{"table_to_xml*", kRunsSql},
    DenyRule{"cursor_to_xml*", kRunsSql},
    DenyRule{"database_to_xml*", kRunsSql},
    DenyRule{"schema_to_xml*", kRunsSql},
    DenyRule{"ts_stat", kRunsSql},
    DenyRule{"ts_rewrite", kRunsSql},
    DenyRule{"txid_current", kTransactionId},
    DenyRule{"txid_current_if_assigned", kTransactionId},
    DenyRule{"pg_current_xact_id", kTransactionId},
    DenyRule{"pg_current_xact_id_if_assigned", kTransactionId},
    DenyRule{"pg_import_system_collations", kCatalog},
    DenyRule{"pg_nextoid", kCatalog},
    DenyRule{"binary_upgrade_*", kCatalog},
    DenyRule{"pg_stat_reset*", kStatistics},
    DenyRule{"pg_stat_clear_snapshot", kStatistics},
    DenyRule{"pg_stat_force_next_flush", kStatistics},
};

// Volatile in pg_proc, yet harmless in a read-only query: they only read clocks, draw random
// numbers from the session's generator without seeding it (setseed stays out: it changes the
// session's state), or report sizes, partitions and server state.
constexpr std::array<std::string_view, 14> kHarmlessVolatile = {
    "random",
    "clock_timestamp",
    "timeofday",
    "statement_timestamp",
    "gen_random_uuid",
    "pg_database_size",
    "pg_relation_size",
    "pg_table_size",
    "pg_indexes_size",
    "pg_total_relation_size",
    "pg_tablespace_size",
    "pg_is_in_recovery",
    "pg_partition_tree",
    "pg_partition_ancestors",
};

bool matches(std::string_view pattern, std::string_view name) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return name.substr(0, pattern.size()) == pattern;
  }
  return name == pattern;
}

}  // namespace

std::optional<std::string_view> denied_function_reason(std::string_view name) {
  const std::string lower = to_lower(name);
  for (const auto& rule : kDenyRules) {
    if (matches(rule.pattern, lower)) return rule.reason;
  }
  return std::nullopt;
}

bool is_harmless_volatile_function(std::string_view name) {
  for (const auto allowed : kHarmlessVolatile) {
    if (name == allowed) return true;
  }
  return false;
}

}  // namespace askdb::sqlguard
