// UserStore: the accounts of auth = local (made with `askdb users`), each a name, an argon2id
// password hash (server/passwords.h) and a disabled flag. Proxy-authenticated users have no
// account here. Changing a password, disabling or deleting an account ends its sessions.
//
// One round trip per call on a connection the caller uses from one thread at a time; holds
// only the schema name: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "pg/connection.h"

namespace askdb::store {

struct UserRecord {
  std::string name;
  std::string password_hash;
  bool disabled = false;
};

struct UserInfo {
  std::string name;
  std::string created_at;  // ISO-8601 UTC with milliseconds
  bool disabled = false;
};

// The longest user name accepted, in bytes.
inline constexpr size_t kMaxUserNameBytes = 64;

// "" when `name` may name a new account, else why not (empty, too long, blanks at either end,
// control characters, not UTF-8). Pure; thread-safe.
std::string user_name_problem(std::string_view name);

class UserStore {
 public:
  explicit UserStore(const std::string& schema);

  // Error{kUsage} when an account of that name exists, saying so.
  Status add_user(pg::Connection& conn, const std::string& name,
                  const std::string& password_hash) const;
  // Error{kUsage} when there is no such account.
  Status set_password(pg::Connection& conn, const std::string& name,
                      const std::string& password_hash) const;
  Status set_disabled(pg::Connection& conn, const std::string& name, bool disabled) const;
  Status delete_user(pg::Connection& conn, const std::string& name) const;

  Result<std::optional<UserRecord>> find_user(pg::Connection& conn, const std::string& name) const;
  // Every account, by name.
  Result<std::vector<UserInfo>> list_users(pg::Connection& conn) const;

 private:
  std::string prefix_;  // "schema".
};

}  // namespace askdb::store
