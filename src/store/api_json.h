// The JSON forms docs/api.md gives what the app store holds: a message, a conversation summary,
// a conversation with its messages, and a rating. Keys are exactly the documented ones, with
// null where a part is absent. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "store/conversations.h"
#include "store/feedback.h"
#include "store/message.h"

namespace askdb::store {

// {"id", "conversation_id", "kind", "question", "status", "sql", "columns", "rows", "row_count",
//  "truncated", "chart", "answer", "attempts", "timings_ms", "tokens", "verified_match",
//  "error", "feedback": null | {"rating", "comment"}, "created_at"}
nlohmann::json message_json(const StoredMessage& message);

// {"id", "title", "created_at", "updated_at", "message_count"}
nlohmann::json summary_json(const ConversationSummary& summary);

// {"id", "title", "created_at", "updated_at", "messages": [message, ...]}
nlohmann::json conversation_json(const Conversation& conversation);

// {"message_id", "rating", "comment"}
nlohmann::json feedback_json(const FeedbackRecord& feedback);

}  // namespace askdb::store
