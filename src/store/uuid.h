// is_uuid: whether a string is an id the app store could have made. Ids from URLs are checked
// with it first, so a malformed one is "not found" rather than a database error.
// Pure function; thread-safe.
#pragma once

#include <string_view>

namespace askdb::store {

// True for the canonical 8-4-4-4-12 hexadecimal form (either case), as PostgreSQL prints UUIDs.
bool is_uuid(std::string_view s);

}  // namespace askdb::store
