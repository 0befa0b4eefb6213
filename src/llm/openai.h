// The OpenAI-compatible chat-completions provider: OpenAI itself, and the servers that speak
// its protocol (Ollama, vLLM, the llama.cpp server, LM Studio).
//
// POST {base_url}/chat/completions with "stream": true and stream_options.include_usage, read
// as Server-Sent Events; complete() uses the same streaming path and gathers the text. A server
// that ignores "stream" and answers one chat.completion JSON document is accepted too.
// Errors are Error{kLlm} naming the server, the HTTP status or network failure, and the
// setting to check (ASKDB_LLM_BASE_URL, ASKDB_LLM_API_KEY, ASKDB_LLM_MODEL, ...). Timeouts,
// retries and the concurrency limit are the CallPolicy's (llm/exchange.h).
#pragma once

#include <memory>
#include <string>

#include "llm/exchange.h"
#include "llm/provider.h"

namespace askdb::llm {

struct OpenAiOptions {
  std::string base_url = "https://api.openai.com/v1";  // without the trailing /chat/completions
  std::string model = "gpt-4o-mini";
  std::string api_key;  // empty: no Authorization header
};

std::unique_ptr<Protocol> make_openai_protocol(const OpenAiOptions& options);

// make_protocol_provider(make_openai_protocol(options), policy). The returned provider may be
// used by several threads at once; each call is its own request.
std::unique_ptr<Provider> make_openai_provider(const OpenAiOptions& options,
                                               const CallPolicy& policy = {});

}  // namespace askdb::llm
