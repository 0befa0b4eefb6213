// AWS Signature Version 4: signs an HTTP request for an AWS service (askdb uses it for Claude on
// Amazon Bedrock, which it calls without an SDK).
//
// Pure functions over plain values: they build the canonical request, the string to sign and the
// signature with OpenSSL's SHA-256 and HMAC-SHA256, either for an Authorization header or for a
// presigned URL (query signing). No I/O, no clock: the caller passes the time. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace askdb::llm {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term credentials
};

// The request as it will be sent.
struct SigV4Request {
  std::string method;  // "GET", "POST" …
  std::string path;    // as sent, before canonicalisation ("/model/x/invoke"); empty means "/"
  std::string query;   // raw, without the '?' ("a=1&b=%E1%88%B4"); may be empty
  std::vector<std::pair<std::string, std::string>> headers;  // must include Host
  std::string body;
};

struct SigV4Params {
  std::string region;    // "us-east-1"
  std::string service;   // "bedrock"
  std::string amz_date;  // the signing time, ISO 8601 basic UTC: "20150830T123600Z"
  // Remove "." and ".." segments and repeated slashes from the path before encoding it. Every
  // service but S3 wants this; S3 signs the path as it is.
  bool normalize_path = true;
  // Add an x-amz-content-sha256 header with the payload hash (and sign it), replacing any the
  // caller set. Header signing only. Without it, an x-amz-content-sha256 header the caller set
  // (e.g. "UNSIGNED-PAYLOAD") is signed as the payload hash in place of the body's SHA-256.
  bool add_content_sha256_header = false;
  // Sign without the session token and add it only afterwards (a few services, e.g. IoT).
  bool omit_session_token = false;
  // Query signing only: the X-Amz-Expires value, in seconds.
  int expires_s = 3600;
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lower-case hex
  // Header signing: the Authorization header's value; empty for query signing.
  std::string authorization;
  // What the caller adds to the request before sending it. Header signing: headers such as
  // X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256 and Authorization. Query signing:
  // the query parameters (already URI-encoded) to append, X-Amz-Signature last.
  std::vector<std::pair<std::string, std::string>> additions;
};

// Signs `request` with an Authorization header (the usual way to call an AWS API).
// Returns kConfig when the credentials, region, service or date are missing or malformed, and
// kUsage when the request has no Host header.
Result<SigV4Signature> sign_with_headers(const SigV4Request& request,
                                         const AwsCredentials& credentials,
                                         const SigV4Params& params);

// Presigns `request` in its query string (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Security-Token, then X-Amz-Signature).
// Errors as sign_with_headers.
Result<SigV4Signature> sign_with_query(const SigV4Request& request,
                                       const AwsCredentials& credentials,
                                       const SigV4Params& params);

// Building blocks, exposed for tests and for signing event-stream chunks later.

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
// RFC 3986 percent-encoding as SigV4 wants it: A-Z a-z 0-9 - . _ ~ kept, everything else
// "%XX" (upper-case hex); '/' is kept only when `keep_slash`.
std::string aws_uri_encode(std::string_view data, bool keep_slash);

}  // namespace askdb::llm
