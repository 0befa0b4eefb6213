// The deny-list and the harmless-volatile allow-list.
#include "sqlguard/function_policy.h"

#include <gtest/gtest.h>

namespace askdb::sqlguard {
namespace {

TEST(GuardFunctionPolicyTest, DeniesByNameAndPrefix) {
  for (const char* name : {"pg_sleep",
                           "pg_sleep_for",
                           "pg_sleep_until",
                           "pg_read_file",
                           "pg_read_binary_file",
                           "pg_ls_dir",
                           "pg_ls_waldir",
                           "pg_stat_file",
                           "lo_import",
                           "lo_export",
                           "lo_get",
                           "loread",
                           "dblink",
                           "dblink_exec",
                           "set_config",
                           "pg_terminate_backend",
                           "pg_cancel_backend",
                           "nextval",
                           "setval",
                           "currval",
                           "lastval",
                           "pg_advisory_lock",
                           "pg_try_advisory_xact_lock",
                           "pg_notify",
                           "pg_reload_conf",
                           "pg_rotate_logfile",
                           "pg_switch_wal",
                           "pg_create_logical_replication_slot",
                           "pg_drop_replication_slot",
                           "pg_logical_slot_get_changes",
                           "pg_replication_origin_create",
                           "query_to_xml",
                           "query_to_xmlschema",
                           "query_to_xml_and_xmlschema",
                           "table_to_xml",
                           "cursor_to_xml",
                           "database_to_xml_and_xmlschema",
                           "schema_to_xml",
                           "txid_current",
                           "pg_current_xact_id",
                           "pg_import_system_collations",
                           "pg_promote",
                           "pg_file_write",
                           "ts_stat"}) {
    EXPECT_TRUE(denied_function_reason(name).has_value()) << name;
  }
}

TEST(GuardFunctionPolicyTest, DenyListIgnoresCase) {
  EXPECT_TRUE(denied_function_reason("PG_SLEEP").has_value());
  EXPECT_TRUE(denied_function_reason("Lo_Import").has_value());
}

TEST(GuardFunctionPolicyTest, ReadOnlyFunctionsAreNotDenied) {
  for (const char* name : {"current_setting", "now", "lower", "date_trunc", "pg_size_pretty",
                           "pg_total_relation_size", "random", "long_name", "lower_inf",
                           "pg_stat_get_live_tuples", "txid_current_snapshot", "xmlagg"}) {
    EXPECT_FALSE(denied_function_reason(name).has_value()) << name;
  }
}

TEST(GuardFunctionPolicyTest, HarmlessVolatileAllowList) {
  for (const char* name : {"random", "clock_timestamp", "timeofday", "statement_timestamp",
                           "gen_random_uuid", "pg_total_relation_size"}) {
    EXPECT_TRUE(is_harmless_volatile_function(name)) << name;
  }
  for (const char* name : {"setseed", "set_config", "nextval", "pg_sleep", "lo_import",
                           "brin_summarize_range", "current_query"}) {
    EXPECT_FALSE(is_harmless_volatile_function(name)) << name;
  }
}

TEST(GuardFunctionPolicyTest, ReasonCompletesTheSentence) {
  const auto reason = denied_function_reason("pg_read_file");
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(*reason, "reads or lists files on the database server");
}

}  // namespace
}  // namespace askdb::sqlguard
