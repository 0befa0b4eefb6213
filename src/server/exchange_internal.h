// What HttpServer needs of an Exchange that handlers must not see: making one from a parsed
// request, writing its answer when the handler is done, and recording a handler's failure.
// Internal to src/server.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <string_view>

#include "server/connection.h"
#include "server/exchange.h"
#include "server/http_server.h"
#include "server/request_target.h"

namespace askdb::server::detail {

// What every connection of one server shares.
struct ServerShared {
  HttpServerOptions options;
  std::atomic<bool> stopping{false};
};

struct ExchangeAccess {
  static std::unique_ptr<Exchange> make(std::shared_ptr<Connection> connection,
                                        std::shared_ptr<const ServerShared> server,
                                        http::request<http::string_body> request,
                                        RequestTarget target);
  // The connection closes after this exchange's answer.
  static void close_after(Exchange& exchange);
  // The handler threw `what`: logs it; answers 500 `internal`, or cuts the stream short.
  static void handler_failed(Exchange& exchange, std::string_view what);
  // Writes the answer (a 500 when the handler gave none) or ends the event stream, logs the
  // access line and ends the exchange. Returns whether the connection may serve another
  // request.
  static net::awaitable<bool> complete(Exchange& exchange);
  // Writes queued events until the sink is closed and empty (then the terminating chunk), or
  // the connection is lost. Sends a ": keep-alive" comment after `keepalive` of silence
  // (0: never).
  static net::awaitable<void> run_event_writer(std::shared_ptr<Connection> connection,
                                               std::shared_ptr<EventSink> sink, bool chunked,
                                               std::chrono::milliseconds keepalive);
};

}  // namespace askdb::server::detail
