#include "server/api_support.h"

#include <spdlog/spdlog.h>

namespace askdb::server {

std::optional<nlohmann::json> json_body(Exchange& ex, bool empty_ok) {
  if (ex.body().empty() && empty_ok) return nlohmann::json::object();
  auto body = nlohmann::json::parse(ex.body(), nullptr, false);
  if (body.is_discarded()) {
    ex.respond_error(400, "bad_request", "the request body is not valid JSON.");
    return std::nullopt;
  }
  if (!body.is_object()) {
    ex.respond_error(400, "bad_request", "the request body must be a JSON object.");
    return std::nullopt;
  }
  return body;
}

bool within_rate_limit(Exchange& ex, ServerContext& ctx, const Caller& caller, double cost) {
  const std::string key =
      caller.user.empty()
          ? "address:" + client_address(ex.remote_address(), ex.header("x-forwarded-for"),
                                        ctx.trusted_proxies)
          : "user:" + caller.user;
  const auto decision = ctx.api_limiter.take(key, cost);
  if (decision.allowed) return true;
  const std::string seconds = std::to_string(decision.retry_after.count());
  ex.respond_error(429, "rate_limited",
                   "too many requests; try again in " + seconds +
                       " s (server.requests_per_minute is " +
                       std::to_string(ctx.config.server.requests_per_minute) + ").",
                   {{"Retry-After", seconds}});
  return false;
}

void respond_store_error(Exchange& ex, const Error& error) {
  spdlog::error("request {}: app store: {}", ex.request_id(), error.message);
  const bool unreachable = error.message.find("could not connect") != std::string::npos ||
                           error.message.find("SQLSTATE 08") != std::string::npos ||
                           error.message.find("connection") != std::string::npos;
  if (unreachable) {
    ex.respond_error(503, "unavailable",
                     "askdb cannot reach its app store right now; try again in a moment. (" +
                         error.message + ")");
  } else {
    ex.respond_error(500, "internal",
                     "askdb's app store failed (request id " + ex.request_id() +
                         "; the server log has the details): " + error.message);
  }
}

void respond_not_found(Exchange& ex, std::string_view what) {
  ex.respond_error(404, "not_found",
                   std::string("no such ") + std::string(what) +
                       " (it does not exist, was deleted, or belongs to someone else).");
}

}  // namespace askdb::server
