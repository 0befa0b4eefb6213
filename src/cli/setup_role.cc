#include "cli/setup_role.h"

#include <cstdlib>
#include <iostream>

#include "cli/output.h"
#include "config/config.h"
#include "core/text.h"
#include "pg/conninfo.h"
#include "pg/read_only_role.h"

namespace askdb::cli {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

int run_setup_role(const SetupRoleFlags& flags) {
  LoadOptions options;
  options.file = flags.config_file;
  auto config = load_config(options);
  if (!config) return fail(config.error(), false);

  pg::ReadOnlyRole role;
  role.name = flags.role;
  role.schemas.clear();
  for (const auto& schema : split(flags.schemas, ',')) {
    if (!trim(schema).empty()) role.schemas.emplace_back(trim(schema));
  }
  role.work_mem = flags.work_mem;
  role.statement_timeout_ms = config->query.statement_timeout_ms;
  role.idle_in_transaction_timeout_ms = config->query.idle_in_transaction_timeout_ms;
  if (auto st = pg::validate(role); !st) return fail(st.error(), false);

  std::string password;
  if (!flags.password_env.empty()) {
    const char* value = std::getenv(flags.password_env.c_str());
    if (value == nullptr || *value == '\0') {
      return fail(Error{ErrorCode::kConfig, "--password-env " + flags.password_env +
                                                ": that variable is not set or empty. Set it "
                                                "to the role's password, or leave the flag out."},
                  false);
    }
    password = value;
  }

  if (!flags.apply) {
    std::cout << "-- The read-only role askdb queries as. Run as a role that may create roles and\n"
                 "-- grant on these schemas' tables, in the database askdb will query, e.g.\n"
                 "--   askdb setup-role | psql -v ON_ERROR_STOP=1 \"$ADMIN_URL\"\n"
                 "-- or run `askdb setup-role --apply` (it also sets the password, as a SCRAM\n"
                 "-- verifier, from --password-env).\n"
                 "BEGIN;\n";
    for (const auto& statement : pg::read_only_role_statements(role)) {
      std::cout << statement << ";\n";
    }
    std::cout << "COMMIT;\n"
              << "-- Then give it a password (psql: \\password " << role.name << ").\n";
    return 0;
  }

  std::string admin = flags.admin_url;
  if (admin.empty()) {
    if (const char* url = std::getenv("ASKDB_ADMIN_URL")) admin = url;
  }
  // "" is libpq's defaults: PGHOST, PGUSER, PGPASSWORD ... (an ECS task's injected secrets).
  auto conn = pg::Connection::open(admin, "the database as its administrator");
  if (!conn) return fail(conn.error(), false);
  auto privileges = pg::apply_read_only_role(*conn, role, password);
  if (!privileges) return fail(privileges.error(), false);

  std::cerr << "askdb: ran:\n";
  for (const auto& statement : pg::read_only_role_statements(role)) {
    std::cerr << "  " << statement << ";\n";
  }
  if (!password.empty()) std::cerr << "  ALTER ROLE ... PASSWORD '<SCRAM verifier>';\n";
  std::cout << "askdb: role " << role.name << " may read " << privileges->readable_relations
            << " tables and views in " << joined(role.schemas) << "; write "
            << privileges->writable_relations << "; create in "
            << (privileges->may_create_in.empty() ? "nothing" : joined(privileges->may_create_in))
            << "; default_transaction_read_only " << (privileges->read_only_default ? "on" : "OFF")
            << ".\n";
  if (password.empty()) {
    std::cout << "askdb: no password was set (--password-env); set one before askdb connects "
                 "as "
              << role.name << ".\n";
  }
  // Privileges granted by others (or membership in a writing role) are not taken away here.
  if (privileges->writable_relations > 0 || !privileges->may_create_in.empty() ||
      privileges->superuser || privileges->bypass_rls) {
    std::cerr << "askdb: " << role.name
              << " still may change data: privileges granted to it (or to PUBLIC) before were "
                 "kept. Revoke them, e.g. REVOKE ALL ON ALL TABLES IN SCHEMA ... FROM "
              << role.name << ", then run this again.\n";
    return 1;
  }
  return 0;
}

}  // namespace askdb::cli
