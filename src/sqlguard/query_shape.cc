// Finds data-modifying statements, INTO clauses and locking clauses anywhere in a query.
#include "sqlguard/query_shape.h"

#include <string>
#include <string_view>

#include "sqlguard/tree_walk.h"

namespace askdb::sqlguard {
namespace {

std::string_view modifying_verb(std::string_view node_type) {
  if (node_type == "InsertStmt") return "INSERT";
  if (node_type == "UpdateStmt") return "UPDATE";
  if (node_type == "DeleteStmt") return "DELETE";
  if (node_type == "MergeStmt") return "MERGE";
  return {};
}

std::string_view locking_words(std::string_view strength) {
  if (strength == "LCS_FORNOKEYUPDATE") return "FOR NO KEY UPDATE";
  if (strength == "LCS_FORSHARE") return "FOR SHARE";
  if (strength == "LCS_FORKEYSHARE") return "FOR KEY SHARE";
  return "FOR UPDATE";
}

}  // namespace

std::optional<Rejection> check_query_shape(const nlohmann::json& select_stmt) {
  std::string_view verb;
  std::string into_table;
  bool has_into = false;
  std::string_view lock;
  for_each_member(select_stmt, [&](std::string_view key, const nlohmann::json& value) {
    if (verb.empty()) verb = modifying_verb(key);
    if (key == "intoClause" && value.is_object()) {
      has_into = true;
      if (into_table.empty() && value.contains("rel")) {
        into_table = std::string(json_string(value["rel"], "relname"));
      }
    }
    if (key == "lockingClause" && lock.empty()) {
      lock = "FOR UPDATE";
      if (value.is_array() && !value.empty() && value[0].contains("LockingClause")) {
        lock = locking_words(json_string(value[0]["LockingClause"], "strength"));
      }
    }
  });
  if (!verb.empty()) {
    const std::string v(verb);
    return Rejection{Refusal::kDataModifyingCte,
                     "The query contains " + v + " (in a WITH clause): " + v +
                         " changes data, and only read-only queries may run. Rewrite it as a "
                         "SELECT that reads the rows, without " +
                         v + "."};
  }
  if (has_into) {
    const std::string table = into_table.empty() ? "" : " (" + into_table + ")";
    return Rejection{Refusal::kSelectInto,
                     "SELECT ... INTO creates a new table" + table +
                         ", and only read-only queries may run. Remove the INTO clause; the "
                         "rows are returned to you as they are."};
  }
  if (!lock.empty()) {
    const std::string l(lock);
    return Rejection{Refusal::kLocking, "SELECT ... " + l +
                                            " locks the rows it reads, which a read-only query "
                                            "must not do. Remove the " +
                                            l + " clause."};
  }
  return std::nullopt;
}

}  // namespace askdb::sqlguard
