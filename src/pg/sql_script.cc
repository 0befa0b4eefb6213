#include "pg/sql_script.h"

#include "core/text.h"

namespace askdb::pg {

Status run_sql_file(Connection& conn, const std::string& path) {
  std::string sql;
  if (!read_file(path, sql)) {
    return make_error(ErrorCode::kConfig,
                      "cannot read " + path + "; is askdb installed completely (paths.demo_dir)?");
  }
  if (auto st = conn.exec("BEGIN"); !st) return st;
  if (auto st = conn.exec(sql); !st) {
    (void)conn.exec("ROLLBACK");
    return make_error(ErrorCode::kDatabase, path + " failed: " + st.error().message);
  }
  return conn.exec("COMMIT");
}

}  // namespace askdb::pg
