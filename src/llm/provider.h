// Provider: the one interface the pipeline uses to talk to a language model.
//
// An implementation wraps one wire protocol (OpenAI-compatible chat completions here; Bedrock
// and Anthropic implement the same interface). complete() sends one request and returns the
// whole reply; stream() does the same but hands each piece of text to `on_text` as it arrives.
// Both report token usage. Failures come back as Error{kLlm, message} with a message that
// names the server, the HTTP status or the network failure, and what the user can do.
//
// Thread-safety: one Provider may be used by several threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace askdb::llm {

enum class Role { kUser, kAssistant };

struct Message {
  Role role = Role::kUser;
  std::string content;
};

struct Request {
  std::string system;             // the system prompt, may be empty
  std::vector<Message> messages;  // at least one, the last from the user
  int max_tokens = 1024;
  double temperature = 0.0;
  std::vector<std::string> stop;  // stop sequences
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

struct Reply {
  std::string text;
  Usage usage;
  std::string stop_reason;  // as the provider named it ("stop", "length", "end_turn", ...)
  std::string model;        // the model that answered, when the provider says
};

// Called with each piece of text as it arrives; may be called from the calling thread only.
using TextSink = std::function<void(std::string_view delta)>;

class Provider {
 public:
  virtual ~Provider() = default;

  // A short name for logs and messages: "openai (gpt-4o-mini at https://...)".
  virtual std::string describe() const = 0;

  virtual Result<Reply> complete(const Request& request) = 0;
  virtual Result<Reply> stream(const Request& request, const TextSink& on_text) = 0;
};

}  // namespace askdb::llm
