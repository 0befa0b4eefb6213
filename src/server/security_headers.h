// The security headers every response of askdb's server carries, whatever produced it (a
// route, a static file, an error the server answered by itself, an event stream's head).
// The page loads scripts, styles and data from its own origin only, so the policy needs no
// 'unsafe-inline'. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace askdb::server {

inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

// X-Content-Type-Options, Referrer-Policy, X-Frame-Options and Content-Security-Policy, as
// (name, value) pairs. HttpServerOptions::response_headers starts from these.
std::vector<std::pair<std::string, std::string>> default_security_headers();

}  // namespace askdb::server
