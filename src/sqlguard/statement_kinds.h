// Names and refusal messages for statements that are not plain queries (DML, DDL, utility
// commands, transaction control, ...). Internal to sqlguard. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace askdb::sqlguard {

// The statement as a user would name it ("INSERT", "CREATE TABLE", "ROLLBACK", "EXPLAIN"),
// from its parse-tree node type ("InsertStmt") and fields.
std::string statement_name(std::string_view node_type, const nlohmann::json& fields);

// What to tell a user or an LLM that sent this statement: that it is refused, why, and what to
// send instead.
std::string not_a_query_message(std::string_view node_type, const nlohmann::json& fields);

}  // namespace askdb::sqlguard
