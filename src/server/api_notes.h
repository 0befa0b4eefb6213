// The glossary notes routes: GET /api/v1/notes lists the notes in use (glossary.md's and those
// added here or with `askdb note`); POST /api/v1/notes adds one, or replaces the note of the same
// term (any case). Later questions that name the term get the note in their prompt. See
// docs/api.md.
#pragma once

#include "server/exchange.h"
#include "server/server_context.h"

namespace askdb::server {

asio::awaitable<void> handle_list_notes(Exchange& ex, ServerContext& ctx);
asio::awaitable<void> handle_add_note(Exchange& ex, ServerContext& ctx);

}  // namespace askdb::server
