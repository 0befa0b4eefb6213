// is_uuid: whether a string is an id the app store could have made. Ids from URLs are checked
// with it first, so a malformed one is "not found" rather than a database error. new_uuid():
// a random (version 4) id, for a message whose id the server announces before storing it.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace askdb::store {

// True for the canonical 8-4-4-4-12 hexadecimal form (either case), as PostgreSQL prints UUIDs.
bool is_uuid(std::string_view s);

// A version 4 UUID from OpenSSL's random generator, lower case: "3f2b…-4…".
std::string new_uuid();

}  // namespace askdb::store
