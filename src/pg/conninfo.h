// Connection strings: a libpq URL or keyword=value conninfo, with a password that is kept apart
// from it (database.password, store.password: a secret injected by ECS, Kubernetes or a file)
// joined in before connecting. Pure functions; any thread.
#pragma once

#include <string>

#include "core/result.h"

namespace askdb::pg {

// Returns `conninfo` with `password` joined to it, as keyword=value conninfo; `conninfo`
// unchanged when `password` is empty. `setting` names where `conninfo` came from, for messages
// ("database.url"). Error{kConfig} when `conninfo` cannot be parsed, or when it carries a
// password of its own (two passwords: which one is meant is unclear).
Result<std::string> conninfo_with_password(const std::string& conninfo, const std::string& password,
                                           const std::string& setting);

}  // namespace askdb::pg
