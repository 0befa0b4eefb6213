// Session tokens: the random secret in the askdb_session cookie (and the CSRF token), the hash
// under which the app store keeps a session, and a comparison that does not leak where two
// secrets differ. Pure functions (randomness from OpenSSL's CSPRNG); thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace askdb::server {

// 32 random bytes as base64url without padding (43 characters). Aborts the process when the
// system cannot supply random bytes: a guessable token must never be handed out.
std::string new_token();

// The SHA-256 of `token` as 64 lower-case hex digits: what the store keeps instead of it.
std::string token_hash(std::string_view token);

// Whether `a` and `b` are equal, in time that depends only on their lengths. Two empty strings
// are equal: reject an empty secret before comparing.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace askdb::server
