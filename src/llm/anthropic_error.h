// Turns what goes wrong with the Anthropic Messages API into the Failure a user reads: the HTTP
// status with Anthropic's own message (its {"type":"error","error":{"type","message"},
// "request_id"} body, or a proxy's page, shortened), the same errors arriving as an `error`
// event inside a stream, and transport failures, each with what to do about it and whether a
// retry may help.
//
// Used by the Anthropic protocol (llm/anthropic.h) and its reply decoder; pure functions,
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "llm/exchange.h"
#include "llm/http_client.h"

namespace askdb::llm {

// The parts of an Anthropic error that matter; empty strings when absent.
struct AnthropicError {
  std::string type;        // "overloaded_error", "rate_limit_error", "authentication_error", ...
  std::string message;     // the human text, or the (shortened) body when it is not JSON
  std::string request_id;  // "req_011C..." from the body, when it carries one
  std::string detail;      // error.details.error_code ("enforced_spend_limit_reached"), if any
};

// Reads an error body (or an `error` event's data). Never fails: a body it does not know
// becomes `message`, whitespace collapsed and cut to a few hundred bytes.
AnthropicError parse_anthropic_error(std::string_view body);

// Whether an error of this type may go away if the same request is sent again
// (overloaded_error, rate_limit_error, api_error, timeout_error).
bool is_anthropic_error_type_retryable(std::string_view type);

// Where the Anthropic protocol is, for messages: `who` is Protocol::describe()
// ("anthropic (claude-sonnet-4-5 at https://api.anthropic.com)"), `base_url` the configured
// ANTHROPIC_BASE_URL, and `api_key` the key, scrubbed from anything quoted back (never shown).
struct AnthropicSite {
  std::string who;
  std::string base_url;
  std::string api_key;
};

// A non-2xx reply: "<who> returned HTTP 529: Overloaded (overloaded_error) — Anthropic is
// overloaded: try again shortly (request id req_...)". Retryable per is_status_retryable()
// (a 429 for a spend limit is not); retry_after_s from retry_after_seconds().
Failure anthropic_http_failure(const AnthropicSite& site, const HttpHead& head,
                               std::string_view body);

// An `error` event inside a 2xx stream (`data` is its JSON): retryable when it is throttling,
// overload or an internal error.
Failure anthropic_stream_failure(const AnthropicSite& site, std::string_view data);

// No usable HTTP reply (refused, timed out, reset, TLS): what happened and what to check
// (ANTHROPIC_BASE_URL, the network, HTTPS_PROXY, the llm.* timeouts). Retryable per
// is_transport_retryable().
Failure anthropic_transport_failure(const AnthropicSite& site, const HttpResponse& response);

}  // namespace askdb::llm
