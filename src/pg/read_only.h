// run_read_only: the executor of the pipeline's step 4. Runs one already-guarded statement in
// a READ ONLY transaction with statement, lock and idle timeouts set locally, then rolls back.
//
// The statement travels by the extended query protocol, so the server itself refuses a second
// statement hidden in the text. REQUIRES: the connection is idle (no open transaction).
#pragma once

#include <string>

#include "pg/connection.h"

namespace askdb::pg {

struct QueryLimits {
  int statement_timeout_ms = 30000;
  int lock_timeout_ms = 5000;
  int idle_in_transaction_timeout_ms = 60000;
};

Result<Rows> run_read_only(Connection& conn, const std::string& sql, const QueryLimits& limits);

}  // namespace askdb::pg
