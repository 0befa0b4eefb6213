// The verified examples routes: GET /api/v1/examples lists the question → SQL pairs askdb has
// been taught (by thumbs up, askdb learn or this API); POST /api/v1/examples teaches one, after
// running its SQL through the guard, read-only. See docs/api.md.
#pragma once

#include "server/exchange.h"
#include "server/server_context.h"

namespace askdb::server {

asio::awaitable<void> handle_list_examples(Exchange& ex, ServerContext& ctx);
asio::awaitable<void> handle_add_example(Exchange& ex, ServerContext& ctx);

}  // namespace askdb::server
