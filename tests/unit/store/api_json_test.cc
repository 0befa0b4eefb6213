#include "store/api_json.h"

#include <gtest/gtest.h>

#include <set>

namespace askdb::store {
namespace {

using json = nlohmann::json;

std::set<std::string> keys(const json& j) {
  std::set<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
  return out;
}

// docs/api.md, "A message".
const std::set<std::string> kMessageKeys = {
    "id",     "conversation_id", "kind",      "question", "status",    "sql",      "columns",
    "rows",   "row_count",       "truncated", "chart",    "answer",    "attempts", "timings_ms",
    "tokens", "verified_match",  "error",     "feedback", "created_at"};

TEST(StoreApiJsonTest, NewMessageHasEveryKeyWithNullsWhereAbsent) {
  StoredMessage m;
  m.id = "0b6f3b9e-6c1a-4d0e-9a52-3f0c8d1e2a4b";
  m.conversation_id = "1b6f3b9e-6c1a-4d0e-9a52-3f0c8d1e2a4b";
  m.question = "How many orders?";
  m.created_at = "2026-11-24T14:02:11.123Z";
  const json j = message_json(m);
  EXPECT_EQ(keys(j), kMessageKeys);
  EXPECT_EQ(j["kind"], "question");
  EXPECT_EQ(j["status"], "answering");
  for (const char* k :
       {"sql", "columns", "rows", "row_count", "truncated", "chart", "answer", "attempts",
        "timings_ms", "tokens", "verified_match", "error", "feedback"}) {
    EXPECT_TRUE(j[k].is_null()) << k;
  }
}

TEST(StoreApiJsonTest, FinishedMessage) {
  StoredMessage m;
  m.kind = MessageKind::kSql;
  m.status = MessageStatus::kDone;
  m.sql = "SELECT 1 LIMIT 1000";
  m.columns = json::array({{{"name", "n"}, {"type", "integer"}}});
  m.rows = json::array({json::array({1})});
  m.row_count = 1;
  m.truncated = false;
  m.answer = "One.";
  m.feedback = Feedback{Rating::kDown, std::nullopt};
  const json j = message_json(m);
  EXPECT_EQ(keys(j), kMessageKeys);
  EXPECT_EQ(j["kind"], "sql");
  EXPECT_EQ(j["status"], "done");
  EXPECT_EQ(j["sql"], "SELECT 1 LIMIT 1000");
  EXPECT_EQ(j["rows"], json::parse("[[1]]"));
  EXPECT_EQ(j["row_count"], 1);
  EXPECT_EQ(j["truncated"], false);
  EXPECT_EQ(j["feedback"], json::parse(R"({"rating": "down", "comment": null})"));
}

TEST(StoreApiJsonTest, SummaryAndConversation) {
  Conversation c;
  c.summary = {"id1", "Orders", "2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z", 2};
  c.messages.resize(2);
  EXPECT_EQ(keys(summary_json(c.summary)),
            (std::set<std::string>{"id", "title", "created_at", "updated_at", "message_count"}));
  const json j = conversation_json(c);
  EXPECT_EQ(keys(j),
            (std::set<std::string>{"id", "title", "created_at", "updated_at", "messages"}));
  EXPECT_EQ(j["messages"].size(), 2u);
  EXPECT_EQ(feedback_json({"m1", Rating::kUp, "nice"}),
            json::parse(R"({"message_id": "m1", "rating": "up", "comment": "nice"})"));
}

TEST(StoreApiJsonTest, NamesRoundTrip) {
  for (auto s : {MessageStatus::kAnswering, MessageStatus::kDone, MessageStatus::kError,
                 MessageStatus::kInterrupted}) {
    EXPECT_EQ(parse_message_status(message_status_name(s)), s);
  }
  for (auto k : {MessageKind::kQuestion, MessageKind::kSql}) {
    EXPECT_EQ(parse_message_kind(message_kind_name(k)), k);
  }
  EXPECT_EQ(parse_rating("up"), Rating::kUp);
  EXPECT_EQ(parse_rating("down"), Rating::kDown);
  EXPECT_EQ(parse_rating("Up"), std::nullopt);
  EXPECT_EQ(parse_message_status("finished"), std::nullopt);
}

}  // namespace
}  // namespace askdb::store
