#include "server/auth.h"

#include <nlohmann/json.hpp>

#include "core/text.h"
#include "server/passwords.h"
#include "server/session_token.h"

namespace askdb::server {
namespace {

using nlohmann::json;

bool state_changing(std::string_view method) {
  return method == "POST" || method == "PATCH" || method == "DELETE" || method == "PUT";
}

// The value of cookie `name` in a Cookie header, "" when absent.
std::string cookie_value(std::string_view header, std::string_view name) {
  for (const std::string& part : split(header, ';')) {
    const std::string_view p = trim(part);
    const size_t eq = p.find('=');
    if (eq != std::string_view::npos && p.substr(0, eq) == name) {
      return std::string(p.substr(eq + 1));
    }
  }
  return "";
}

// "host:port" of an Origin ("http://127.0.0.1:8080") for comparing with the Host header.
std::string_view origin_authority(std::string_view origin) {
  const size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return origin;
  return origin.substr(scheme + 3);
}

// The host name of a Host header value: "127.0.0.1:8080" → "127.0.0.1", "[::1]:80" → "::1".
std::string host_name(std::string_view host) {
  if (host.starts_with('[')) {
    const size_t close = host.find(']');
    return std::string(host.substr(1, close == std::string_view::npos ? host.size() : close - 1));
  }
  const size_t colon = host.rfind(':');
  return std::string(colon == std::string_view::npos ? host : host.substr(0, colon));
}

// A request another site's page could have sent: refuse it whatever the auth mode. Without a
// login (auth none, loopback only), the Host must be a loopback name too, or a page on another
// name that a DNS trick pointed at 127.0.0.1 could read everything.
bool cross_site(Exchange& ex, const ServerContext& ctx) {
  if (ctx.auth == AuthMode::kNone) {
    const std::string host = to_lower(host_name(ex.header("host")));
    if (!host.empty() && !is_loopback_host(host) && host != to_lower(ctx.config.server.host)) {
      ex.respond_error(403, "forbidden",
                       "this askdb runs without login and answers only to loopback addresses "
                       "(127.0.0.1, localhost, [::1]); \"" +
                           host + "\" is not one. Open it through 127.0.0.1 or localhost.");
      return true;
    }
  }
  const std::string_view origin = ex.header("origin");
  const bool opaque = origin == "null" && state_changing(ex.method());  // sandboxed frames
  if (opaque ||
      (!origin.empty() && origin != "null" && origin_authority(origin) != ex.header("host"))) {
    ex.respond_error(403, "forbidden",
                     "cross-site request refused: the Origin header does not match this "
                     "server. Use the web chat served by askdb, or call the API without an "
                     "Origin header.");
    return true;
  }
  if (state_changing(ex.method()) && !ex.body().empty()) {
    const std::string type = to_lower(ex.header("content-type"));
    if (!type.starts_with("application/json")) {
      ex.respond_error(415, "unsupported_media_type",
                       "send the request body as JSON with Content-Type: application/json.");
      return true;
    }
  }
  return false;
}

bool secure_request(Exchange& ex) { return to_lower(ex.header("x-forwarded-proto")) == "https"; }

std::string session_cookie(const std::string& token, int max_age_s, bool secure) {
  std::string c = std::string(kSessionCookie) + "=" + token +
                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
  if (secure) c += "; Secure";
  return c;
}

}  // namespace

asio::awaitable<std::optional<Caller>> authenticate(Exchange& ex, ServerContext& ctx) {
  if (cross_site(ex, ctx)) co_return std::nullopt;
  switch (ctx.auth) {
    case AuthMode::kNone:
      co_return Caller{};
    case AuthMode::kProxy: {
      if (!address_in(ex.remote_address(), ctx.trusted_proxies)) {
        ex.respond_error(403, "forbidden",
                         "this askdb only accepts requests through its load balancer "
                         "(server.proxy_trusted); " +
                             ex.remote_address() + " is not one of its addresses.");
        co_return std::nullopt;
      }
      const std::string user(trim(ex.header(ctx.config.server.proxy_user_header)));
      if (user.empty()) {
        ex.respond_error(401, "unauthorized",
                         "not signed in: the load balancer did not send the " +
                             ctx.config.server.proxy_user_header +
                             " header. Sign in again through it.");
        co_return std::nullopt;
      }
      ex.add_log_field("user", user);
      co_return Caller{user, ""};
    }
    case AuthMode::kLocal:
      break;
  }
  const std::string token = cookie_value(ex.header("cookie"), kSessionCookie);
  if (token.empty()) {
    ex.respond_error(401, "unauthorized", "not logged in: log in to use askdb.");
    co_return std::nullopt;
  }
  // Lambdas in co_await expressions capture by reference only: GCC 12 destroys non-trivial
  // values captured by such temporaries twice.
  const std::string hash = token_hash(token);
  auto session = co_await ctx.store(
      [&ctx, &hash](pg::Connection& conn) { return ctx.sessions.find_session(conn, hash); });
  if (!session) {
    ex.respond_error(
        503, "unavailable",
        "askdb cannot reach its app store to check your session: " + session.error().message);
    co_return std::nullopt;
  }
  if (!*session) {
    ex.respond_error(401, "unauthorized", "your session has expired: log in again.");
    co_return std::nullopt;
  }
  if (state_changing(ex.method()) &&
      !constant_time_equal(ex.header("x-csrf-token"), (*session)->csrf)) {
    ex.respond_error(403, "forbidden",
                     "missing or wrong X-CSRF-Token header: reload the page and try again.");
    co_return std::nullopt;
  }
  ex.add_log_field("user", (*session)->user);
  co_return Caller{(*session)->user, (*session)->csrf};
}

asio::awaitable<void> handle_session(Exchange& ex, ServerContext& ctx) {
  json out = {{"auth", auth_mode_name(ctx.auth)}, {"user", nullptr}, {"csrf", ""}};
  if (ctx.auth == AuthMode::kLocal && cookie_value(ex.header("cookie"), kSessionCookie).empty()) {
    ex.respond_json(200, out);
    co_return;
  }
  if (ctx.auth != AuthMode::kNone) {
    auto caller = co_await authenticate(ex, ctx);
    if (!caller) {
      if (ex.status() == 401) ex.respond_json(200, out);  // not logged in is an answer here
      co_return;
    }
    out["user"] = caller->user;
    out["csrf"] = caller->csrf;
  }
  ex.respond_json(200, out);
}

asio::awaitable<void> handle_login(Exchange& ex, ServerContext& ctx) {
  if (cross_site(ex, ctx)) co_return;
  if (ctx.auth != AuthMode::kLocal) {
    ex.respond_error(404, "not_found",
                     std::string("there is no login here: this askdb uses auth \"") +
                         auth_mode_name(ctx.auth) + "\".");
    co_return;
  }
  json body = json::parse(ex.body(), nullptr, false);
  if (!body.is_object() || !body.contains("user") || !body["user"].is_string() ||
      !body.contains("password") || !body["password"].is_string()) {
    ex.respond_error(400, "bad_request",
                     "send {\"user\": \"...\", \"password\": \"...\"} as JSON.");
    co_return;
  }
  const std::string user = body["user"].get<std::string>();
  const std::string password = body["password"].get<std::string>();
  // Behind a load balancer (server.proxy_trusted), the client's own address, not the balancer's:
  // one client failing logins must not lock out everyone else.
  const std::string address =
      client_address(ex.remote_address(), ex.header("x-forwarded-for"), ctx.trusted_proxies);
  for (const std::string& key : {"address:" + address, "user:" + user}) {
    const auto decision = ctx.login_limiter.take(key);
    if (!decision.allowed) {
      const auto seconds = std::to_string(decision.retry_after.count());
      ex.respond_error(429, "rate_limited",
                       "too many login attempts; try again in " + seconds + " s.",
                       {{"Retry-After", seconds}});
      co_return;
    }
  }
  // Hashing is deliberately slow: off the event loop.
  const std::string old_token = cookie_value(ex.header("cookie"), kSessionCookie);
  const int ttl_s = ctx.config.server.session_ttl_hours * 3600;
  auto outcome =
      co_await ctx.store([&](pg::Connection& conn) -> Result<std::optional<std::string>> {
        auto account = ctx.users.find_user(conn, user);
        if (!account) return account.error();
        // Verify against a dummy hash when the user does not exist, so timing tells nothing.
        static const std::string kDummy = [] {
          auto h = hash_password("not a real password");
          return h ? *h : std::string();
        }();
        const bool known = account->has_value() && !(*account)->disabled;
        const bool ok = verify_password(password, known ? (*account)->password_hash : kDummy);
        if (!known || !ok) return std::optional<std::string>();
        if (!old_token.empty()) {
          if (auto st = ctx.sessions.delete_session(conn, token_hash(old_token)); !st)
            return st.error();
        }
        std::string token = new_token();  // a fresh id at every login: no session fixation
        if (auto st =
                ctx.sessions.create_session(conn, token_hash(token), user, new_token(), ttl_s);
            !st) {
          return st.error();
        }
        return std::optional<std::string>(std::move(token));
      });
  if (!outcome) {
    ex.respond_error(503, "unavailable",
                     "askdb cannot reach its app store: " + outcome.error().message);
    co_return;
  }
  if (!*outcome) {
    ex.respond_error(401, "unauthorized", "wrong user name or password.");
    co_return;
  }
  ex.add_header("Set-Cookie", session_cookie(**outcome, ttl_s, secure_request(ex)));
  ex.respond_json(200, {{"user", user}});
}

asio::awaitable<void> handle_logout(Exchange& ex, ServerContext& ctx) {
  if (cross_site(ex, ctx)) co_return;
  const std::string token = cookie_value(ex.header("cookie"), kSessionCookie);
  if (!token.empty()) {
    const std::string hash = token_hash(token);
    auto ended = co_await ctx.store(
        [&ctx, &hash](pg::Connection& conn) { return ctx.sessions.delete_session(conn, hash); });
    if (!ended) {
      // The session would stay valid: say so rather than pretend the logout worked.
      ex.respond_error(503, "unavailable",
                       "could not end the session (askdb cannot reach its app store); try "
                       "logging out again in a moment. " +
                           ended.error().message);
      co_return;
    }
  }
  ex.add_header("Set-Cookie", session_cookie("", 0, secure_request(ex)));
  ex.respond(204, "");
}

}  // namespace askdb::server
