// Judges every function call in a query: FuncCall nodes anywhere in the tree (select list,
// FROM-clause functions and ROWS FROM, LATERAL, CTEs, subqueries, WHERE, GROUP BY, ORDER BY,
// window and FILTER clauses, arguments of other calls). Internal to sqlguard. Pure; thread-safe.
//
// A call is allowed when its function (last part of a schema-qualified name) is not
// deny-listed, exists in the FunctionCatalog, and is immutable, stable, or volatile but on the
// harmless allow-list. Not judged: functions reached through operators, casts and type I/O,
// which the guard cannot see in a raw parse tree (stock PostgreSQL has none with side effects).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "sqlguard/guard.h"

namespace askdb::sqlguard {

// Returns the most serious refusal (deny-listed, then volatile, then unknown; the earliest in
// the text among equals), or nullopt when every call is allowed.
std::optional<Rejection> check_function_calls(const nlohmann::json& tree,
                                              const FunctionCatalog& functions);

}  // namespace askdb::sqlguard
