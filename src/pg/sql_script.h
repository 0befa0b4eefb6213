// run_sql_file: sends a file of SQL statements (the demo data set, migrations) to a
// connection in one transaction. Plain SQL only: no psql meta-commands.
#pragma once

#include <string>

#include "pg/connection.h"

namespace askdb::pg {

// Runs every statement of `path` inside BEGIN/COMMIT; on failure rolls back and returns an
// Error naming the file and PostgreSQL's message.
Status run_sql_file(Connection& conn, const std::string& path);

}  // namespace askdb::pg
