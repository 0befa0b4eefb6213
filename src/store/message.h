// StoredMessage: one message of a conversation as the app store keeps it — the question (or
// the SQL a person wrote), its status, and what its answer produced so far — with the small
// enums that describe it. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace askdb::store {

enum class MessageKind {
  kQuestion,  // a question in words, answered by the pipeline
  kSql,       // SQL a person wrote ("edit and run")
};

enum class MessageStatus {
  kAnswering,    // being answered, or the server died mid-answer (partial answer kept)
  kDone,         // answered
  kError,        // the pipeline failed; `error` says why
  kInterrupted,  // the client went away or the server stopped before the answer was complete
};

enum class Rating { kUp, kDown };

// The names used in the database and in docs/api.md: "question", "answering", "up", ...
const char* message_kind_name(MessageKind kind);
const char* message_status_name(MessageStatus status);
const char* rating_name(Rating rating);
// nullopt for any other text.
std::optional<MessageKind> parse_message_kind(std::string_view name);
std::optional<MessageStatus> parse_message_status(std::string_view name);
std::optional<Rating> parse_rating(std::string_view name);

struct Feedback {
  Rating rating = Rating::kUp;
  std::optional<std::string> comment;
};

struct StoredMessage {
  std::string id;
  std::string conversation_id;
  int position = 0;  // 1, 2, ... within the conversation
  MessageKind kind = MessageKind::kQuestion;
  std::string question;  // what the person typed: the question, or the SQL for kind kSql
  MessageStatus status = MessageStatus::kAnswering;
  std::optional<std::string> sql;  // the guarded statement (as it streams: the latest one)
  // The parts of docs/api.md's message of the same names, as JSON; null where absent.
  nlohmann::json columns;
  nlohmann::json rows;
  std::optional<int64_t> row_count;
  std::optional<bool> truncated;
  nlohmann::json chart;
  std::optional<std::string> answer;  // complete, or as far as it got
  nlohmann::json attempts;
  nlohmann::json timings_ms;
  nlohmann::json tokens;
  nlohmann::json verified_match;
  nlohmann::json error;
  std::optional<Feedback> feedback;
  std::string created_at;  // ISO-8601 UTC with milliseconds: "2026-11-24T14:02:11.123Z"
};

// One earlier finished exchange of a conversation, for follow-up questions.
struct Turn {
  std::string question;
  std::string sql;     // "" when none ran
  std::string answer;  // "" when none was written
};

}  // namespace askdb::store
