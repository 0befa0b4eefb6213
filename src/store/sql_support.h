// Helpers the app store's .cc files share: qualified table names, error messages, timestamps,
// JSON and text made safe for PostgreSQL. Implementation detail of src/store; not for use
// outside it. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "pg/connection.h"

namespace askdb::store::detail {

// `"schema".` — the prefix of every table name in the store's SQL.
std::string schema_prefix(const std::string& schema);

// Error{kDatabase}: "could not <what> in the app store: <PostgreSQL's words>" and what to do.
Error store_error(const std::string& what, const Error& cause);

// SQL for `column` (a timestamptz) as ISO-8601 UTC text with milliseconds:
// "2026-11-24T14:02:11.123Z".
std::string iso_utc(std::string_view column);

// `s` as PostgreSQL accepts text: invalid UTF-8 replaced by U+FFFD, NUL characters dropped.
std::string clean_text(std::string_view s);

// `j` as jsonb input text: strings cleaned as clean_text does (jsonb refuses \u0000 and
// invalid UTF-8). nullopt (SQL NULL) for a null or absent value.
pg::Cell jsonb_param(const nlohmann::json& j);

// A jsonb cell parsed; null for SQL NULL.
nlohmann::json json_cell(const pg::Cell& cell);

std::optional<int64_t> int_cell(const pg::Cell& cell);
std::optional<bool> bool_cell(const pg::Cell& cell);
// The text, or "" for SQL NULL.
std::string text_cell(const pg::Cell& cell);

}  // namespace askdb::store::detail
