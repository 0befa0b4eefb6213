// The Anthropic Messages API as an askdb Protocol: Claude through api.anthropic.com, or any
// server that speaks the same API at ANTHROPIC_BASE_URL (a gateway, a proxy, a test fake).
//
// POST {base_url}/v1/messages with "stream": true, the key in x-api-key and the API version in
// anthropic-version; the reply is read as Server-Sent Events (see llm/anthropic_stream.h), or as
// one Message JSON document from a server that ignores "stream". Errors name the provider and
// model, quote Anthropic's own message and say what to check (ANTHROPIC_API_KEY,
// ASKDB_LLM_MODEL, ANTHROPIC_BASE_URL, the token budgets); throttling (429), overload (529) and
// internal errors are marked retryable, and make_protocol_provider() (llm/exchange.h) decides.
// The API key never appears in a message.
//
// Thread-safety: the Protocol is immutable once made; every method is const and may be called
// from several threads at once.
#pragma once

#include <memory>
#include <string>

#include "llm/exchange.h"

namespace askdb::llm {

struct AnthropicOptions {
  // As ANTHROPIC_BASE_URL: without /v1/messages (a trailing slash is ignored).
  std::string base_url = "https://api.anthropic.com";
  std::string model = "claude-sonnet-4-5";
  std::string api_key;                 // sent as x-api-key
  std::string version = "2023-06-01";  // anthropic-version header
};

// Request.temperature is clamped to Anthropic's range, 0 to 1. An empty api_key sends no
// x-api-key header (for a gateway that adds its own).
std::unique_ptr<Protocol> make_anthropic_protocol(const AnthropicOptions& options);

}  // namespace askdb::llm
