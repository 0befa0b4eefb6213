// Turns a failed exchange with an OpenAI-compatible server into the Error a user reads: the
// HTTP status with the server's own message (from OpenAI's {"error": {"message", "type",
// "code"}} body, or vLLM's, Ollama's and llama.cpp's variants), plus what to do about it.
//
// Used by the OpenAI provider; pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "llm/exchange.h"
#include "llm/http_client.h"

namespace askdb::llm {

// The parts of an error body that matter; empty strings when absent.
struct ServerError {
  std::string message;  // the human text, or the (shortened) body when it is not JSON
  std::string type;     // "invalid_request_error", "server_error", ...
  std::string code;     // "invalid_api_key", "model_not_found", "insufficient_quota", ...
};

// Reads any of the common error-body shapes. Never fails: a body it does not know becomes
// `message`, whitespace collapsed and cut to a few hundred bytes.
ServerError parse_server_error(std::string_view body);

// Error{kLlm, "<who> returned HTTP 401: Incorrect API key provided... — check
// ASKDB_LLM_API_KEY"} for a non-2xx reply. `who` is Provider::describe().
Error openai_http_error(const std::string& who, const HttpHead& head, std::string_view body);

// openai_http_error() with whether a retry may help (is_status_retryable(), except an exhausted
// quota's 429) and the server's Retry-After.
Failure openai_http_failure(const std::string& who, const HttpHead& head, std::string_view body);

// Error{kLlm} for a transport failure (no usable HTTP reply), with advice by failure kind.
// `base_url` is the configured ASKDB_LLM_BASE_URL, quoted in the advice.
Error openai_transport_error(const HttpResponse& response, const std::string& base_url);

}  // namespace askdb::llm
