#include "store/sessions.h"

#include "core/text.h"
#include "store/sql_support.h"

namespace askdb::store {

SessionStore::SessionStore(const std::string& schema) : prefix_(detail::schema_prefix(schema)) {}

Status SessionStore::create_session(pg::Connection& conn, const std::string& token_hash,
                                    const std::string& user, const std::string& csrf,
                                    int64_t ttl_seconds) const {
  auto rows = conn.query("INSERT INTO " + prefix_ +
                             "sessions (token_hash, user_name, csrf_token, expires_at) "
                             "VALUES ($1, $2, $3, now() + make_interval(secs => $4::bigint))",
                         {token_hash, detail::clean_text(user), csrf, std::to_string(ttl_seconds)});
  if (!rows) return detail::store_error("start a session for " + user, rows.error());
  return ok_status();
}

Result<std::optional<SessionRecord>> SessionStore::find_session(
    pg::Connection& conn, const std::string& token_hash) const {
  // A cookie is whatever the browser sent: text PostgreSQL would refuse is simply no session.
  if (token_hash.find('\0') != std::string::npos || !is_valid_utf8(token_hash)) {
    return std::optional<SessionRecord>();
  }
  auto rows = conn.query(
      "WITH s AS (SELECT s.token_hash, s.user_name, s.csrf_token, s.expires_at, s.last_seen_at "
      "FROM " +
          prefix_ + "sessions s JOIN " + prefix_ +
          "users u ON u.name = s.user_name "
          "WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled), "
          "touch AS (UPDATE " +
          prefix_ +
          "sessions t SET last_seen_at = now() FROM s WHERE t.token_hash = s.token_hash "
          "AND s.last_seen_at < now() - interval '1 minute') "
          "SELECT user_name, csrf_token, "
          "(extract(epoch FROM expires_at) * 1000)::bigint FROM s",
      {token_hash});
  if (!rows) return detail::store_error("look up a session", rows.error());
  if (rows->rows.empty()) return std::optional<SessionRecord>();
  const auto& row = rows->rows.front();
  SessionRecord s;
  s.user = detail::text_cell(row.at(0));
  s.csrf = detail::text_cell(row.at(1));
  s.expires_at = std::chrono::system_clock::time_point(
      std::chrono::milliseconds(detail::int_cell(row.at(2)).value_or(0)));
  return std::optional<SessionRecord>(std::move(s));
}

Status SessionStore::delete_session(pg::Connection& conn, const std::string& token_hash) const {
  if (token_hash.find('\0') != std::string::npos || !is_valid_utf8(token_hash)) {
    return ok_status();
  }
  auto rows = conn.query("DELETE FROM " + prefix_ + "sessions WHERE token_hash = $1", {token_hash});
  if (!rows) return detail::store_error("end a session", rows.error());
  return ok_status();
}

Result<int64_t> SessionStore::delete_expired_sessions(pg::Connection& conn) const {
  auto rows = conn.query("WITH d AS (DELETE FROM " + prefix_ +
                         "sessions WHERE expires_at <= now() RETURNING 1) SELECT count(*) FROM d");
  if (!rows) return detail::store_error("remove expired sessions", rows.error());
  return detail::int_cell(rows->rows.at(0).at(0)).value_or(0);
}

}  // namespace askdb::store
