// Auth: who is asking, for every API request, by the server's AuthMode — nobody in particular
// (auth none, loopback only), a logged-in local account (session cookie + CSRF token), or the
// user a trusted load balancer names in a header (auth proxy). Also the login and logout
// routes of auth local, with throttling and a fresh session id at every login.
//
// Handlers call authenticate() first; it answers 401 / 403 itself when the request may not go
// on. Cross-site requests are refused in every mode: a body must be application/json and an
// Origin header must match the Host. Runs on the exchange's strand.
#pragma once

#include <optional>
#include <string>

#include "server/exchange.h"
#include "server/server_context.h"

namespace askdb::server {

struct Caller {
  std::string user;  // "" with auth none: everyone on loopback is the same person
  std::string csrf;  // the session's CSRF token (auth local), "" otherwise
};

asio::awaitable<std::optional<Caller>> authenticate(Exchange& ex, ServerContext& ctx);

// GET /api/v1/session, POST /api/v1/login, POST /api/v1/logout.
asio::awaitable<void> handle_session(Exchange& ex, ServerContext& ctx);
asio::awaitable<void> handle_login(Exchange& ex, ServerContext& ctx);
asio::awaitable<void> handle_logout(Exchange& ex, ServerContext& ctx);

// The name of the session cookie.
inline constexpr const char* kSessionCookie = "askdb_session";

}  // namespace askdb::server
