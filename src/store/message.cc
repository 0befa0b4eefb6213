#include "store/message.h"

namespace askdb::store {

const char* message_kind_name(MessageKind kind) {
  switch (kind) {
    case MessageKind::kQuestion:
      return "question";
    case MessageKind::kSql:
      return "sql";
  }
  return "question";
}

const char* message_status_name(MessageStatus status) {
  switch (status) {
    case MessageStatus::kAnswering:
      return "answering";
    case MessageStatus::kDone:
      return "done";
    case MessageStatus::kError:
      return "error";
    case MessageStatus::kInterrupted:
      return "interrupted";
  }
  return "error";
}

const char* rating_name(Rating rating) { return rating == Rating::kUp ? "up" : "down"; }

std::optional<MessageKind> parse_message_kind(std::string_view name) {
  if (name == "question") return MessageKind::kQuestion;
  if (name == "sql") return MessageKind::kSql;
  return std::nullopt;
}

std::optional<MessageStatus> parse_message_status(std::string_view name) {
  if (name == "answering") return MessageStatus::kAnswering;
  if (name == "done") return MessageStatus::kDone;
  if (name == "error") return MessageStatus::kError;
  if (name == "interrupted") return MessageStatus::kInterrupted;
  return std::nullopt;
}

std::optional<Rating> parse_rating(std::string_view name) {
  if (name == "up") return Rating::kUp;
  if (name == "down") return Rating::kDown;
  return std::nullopt;
}

}  // namespace askdb::store
