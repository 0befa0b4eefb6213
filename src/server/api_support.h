// Small pieces every API route uses: reading a JSON body, the per-user rate limit, and turning
// an app-store failure into the right HTTP answer. Run on the exchange's strand.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "core/result.h"
#include "server/auth.h"
#include "server/exchange.h"
#include "server/server_context.h"

namespace askdb::server {

// The body as a JSON object; answers 400 and returns nullopt when it is not one. An empty body
// is an empty object when `empty_ok`.
std::optional<nlohmann::json> json_body(Exchange& ex, bool empty_ok = false);

// Takes `cost` from the caller's budget (by user, or by address with auth none); answers 429
// with Retry-After and returns false when it is spent.
bool within_rate_limit(Exchange& ex, ServerContext& ctx, const Caller& caller, double cost = 1);

// Answers a failure of the app store: 503 when the database cannot be reached, else 500.
void respond_store_error(Exchange& ex, const Error& error);

// 404 for an id that does not exist or is not the caller's.
void respond_not_found(Exchange& ex, std::string_view what);

}  // namespace askdb::server
