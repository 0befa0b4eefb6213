// Router: picks a handler by method and path. A pattern is a path whose segments are
// literals or {name} parameters ("/api/v1/conversations/{id}/messages"); a parameter matches
// one non-empty segment, percent-decoded, and is read with Exchange::path_param(). When
// several patterns match, the one with more literal segments wins, then the first added.
//
// Unknown paths go to the fallback (by default 404 `not_found`); a known path with another
// method gets 405 `method_not_allowed` and an Allow header. HEAD is answered by the GET route
// when there is no HEAD route (the server sends the headers only). The pattern that matched is
// set as the exchange's route() (for metrics); the fallback and 405 leave it as it was.
//
// Build it on one thread, then hand handler() to HttpServer; dispatch() is const and may run
// on any number of threads at once.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "server/exchange.h"
#include "server/http_server.h"

namespace askdb::server {

class Router {
 public:
  using Handler = HttpServer::Handler;

  // REQUIRES `pattern` starts with '/', and {name} parameters are whole segments. Adding a
  // method and pattern again replaces the handler.
  void add(std::string_view method, std::string_view pattern, Handler handler);
  void get(std::string_view pattern, Handler handler) { add("GET", pattern, std::move(handler)); }
  void post(std::string_view pattern, Handler handler) { add("POST", pattern, std::move(handler)); }
  void patch(std::string_view pattern, Handler handler) {
    add("PATCH", pattern, std::move(handler));
  }
  void del(std::string_view pattern, Handler handler) {
    add("DELETE", pattern, std::move(handler));
  }

  // What answers a path no pattern matches (static files, say).
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }

  boost::asio::awaitable<void> dispatch(Exchange& exchange) const;
  // A handler for HttpServer that dispatches through a copy of this router.
  Handler handler() const;

 private:
  struct Segment {
    std::string text;  // the literal, or the parameter's name
    bool parameter = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    size_t literals = 0;
    Handler handler;
  };

  std::vector<Route> routes_;
  Handler fallback_;
};

}  // namespace askdb::server
