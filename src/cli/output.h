// How commands print: JSON on stdout (invalid UTF-8 replaced, never an abort), errors on stderr
// and, with --json, also as {"error": {"code", "message"}} on stdout, so scripts always get one
// JSON object.
#pragma once

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace askdb::cli {

void print_json(const nlohmann::json& out);

// Reports an error that happened before any result existed; returns the exit status for it.
int fail(const Error& error, bool json);

}  // namespace askdb::cli
