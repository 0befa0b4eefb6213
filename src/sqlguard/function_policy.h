// Which functions the guard refuses whatever their volatility (the deny-list), and which
// volatile functions it lets through because they are harmless (the allow-list).
// Internal to sqlguard. Pure functions of constant tables; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace askdb::sqlguard {

// When `name` (an unqualified function name, any case) is deny-listed, returns why, as a clause
// that completes "<name> is not allowed: it ..." (e.g. "reads files on the database server").
// The deny-list wins over volatility: stable functions such as txid_current are refused too.
std::optional<std::string_view> denied_function_reason(std::string_view name);

// True when `name` is volatile but harmless to call from a read-only query (random,
// clock_timestamp, ...). setseed is deliberately absent: it changes the session's random state.
bool is_harmless_volatile_function(std::string_view name);

}  // namespace askdb::sqlguard
