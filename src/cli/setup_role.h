// `askdb setup-role`: prints, or with --apply runs, the statements that make the read-only role
// askdb queries as (pg/read_only_role.h). With --apply it connects as an administrator (an
// admin URL, else libpq's PG* variables) and reports what the role may do afterwards.
#pragma once

#include <string>

namespace askdb::cli {

struct SetupRoleFlags {
  std::string config_file;
  std::string role = "askdb_reader";
  std::string schemas = "public";  // comma-separated
  std::string password_env;        // the variable holding the role's password; "": none set
  std::string admin_url;           // "": ASKDB_ADMIN_URL, else the PG* variables
  std::string work_mem = "64MB";
  bool apply = false;
};

// Returns the exit status.
int run_setup_role(const SetupRoleFlags& flags);

}  // namespace askdb::cli
