#include "server/router.h"

// GCC 12 reports false positives on Asio's coroutine frames (mismatched-new-delete:
// awaitable_frame_base has its own operator new/delete pair).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <algorithm>
#include <memory>
#include <optional>

#include "server/request_target.h"

namespace askdb::server {
namespace {

// The segments of a path after its leading '/': "/a/b" → {"a", "b"}; "/" → {""}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  for (;;) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

void Router::add(std::string_view method, std::string_view pattern, Handler handler) {
  Route route;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  route.handler = std::move(handler);
  for (std::string_view part : split_path(pattern)) {
    Segment segment;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      segment.parameter = true;
      segment.text = std::string(part.substr(1, part.size() - 2));
    } else {
      segment.text = std::string(part);
      ++route.literals;
    }
    route.segments.push_back(std::move(segment));
  }
  for (Route& existing : routes_) {
    if (existing.method == route.method && existing.pattern == route.pattern) {
      existing = std::move(route);
      return;
    }
  }
  routes_.push_back(std::move(route));
}

boost::asio::awaitable<void> Router::dispatch(Exchange& exchange) const {
  // Segments are decoded one by one, so an encoded '/' stays inside its segment.
  std::vector<std::string> segments;
  for (std::string_view raw : split_path(exchange.raw_path())) {
    std::optional<std::string> decoded = percent_decode(raw, false);
    segments.push_back(decoded ? std::move(*decoded) : std::string(raw));
  }

  const std::string_view method = exchange.method();
  const Route* chosen = nullptr;
  const Route* chosen_get = nullptr;  // for HEAD without a HEAD route
  std::vector<std::string> allowed;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    bool matches = true;
    for (size_t i = 0; i < segments.size() && matches; ++i) {
      const Segment& segment = route.segments[i];
      matches = segment.parameter ? !segments[i].empty() : segment.text == segments[i];
    }
    if (!matches) continue;
    if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
      allowed.push_back(route.method);
    }
    if (route.method == method && (chosen == nullptr || route.literals > chosen->literals)) {
      chosen = &route;
    }
    if (route.method == "GET" && (chosen_get == nullptr || route.literals > chosen_get->literals)) {
      chosen_get = &route;
    }
  }
  if (chosen == nullptr && method == "HEAD") chosen = chosen_get;

  if (chosen != nullptr) {
    Headers params;
    for (size_t i = 0; i < segments.size(); ++i) {
      if (chosen->segments[i].parameter) {
        params.emplace_back(chosen->segments[i].text, std::move(segments[i]));
      }
    }
    exchange.set_path_params(std::move(params));
    exchange.set_route(chosen->pattern);
    co_await chosen->handler(exchange);
    co_return;
  }

  if (!allowed.empty()) {
    if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end() &&
        std::find(allowed.begin(), allowed.end(), "HEAD") == allowed.end()) {
      allowed.push_back("HEAD");
    }
    std::sort(allowed.begin(), allowed.end());
    std::string allow;
    for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    exchange.respond_error(405, "method_not_allowed",
                           std::string(method) + " is not allowed on " +
                               std::string(exchange.path()) + "; use " + allow + ".",
                           {{"Allow", allow}});
    co_return;
  }

  if (fallback_) {
    co_await fallback_(exchange);
    co_return;
  }
  exchange.respond_error(404, "not_found",
                         "There is nothing at " + std::string(exchange.path()) +
                             "; see docs/api.md for the API's routes.");
}

Router::Handler Router::handler() const {
  auto router = std::make_shared<const Router>(*this);
  return [router](Exchange& exchange) { return router->dispatch(exchange); };
}

}  // namespace askdb::server
