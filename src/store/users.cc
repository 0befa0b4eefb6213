#include "store/users.h"

#include "core/text.h"
#include "store/sql_support.h"

namespace askdb::store {
namespace {

Error no_such_user(const std::string& name) {
  return make_error(ErrorCode::kUsage, "there is no user named \"" + detail::clean_text(name) +
                                           "\" (user names are case-sensitive).");
}

}  // namespace

std::string user_name_problem(std::string_view name) {
  if (name.empty()) return "a user name cannot be empty";
  if (name.size() > kMaxUserNameBytes) {
    return "a user name is at most " + std::to_string(kMaxUserNameBytes) + " bytes long";
  }
  if (!is_valid_utf8(name)) return "a user name must be UTF-8 text";
  if (trim(name).size() != name.size()) return "a user name cannot start or end with a blank";
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return "a user name cannot contain control characters";
  }
  return "";
}

UserStore::UserStore(const std::string& schema) : prefix_(detail::schema_prefix(schema)) {}

Status UserStore::add_user(pg::Connection& conn, const std::string& name,
                           const std::string& password_hash) const {
  auto rows = conn.query("INSERT INTO " + prefix_ +
                             "users (name, password_hash) VALUES ($1, $2) "
                             "ON CONFLICT (name) DO NOTHING RETURNING id",
                         {detail::clean_text(name), password_hash});
  if (!rows) return detail::store_error("add user " + name, rows.error());
  if (rows->rows.empty()) {
    return make_error(ErrorCode::kUsage, "a user named \"" + detail::clean_text(name) +
                                             "\" already exists; choose another name, or set a "
                                             "new password for that account.");
  }
  return ok_status();
}

Status UserStore::set_password(pg::Connection& conn, const std::string& name,
                               const std::string& password_hash) const {
  auto rows = conn.query("WITH u AS (UPDATE " + prefix_ +
                             "users SET password_hash = $2 WHERE name = $1 RETURNING name), "
                             "s AS (DELETE FROM " +
                             prefix_ +
                             "sessions WHERE user_name IN (SELECT name FROM u)) "
                             "SELECT name FROM u",
                         {detail::clean_text(name), password_hash});
  if (!rows) return detail::store_error("set the password of " + name, rows.error());
  if (rows->rows.empty()) return no_such_user(name);
  return ok_status();
}

Status UserStore::set_disabled(pg::Connection& conn, const std::string& name, bool disabled) const {
  auto rows = conn.query("WITH u AS (UPDATE " + prefix_ +
                             "users SET disabled = $2 WHERE name = $1 RETURNING name, disabled), "
                             "s AS (DELETE FROM " +
                             prefix_ +
                             "sessions WHERE user_name IN (SELECT name FROM u WHERE disabled)) "
                             "SELECT name FROM u",
                         {detail::clean_text(name), disabled ? "true" : "false"});
  if (!rows) {
    return detail::store_error((disabled ? "disable user " : "enable user ") + name, rows.error());
  }
  if (rows->rows.empty()) return no_such_user(name);
  return ok_status();
}

Status UserStore::delete_user(pg::Connection& conn, const std::string& name) const {
  auto rows = conn.query("DELETE FROM " + prefix_ + "users WHERE name = $1 RETURNING name",
                         {detail::clean_text(name)});
  if (!rows) return detail::store_error("delete user " + name, rows.error());
  if (rows->rows.empty()) return no_such_user(name);
  return ok_status();
}

Result<std::optional<UserRecord>> UserStore::find_user(pg::Connection& conn,
                                                       const std::string& name) const {
  // A name PostgreSQL would refuse as text names no account.
  if (name.find('\0') != std::string::npos || !is_valid_utf8(name)) {
    return std::optional<UserRecord>();
  }
  auto rows =
      conn.query("SELECT name, password_hash, disabled FROM " + prefix_ + "users WHERE name = $1",
                 {detail::clean_text(name)});
  if (!rows) return detail::store_error("look up user " + name, rows.error());
  if (rows->rows.empty()) return std::optional<UserRecord>();
  const auto& row = rows->rows.front();
  return std::optional<UserRecord>(UserRecord{detail::text_cell(row.at(0)),
                                              detail::text_cell(row.at(1)),
                                              detail::bool_cell(row.at(2)).value_or(false)});
}

Result<std::vector<UserInfo>> UserStore::list_users(pg::Connection& conn) const {
  auto rows = conn.query("SELECT name, " + detail::iso_utc("created_at") + ", disabled FROM " +
                         prefix_ + "users ORDER BY name");
  if (!rows) return detail::store_error("list users", rows.error());
  std::vector<UserInfo> out;
  out.reserve(rows->rows.size());
  for (const auto& row : rows->rows) {
    out.push_back(UserInfo{detail::text_cell(row.at(0)), detail::text_cell(row.at(1)),
                           detail::bool_cell(row.at(2)).value_or(false)});
  }
  return out;
}

}  // namespace askdb::store
