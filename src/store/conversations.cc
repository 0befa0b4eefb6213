#include "store/conversations.h"

#include <algorithm>

#include "core/text.h"
#include "store/sql_support.h"
#include "store/uuid.h"

namespace askdb::store {
namespace {

using detail::bool_cell;
using detail::clean_text;
using detail::int_cell;
using detail::iso_utc;
using detail::json_cell;
using detail::store_error;
using detail::text_cell;
using json = nlohmann::json;

constexpr const char* kEllipsis = "\xE2\x80\xA6";  // …

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// `s` without an incomplete UTF-8 character at its end (a stream cut mid-character).
std::string_view without_partial_tail(std::string_view s) {
  size_t start = s.size();
  // Back over up to three continuation bytes to the lead byte of the last character.
  while (start > 0 && s.size() - start < 4 && is_continuation(s[start - 1])) --start;
  if (start == 0) return s;
  const auto lead = static_cast<unsigned char>(s[start - 1]);
  const size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  const size_t have = s.size() - (start - 1);
  return have < need ? s.substr(0, start - 1) : s;
}

// The conversation columns of a summary; `c` is the conversations table.
std::string summary_columns() {
  return "c.id, c.title, " + iso_utc("c.created_at") + ", " + iso_utc("c.updated_at") +
         ", c.message_count";
}
constexpr size_t kSummaryColumns = 5;

ConversationSummary parse_summary(const std::vector<pg::Cell>& row, size_t at = 0) {
  ConversationSummary s;
  s.id = text_cell(row.at(at));
  s.title = text_cell(row.at(at + 1));
  s.created_at = text_cell(row.at(at + 2));
  s.updated_at = text_cell(row.at(at + 3));
  s.message_count = static_cast<int>(int_cell(row.at(at + 4)).value_or(0));
  return s;
}

// A message's columns, its feedback included; `m` is the messages table.
std::string message_columns(const std::string& prefix) {
  const std::string feedback = " FROM " + prefix + "feedback f WHERE f.message_id = m.id)";
  return "m.id, m.conversation_id, m.position, m.kind, m.question, m.status, m.sql, m.columns, "
         "m.rows, m.row_count, m.truncated, m.chart, m.answer, m.attempts, m.timings_ms, "
         "m.tokens, m.verified_match, m.error, " +
         iso_utc("m.created_at") + ", (SELECT f.rating" + feedback + ", (SELECT f.comment" +
         feedback;
}

StoredMessage parse_message(const std::vector<pg::Cell>& row, size_t at = 0) {
  StoredMessage m;
  m.id = text_cell(row.at(at));
  m.conversation_id = text_cell(row.at(at + 1));
  m.position = static_cast<int>(int_cell(row.at(at + 2)).value_or(0));
  m.kind = parse_message_kind(text_cell(row.at(at + 3))).value_or(MessageKind::kQuestion);
  m.question = text_cell(row.at(at + 4));
  m.status = parse_message_status(text_cell(row.at(at + 5))).value_or(MessageStatus::kError);
  m.sql = row.at(at + 6);
  m.columns = json_cell(row.at(at + 7));
  m.rows = json_cell(row.at(at + 8));
  m.row_count = int_cell(row.at(at + 9));
  m.truncated = bool_cell(row.at(at + 10));
  m.chart = json_cell(row.at(at + 11));
  m.answer = row.at(at + 12);
  m.attempts = json_cell(row.at(at + 13));
  m.timings_ms = json_cell(row.at(at + 14));
  m.tokens = json_cell(row.at(at + 15));
  m.verified_match = json_cell(row.at(at + 16));
  m.error = json_cell(row.at(at + 17));
  m.created_at = text_cell(row.at(at + 18));
  if (const auto& rating = row.at(at + 19)) {
    m.feedback = Feedback{parse_rating(*rating).value_or(Rating::kUp), row.at(at + 20)};
  }
  return m;
}

// A text field of the outcome: nullopt (SQL NULL) when absent, null, not a string or empty.
pg::Cell outcome_text(const json& outcome, const char* key) {
  const auto it = outcome.find(key);
  if (it == outcome.end() || !it->is_string()) return std::nullopt;
  auto s = clean_text(it->get_ref<const std::string&>());
  if (s.empty()) return std::nullopt;
  return s;
}

pg::Cell outcome_json(const json& outcome, const char* key) {
  const auto it = outcome.find(key);
  if (it == outcome.end()) return std::nullopt;
  return detail::jsonb_param(*it);
}

const char* flag(bool b) { return b ? "true" : "false"; }

Error bad_id(const std::string& what, const std::string& id) {
  return make_error(ErrorCode::kInternal,
                    "could not " + what + ": \"" + clean_text(id) + "\" is not a message id.");
}

}  // namespace

std::string title_from_question(std::string_view question) {
  std::string_view rest = question;
  std::string_view line;
  while (!rest.empty() && line.empty()) {
    const size_t nl = rest.find('\n');
    line = trim(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  std::string clean = clean_text(line);
  // Byte offsets where each character starts; stop once one more than the limit is known.
  size_t chars = 0;
  size_t cut = clean.size();  // where the (kTitleMaxChars - 1)th character ends
  for (size_t i = 0; i < clean.size(); ++i) {
    if (is_continuation(clean[i])) continue;
    if (chars == kTitleMaxChars - 1) cut = i;
    if (++chars > kTitleMaxChars) break;
  }
  if (chars <= kTitleMaxChars) return clean;
  return std::string(trim(std::string_view(clean).substr(0, cut))) + kEllipsis;
}

ConversationStore::ConversationStore(const std::string& schema)
    : prefix_(detail::schema_prefix(schema)) {}

Result<ConversationSummary> ConversationStore::create_conversation(pg::Connection& conn,
                                                                   const std::string& owner,
                                                                   const std::string& title) const {
  auto rows = conn.query("INSERT INTO " + prefix_ +
                             "conversations AS c (owner, title) VALUES ($1, $2) RETURNING " +
                             summary_columns(),
                         {owner, clean_text(title)});
  if (!rows) return store_error("create a conversation", rows.error());
  return parse_summary(rows->rows.at(0));
}

Result<std::vector<ConversationSummary>> ConversationStore::list_conversations(
    pg::Connection& conn, const std::string& owner, int limit) const {
  auto rows = conn.query("SELECT " + summary_columns() + " FROM " + prefix_ +
                             "conversations c WHERE c.owner = $1 "
                             "ORDER BY c.updated_at DESC, c.id LIMIT $2",
                         {owner, std::to_string(std::max(limit, 0))});
  if (!rows) return store_error("list conversations", rows.error());
  std::vector<ConversationSummary> out;
  out.reserve(rows->rows.size());
  for (const auto& row : rows->rows) out.push_back(parse_summary(row));
  return out;
}

Result<std::optional<Conversation>> ConversationStore::get_conversation(
    pg::Connection& conn, const std::string& owner, const std::string& id) const {
  if (!is_uuid(id)) return std::optional<Conversation>();
  auto rows = conn.query("SELECT " + summary_columns() + ", " + message_columns(prefix_) +
                             " FROM " + prefix_ + "conversations c LEFT JOIN " + prefix_ +
                             "messages m ON m.conversation_id = c.id "
                             "WHERE c.id = $1 AND c.owner = $2 ORDER BY m.position",
                         {id, owner});
  if (!rows) return store_error("read conversation " + id, rows.error());
  if (rows->rows.empty()) return std::optional<Conversation>();
  Conversation c;
  c.summary = parse_summary(rows->rows.front());
  for (const auto& row : rows->rows) {
    if (!row.at(kSummaryColumns)) continue;  // no messages: one row of NULLs from the join
    c.messages.push_back(parse_message(row, kSummaryColumns));
  }
  return std::optional<Conversation>(std::move(c));
}

Result<std::optional<ConversationSummary>> ConversationStore::get_summary(
    pg::Connection& conn, const std::string& owner, const std::string& id) const {
  if (!is_uuid(id)) return std::optional<ConversationSummary>();
  auto rows = conn.query("SELECT " + summary_columns() + " FROM " + prefix_ +
                             "conversations c WHERE c.id = $1 AND c.owner = $2",
                         {id, owner});
  if (!rows) return store_error("read conversation " + id, rows.error());
  if (rows->rows.empty()) return std::optional<ConversationSummary>();
  return std::optional<ConversationSummary>(parse_summary(rows->rows.front()));
}

Result<std::optional<ConversationSummary>> ConversationStore::rename_conversation(
    pg::Connection& conn, const std::string& owner, const std::string& id,
    const std::string& title) const {
  if (!is_uuid(id)) return std::optional<ConversationSummary>();
  auto rows = conn.query("UPDATE " + prefix_ +
                             "conversations c SET title = $3, updated_at = now() "
                             "WHERE c.id = $1 AND c.owner = $2 RETURNING " +
                             summary_columns(),
                         {id, owner, clean_text(title)});
  if (!rows) return store_error("rename conversation " + id, rows.error());
  if (rows->rows.empty()) return std::optional<ConversationSummary>();
  return std::optional<ConversationSummary>(parse_summary(rows->rows.front()));
}

Result<bool> ConversationStore::delete_conversation(pg::Connection& conn, const std::string& owner,
                                                    const std::string& id) const {
  if (!is_uuid(id)) return false;
  auto rows = conn.query(
      "DELETE FROM " + prefix_ + "conversations WHERE id = $1 AND owner = $2 RETURNING id",
      {id, owner});
  if (!rows) return store_error("delete conversation " + id, rows.error());
  return !rows->rows.empty();
}

Result<std::optional<StoredMessage>> ConversationStore::add_message(
    pg::Connection& conn, const std::string& owner, const std::string& conversation_id,
    MessageKind kind, const std::string& text, const std::string& message_id) const {
  if (!is_uuid(conversation_id)) return std::optional<StoredMessage>();
  if (!message_id.empty() && !is_uuid(message_id)) {
    return Error{ErrorCode::kInternal, "add_message: \"" + message_id + "\" is not a UUID"};
  }
  const std::string clean = clean_text(text);
  // The UPDATE locks the conversation row and counts the message in one step, so concurrent
  // questions in one conversation get consecutive positions.
  auto rows = conn.query(
      "WITH c AS (UPDATE " + prefix_ +
          "conversations SET message_count = message_count + 1, updated_at = now(), "
          "title = CASE WHEN title = '' THEN $5::text ELSE title END "
          "WHERE id = $1 AND owner = $2 RETURNING id, owner, message_count) "
          "INSERT INTO " +
          prefix_ +
          "messages AS m (id, conversation_id, owner, position, kind, question) "
          "SELECT coalesce($6::uuid, gen_random_uuid()), id, owner, message_count, $3::text, "
          "$4::text FROM c RETURNING " +
          message_columns(prefix_),
      {conversation_id, owner, message_kind_name(kind), clean, title_from_question(clean),
       message_id.empty() ? pg::Cell() : pg::Cell(message_id)});
  if (!rows) return store_error("save the question", rows.error());
  if (rows->rows.empty()) return std::optional<StoredMessage>();
  return std::optional<StoredMessage>(parse_message(rows->rows.front()));
}

Result<std::optional<StoredMessage>> ConversationStore::get_message(
    pg::Connection& conn, const std::string& owner, const std::string& message_id) const {
  if (!is_uuid(message_id)) return std::optional<StoredMessage>();
  auto rows = conn.query("SELECT " + message_columns(prefix_) + " FROM " + prefix_ +
                             "messages m WHERE m.id = $1 AND m.owner = $2",
                         {message_id, owner});
  if (!rows) return store_error("read message " + message_id, rows.error());
  if (rows->rows.empty()) return std::optional<StoredMessage>();
  return std::optional<StoredMessage>(parse_message(rows->rows.front()));
}

Result<std::vector<Turn>> ConversationStore::recent_turns(
    pg::Connection& conn, const std::string& owner, const std::string& conversation_id, int n,
    const std::optional<std::string>& before_message_id) const {
  std::vector<Turn> turns;
  if (!is_uuid(conversation_id) || n <= 0) return turns;
  if (before_message_id && !is_uuid(*before_message_id)) return turns;
  auto rows = conn.query(
      "SELECT question, sql, answer FROM (SELECT m.position, m.question, m.sql, m.answer FROM " +
          prefix_ +
          "messages m WHERE m.conversation_id = $1 AND m.owner = $2 AND m.kind = 'question' "
          "AND m.status <> 'answering' AND ($3::uuid IS NULL OR m.position < (SELECT b.position "
          "FROM " +
          prefix_ +
          "messages b WHERE b.id = $3::uuid AND b.conversation_id = $1)) "
          "ORDER BY m.position DESC LIMIT $4) t ORDER BY position",
      {conversation_id, owner, before_message_id, std::to_string(n)});
  if (!rows) return store_error("read the conversation so far", rows.error());
  turns.reserve(rows->rows.size());
  for (const auto& row : rows->rows) {
    turns.push_back(Turn{text_cell(row.at(0)), text_cell(row.at(1)), text_cell(row.at(2))});
  }
  return turns;
}

Status ConversationStore::save_progress(pg::Connection& conn, const std::string& message_id,
                                        const std::string& sql,
                                        const std::string& answer_so_far) const {
  if (!is_uuid(message_id)) return bad_id("save the answer so far", message_id);
  auto rows =
      conn.query("UPDATE " + prefix_ +
                     "messages SET sql = COALESCE(NULLIF($2, ''), sql), "
                     "answer = COALESCE(NULLIF($3, ''), answer), updated_at = now() "
                     "WHERE id = $1 AND status = 'answering'",
                 {message_id, clean_text(sql), clean_text(without_partial_tail(answer_so_far))});
  if (!rows) return store_error("save the answer so far", rows.error());
  return ok_status();
}

Result<StoredMessage> ConversationStore::finish_message(pg::Connection& conn,
                                                        const std::string& message_id,
                                                        MessageStatus status,
                                                        const json& outcome) const {
  if (!is_uuid(message_id)) return bad_id("save the answer", message_id);
  const json& o = outcome.is_object() ? outcome : json::object();
  pg::Cell row_count;
  if (const auto it = o.find("row_count"); it != o.end() && it->is_number_integer()) {
    row_count = it->dump();
  }
  pg::Cell truncated;
  if (const auto it = o.find("truncated"); it != o.end() && it->is_boolean()) {
    truncated = flag(it->get<bool>());
  }
  auto rows = conn.query(
      "UPDATE " + prefix_ +
          "messages m SET status = $2, "
          "sql = CASE WHEN $3::boolean THEN $4 ELSE m.sql END, "
          "columns = $5::jsonb, rows = $6::jsonb, row_count = $7::bigint, "
          "truncated = $8::boolean, chart = $9::jsonb, "
          "answer = CASE WHEN $10::boolean THEN $11 ELSE m.answer END, "
          "attempts = $12::jsonb, timings_ms = $13::jsonb, tokens = $14::jsonb, "
          "verified_match = $15::jsonb, error = $16::jsonb, updated_at = now(), "
          "finished_at = CASE WHEN $2 = 'answering' THEN NULL ELSE now() END "
          "WHERE m.id = $1 RETURNING " +
          message_columns(prefix_),
      {message_id, message_status_name(status), flag(o.contains("sql")), outcome_text(o, "sql"),
       outcome_json(o, "columns"), outcome_json(o, "rows"), row_count, truncated,
       outcome_json(o, "chart"), flag(o.contains("answer")), outcome_text(o, "answer"),
       outcome_json(o, "attempts"), outcome_json(o, "timings_ms"), outcome_json(o, "tokens"),
       outcome_json(o, "verified_match"), outcome_json(o, "error")});
  if (!rows) return store_error("save the answer of message " + message_id, rows.error());
  if (rows->rows.empty()) {
    return make_error(ErrorCode::kDatabase, "could not save the answer: message " + message_id +
                                                " is no longer in the app store (its "
                                                "conversation was deleted meanwhile).");
  }
  return parse_message(rows->rows.front());
}

Status ConversationStore::mark_interrupted(pg::Connection& conn,
                                           const std::vector<std::string>& message_ids) const {
  std::string array = "{";
  for (const auto& id : message_ids) {
    if (!is_uuid(id)) continue;
    if (array.size() > 1) array += ',';
    array += id;
  }
  if (array.size() == 1) return ok_status();
  array += '}';
  auto rows = conn.query("UPDATE " + prefix_ +
                             "messages SET status = 'interrupted', updated_at = now(), "
                             "finished_at = now() WHERE id = ANY($1::uuid[]) "
                             "AND status = 'answering'",
                         {array});
  if (!rows) return store_error("mark unfinished answers as interrupted", rows.error());
  return ok_status();
}

}  // namespace askdb::store
