#include "pg/read_only.h"

namespace askdb::pg {

Result<Rows> run_read_only(Connection& conn, const std::string& sql, const QueryLimits& limits) {
  const std::string begin = "BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = " +
                            std::to_string(limits.statement_timeout_ms) +
                            "; SET LOCAL lock_timeout = " + std::to_string(limits.lock_timeout_ms) +
                            "; SET LOCAL idle_in_transaction_session_timeout = " +
                            std::to_string(limits.idle_in_transaction_timeout_ms);
  if (auto st = conn.exec(begin); !st) {
    (void)conn.exec("ROLLBACK");
    return st.error();
  }
  auto rows = conn.query(sql);
  // Never commit: nothing may outlive the query, even where the read-only flag would allow it.
  (void)conn.exec("ROLLBACK");
  if (!rows) {
    std::string msg = rows.error().message;
    if (msg.find("57014") != std::string::npos) {
      msg += "\nThe query ran longer than query.statement_timeout_ms (" +
             std::to_string(limits.statement_timeout_ms) +
             " ms). Ask for less data or raise the setting.";
    }
    return make_error(ErrorCode::kDatabase, msg);
  }
  return rows;
}

}  // namespace askdb::pg
