// Passwords of local accounts: argon2id hashes in the PHC string format
// ($argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, OWASP's parameters) with a random 16-byte
// salt, verified in constant time; and the rules a new password must meet.
// Pure functions (the salt comes from OpenSSL's CSPRNG); thread-safe. Hashing takes about
// 19 MiB and tens of milliseconds: call it off the event loop.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace askdb::server {

// The PHC string for `password`. Error{kInternal} only when the system cannot supply random
// bytes or memory.
Result<std::string> hash_password(std::string_view password);

// Whether `password` matches `encoded` (a hash_password result). False for a malformed hash,
// another algorithm, or parameters beyond what hash_password would use by far (a tampered row
// must not make a login allocate gigabytes).
bool verify_password(std::string_view password, const std::string& encoded);

// True when `encoded` was made with other parameters than hash_password uses now: rehash the
// password at the next successful login.
bool password_needs_rehash(const std::string& encoded);

// A valid hash of a random password no one knows. When a login names no account, verify the
// password against it anyway, so the reply takes as long as for a real account.
const std::string& dummy_password_hash();

// "" when `password` is acceptable for a new account, else why not: shorter than 10 characters,
// longer than 1024 bytes, not UTF-8, one character repeated, or a run like "1234567890".
std::string password_problem(std::string_view password);

}  // namespace askdb::server
