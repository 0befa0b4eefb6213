// FeedbackStore: a person's thumbs up or down on a message of theirs. A thumbs up on an
// answered question stores its question and SQL as a verified example (source "feedback"),
// which later questions are matched against; a thumbs down withdraws it.
//
// Scoped by owner like ConversationStore: another owner's message, a missing one and an id that
// is not a UUID read as absent. One round trip per call; holds only the schema name:
// thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "pg/connection.h"
#include "store/message.h"

namespace askdb::store {

struct FeedbackRecord {
  std::string message_id;
  Rating rating = Rating::kUp;
  std::optional<std::string> comment;
};

class FeedbackStore {
 public:
  explicit FeedbackStore(const std::string& schema);

  // Sets (or replaces) the owner's rating of the message. kUp on a question answered without
  // error (status done, with SQL) adds or refreshes its verified example; kDown deletes it.
  // nullopt when the message is absent or another owner's.
  Result<std::optional<FeedbackRecord>> set_feedback(
      pg::Connection& conn, const std::string& owner, const std::string& message_id, Rating rating,
      const std::optional<std::string>& comment) const;

 private:
  std::string prefix_;  // "schema".
};

}  // namespace askdb::store
