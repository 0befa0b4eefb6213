// Structural checks on an accepted-looking query: nothing inside it may change data
// (INSERT/UPDATE/DELETE/MERGE in a CTE, however deeply nested), create a table (SELECT INTO)
// or lock rows (FOR UPDATE/NO KEY UPDATE/SHARE/KEY SHARE), wherever it appears in the tree.
// Internal to sqlguard. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "sqlguard/guard.h"

namespace askdb::sqlguard {

// REQUIRES: `select_stmt` is the fields of the top-level SelectStmt.
// Returns the first problem by severity (data-modifying CTE, then SELECT INTO, then locking).
std::optional<Rejection> check_query_shape(const nlohmann::json& select_stmt);

}  // namespace askdb::sqlguard
