// The message routes: POST /api/v1/conversations/{id}/messages (ask a question, or run SQL a
// person wrote) streamed as Server-Sent Events or answered once as JSON, and POST
// /api/v1/messages/{id}/feedback. See docs/api.md.
//
// A question is stored before the LLM is called; the answer is saved about once a second as
// it streams and in full at the end, so a closed browser or a crash loses nothing. A client
// that goes away cancels the LLM request; what had arrived is kept and marked interrupted.
#pragma once

#include "server/exchange.h"
#include "server/server_context.h"

namespace askdb::server {

asio::awaitable<void> handle_post_message(Exchange& ex, ServerContext& ctx);
asio::awaitable<void> handle_feedback(Exchange& ex, ServerContext& ctx);

}  // namespace askdb::server
