// ConversationStore: conversations and their messages in the app store — created, listed,
// renamed and deleted by their owner; questions stored before they are answered, the answer
// saved as it streams and when it is complete.
//
// Every read and write a user can reach is scoped by `owner` (a user name, "" when the server
// runs with auth = none): another owner's conversation, a missing one and an id that is not a
// UUID all read as absent (nullopt, false), never as an error. Each call is one or two round
// trips on the connection it is given, which the caller uses from one thread at a time (a
// database worker). The store itself holds only the schema name: thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "pg/connection.h"
#include "store/message.h"

namespace askdb::store {

struct ConversationSummary {
  std::string id;
  std::string title;       // "" until the first question names it
  std::string created_at;  // ISO-8601 UTC with milliseconds: "2026-11-24T14:02:11.123Z"
  std::string updated_at;  // the last question asked, or the last rename
  int message_count = 0;
};

struct Conversation {
  ConversationSummary summary;
  std::vector<StoredMessage> messages;  // oldest first
};

// The longest title made from a question, in characters (code points), "…" included.
inline constexpr size_t kTitleMaxChars = 80;

// The title a first question gives its conversation: the first non-blank line, trimmed, cut on
// a character boundary to kTitleMaxChars with "…" when longer.
std::string title_from_question(std::string_view question);

class ConversationStore {
 public:
  // `schema`: store.schema, where migrate() made the tables.
  explicit ConversationStore(const std::string& schema);

  Result<ConversationSummary> create_conversation(pg::Connection& conn, const std::string& owner,
                                                  const std::string& title) const;
  // The owner's conversations, most recently updated first; at most `limit`.
  Result<std::vector<ConversationSummary>> list_conversations(pg::Connection& conn,
                                                              const std::string& owner,
                                                              int limit) const;
  // The conversation with its messages (oldest first, each with its feedback); nullopt when
  // absent or another owner's.
  Result<std::optional<Conversation>> get_conversation(pg::Connection& conn,
                                                       const std::string& owner,
                                                       const std::string& id) const;
  // The conversation without its messages (one small row); nullopt as for get_conversation.
  Result<std::optional<ConversationSummary>> get_summary(pg::Connection& conn,
                                                         const std::string& owner,
                                                         const std::string& id) const;
  // Sets the title (as given; the caller bounds its length) and bumps updated_at.
  Result<std::optional<ConversationSummary>> rename_conversation(pg::Connection& conn,
                                                                 const std::string& owner,
                                                                 const std::string& id,
                                                                 const std::string& title) const;
  // Deletes the conversation, its messages, their feedback and the verified examples that
  // thumbs up made of them. False when absent or another owner's.
  Result<bool> delete_conversation(pg::Connection& conn, const std::string& owner,
                                   const std::string& id) const;

  // Stores what the person typed (`text`: the question, or the SQL for kind kSql) as the next
  // message, status kAnswering; names the conversation after it (title_from_question) while
  // its title is empty, and bumps updated_at. nullopt when the conversation is absent or
  // another owner's. `message_id` (a UUID, see new_uuid) is the id to give it; empty: one is
  // made.
  Result<std::optional<StoredMessage>> add_message(pg::Connection& conn, const std::string& owner,
                                                   const std::string& conversation_id,
                                                   MessageKind kind, const std::string& text,
                                                   const std::string& message_id = "") const;
  // One message with its feedback; nullopt when absent or another owner's.
  Result<std::optional<StoredMessage>> get_message(pg::Connection& conn, const std::string& owner,
                                                   const std::string& message_id) const;

  // The last `n` finished (no longer answering) question messages of the conversation, oldest
  // first, for follow-up questions; only those before `before_message_id` when given. Empty
  // when the conversation is absent or another owner's.
  Result<std::vector<Turn>> recent_turns(
      pg::Connection& conn, const std::string& owner, const std::string& conversation_id, int n,
      const std::optional<std::string>& before_message_id = std::nullopt) const;

  // Saves the answer so far while it streams (one cheap UPDATE; call about once a second).
  // Empty `sql` or `answer_so_far` keep what was saved before; an incomplete UTF-8 character at
  // the end is left for the next call. No effect once the message has finished.
  Status save_progress(pg::Connection& conn, const std::string& message_id, const std::string& sql,
                       const std::string& answer_so_far) const;

  // Records the outcome and the final status. `outcome` has the keys of docs/api.md's message
  // (as chat::to_json writes them): sql, columns, rows, row_count, truncated, chart, answer,
  // attempts, timings_ms, tokens, verified_match, error. A missing key leaves its column NULL,
  // except sql and answer, which then keep what save_progress saved. Also overrides
  // kInterrupted (a shutdown's mark) with the complete result. Returns the stored message.
  Result<StoredMessage> finish_message(pg::Connection& conn, const std::string& message_id,
                                       MessageStatus status, const nlohmann::json& outcome) const;

  // Marks those of `message_ids` still answering as kInterrupted (graceful shutdown); their
  // partial answers are kept. Ids that are not UUIDs are skipped.
  Status mark_interrupted(pg::Connection& conn, const std::vector<std::string>& message_ids) const;

 private:
  std::string prefix_;  // "schema".
};

}  // namespace askdb::store
