// The conversation routes (create, list, read, rename, delete), the schema browser's
// GET /api/v1/schema, and the health checks GET /healthz and GET /readyz. See docs/api.md.
#pragma once

#include "server/exchange.h"
#include "server/server_context.h"

namespace askdb::server {

asio::awaitable<void> handle_create_conversation(Exchange& ex, ServerContext& ctx);
asio::awaitable<void> handle_list_conversations(Exchange& ex, ServerContext& ctx);
asio::awaitable<void> handle_get_conversation(Exchange& ex, ServerContext& ctx);
asio::awaitable<void> handle_rename_conversation(Exchange& ex, ServerContext& ctx);
asio::awaitable<void> handle_delete_conversation(Exchange& ex, ServerContext& ctx);

asio::awaitable<void> handle_schema(Exchange& ex, ServerContext& ctx);
asio::awaitable<void> handle_healthz(Exchange& ex, ServerContext& ctx);
asio::awaitable<void> handle_readyz(Exchange& ex, ServerContext& ctx);

}  // namespace askdb::server
