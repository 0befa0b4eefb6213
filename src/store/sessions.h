// SessionStore: login sessions of auth = local. A session is found by the SHA-256 of the
// cookie's token (server/session_token.h): the token itself is never stored. Each session
// carries its CSRF token and a fixed expiry; a session of a disabled or deleted account is
// gone.
//
// One round trip per call on a connection the caller uses from one thread at a time; holds
// only the schema name: thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"
#include "pg/connection.h"

namespace askdb::store {

struct SessionRecord {
  std::string user;
  std::string csrf;
  std::chrono::system_clock::time_point expires_at;
};

class SessionStore {
 public:
  explicit SessionStore(const std::string& schema);

  // Starts a session of `user` (an existing account) lasting `ttl_seconds` from now.
  Status create_session(pg::Connection& conn, const std::string& token_hash,
                        const std::string& user, const std::string& csrf,
                        int64_t ttl_seconds) const;
  // The live session with this token hash; nullopt when unknown, expired, or its account is
  // disabled. Records the visit (last_seen_at) at most once a minute.
  Result<std::optional<SessionRecord>> find_session(pg::Connection& conn,
                                                    const std::string& token_hash) const;
  // Ends the session (logout). No error when there is none.
  Status delete_session(pg::Connection& conn, const std::string& token_hash) const;
  // Removes expired sessions; returns how many. Call now and then (at start, hourly).
  Result<int64_t> delete_expired_sessions(pg::Connection& conn) const;

 private:
  std::string prefix_;  // "schema".
};

}  // namespace askdb::store
