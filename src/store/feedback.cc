#include "store/feedback.h"

#include "store/sql_support.h"
#include "store/uuid.h"

namespace askdb::store {

FeedbackStore::FeedbackStore(const std::string& schema) : prefix_(detail::schema_prefix(schema)) {}

Result<std::optional<FeedbackRecord>> FeedbackStore::set_feedback(
    pg::Connection& conn, const std::string& owner, const std::string& message_id, Rating rating,
    const std::optional<std::string>& comment) const {
  if (!is_uuid(message_id)) return std::optional<FeedbackRecord>();
  pg::Cell clean_comment;
  if (comment) clean_comment = detail::clean_text(*comment);
  // One statement: the rating, then the verified example made or withdrawn with it.
  auto rows = conn.query(
      "WITH m AS (SELECT id, owner, kind, question, sql, status FROM " + prefix_ +
          "messages WHERE id = $1 AND owner = $2), "
          "f AS (INSERT INTO " +
          prefix_ +
          "feedback (message_id, owner, rating, comment) SELECT id, owner, $3::text, $4::text FROM "
          "m "
          "ON CONFLICT (message_id) DO UPDATE SET rating = excluded.rating, "
          "comment = excluded.comment, updated_at = now() "
          "RETURNING message_id, rating, comment), "
          "up AS (INSERT INTO " +
          prefix_ +
          "verified_examples (question, sql, source, message_id, created_by) "
          "SELECT question, sql, 'feedback', id, owner FROM m WHERE $3::text = 'up' "
          "AND kind = 'question' AND status = 'done' AND coalesce(sql, '') <> '' "
          "AND question <> '' "
          "ON CONFLICT (message_id) WHERE message_id IS NOT NULL DO UPDATE SET "
          "question = excluded.question, sql = excluded.sql, created_by = excluded.created_by, "
          "created_at = now()), "
          "down AS (DELETE FROM " +
          prefix_ +
          "verified_examples WHERE $3::text = 'down' AND message_id IN (SELECT id FROM m)) "
          "SELECT message_id, rating, comment FROM f",
      {message_id, owner, rating_name(rating), clean_comment});
  if (!rows) return detail::store_error("save feedback on message " + message_id, rows.error());
  if (rows->rows.empty()) return std::optional<FeedbackRecord>();
  const auto& row = rows->rows.front();
  return std::optional<FeedbackRecord>(
      FeedbackRecord{detail::text_cell(row.at(0)),
                     parse_rating(detail::text_cell(row.at(1))).value_or(rating), row.at(2)});
}

}  // namespace askdb::store
