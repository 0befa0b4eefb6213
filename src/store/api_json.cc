#include "store/api_json.h"

namespace askdb::store {
namespace {

using json = nlohmann::json;

template <class T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

json message_json(const StoredMessage& m) {
  json out = json::object();
  out["id"] = m.id;
  out["conversation_id"] = m.conversation_id;
  out["kind"] = message_kind_name(m.kind);
  out["question"] = m.question;
  out["status"] = message_status_name(m.status);
  out["sql"] = or_null(m.sql);
  out["columns"] = m.columns;
  out["rows"] = m.rows;
  out["row_count"] = or_null(m.row_count);
  out["truncated"] = or_null(m.truncated);
  out["chart"] = m.chart;
  out["answer"] = or_null(m.answer);
  out["attempts"] = m.attempts;
  out["timings_ms"] = m.timings_ms;
  out["tokens"] = m.tokens;
  out["verified_match"] = m.verified_match;
  out["error"] = m.error;
  out["feedback"] = m.feedback ? json{{"rating", rating_name(m.feedback->rating)},
                                      {"comment", or_null(m.feedback->comment)}}
                               : json(nullptr);
  out["created_at"] = m.created_at;
  return out;
}

json summary_json(const ConversationSummary& s) {
  return {{"id", s.id},
          {"title", s.title},
          {"created_at", s.created_at},
          {"updated_at", s.updated_at},
          {"message_count", s.message_count}};
}

json conversation_json(const Conversation& c) {
  json messages = json::array();
  for (const auto& m : c.messages) messages.push_back(message_json(m));
  return {{"id", c.summary.id},
          {"title", c.summary.title},
          {"created_at", c.summary.created_at},
          {"updated_at", c.summary.updated_at},
          {"messages", std::move(messages)}};
}

json feedback_json(const FeedbackRecord& f) {
  return {{"message_id", f.message_id},
          {"rating", rating_name(f.rating)},
          {"comment", or_null(f.comment)}};
}

}  // namespace askdb::store
