// RequestTarget: the path and query of an HTTP request target ("/a%20b/c?x=1&y=2"), split and
// percent-decoded, with the checks every route relies on (no NUL, no malformed escapes).
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace askdb::server {

struct RequestTarget {
  std::string raw_path;                                    // as sent, without the query: "/a%20b/c"
  std::string path;                                        // percent-decoded: "/a b/c"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order, '+' as space
};

// Decodes %XX escapes (and '+' as a space when `plus_as_space`). Returns nullopt for a
// malformed escape or a decoded NUL.
std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space);

// Splits and decodes an origin-form ("/p?q") or absolute-form ("http://host/p?q") target.
// Returns nullopt when it is neither, or when the path or query does not decode.
std::optional<RequestTarget> parse_request_target(std::string_view target);

}  // namespace askdb::server
