// Request ids: short random strings that tie a response (its X-Request-Id header, an error
// body's "request_id") to the server's log lines. Thread-safe.
#pragma once

#include <string>

namespace askdb::server {

// 16 lowercase hex digits (64 random bits from OpenSSL's generator).
std::string new_request_id();

}  // namespace askdb::server
