// Provider: the one interface the pipeline uses to talk to a language model.
//
// An implementation wraps one wire protocol (OpenAI-compatible chat completions here; Bedrock
// and Anthropic implement the same interface). start() sends one request and returns at once:
// each piece of text goes to `on_text` as it arrives and the whole reply, with token usage, to
// `on_done`, so a server can keep thousands of answers streaming without a thread each.
// complete() and stream() are the blocking forms. Failures come back as Error{kLlm, message}
// with a message that names the server, the HTTP status or the network failure, and what the
// user can do.
//
// Thread-safety: one Provider may be used by several threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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
  // An embeddings exchange's vectors (llm/embedder.h), one per input in order; else empty.
  std::vector<std::vector<float>> vectors;
};

// Called with each piece of text as it arrives, in order, one call at a time.
using TextSink = std::function<void(std::string_view delta)>;

// Called once with the outcome of a request.
using ReplyHandler = std::function<void(Result<Reply> reply)>;

// A request in flight. cancel() stops it if it has not finished; its ReplyHandler then gets
// an Error{kLlm} saying it was cancelled. Calling cancel() late or twice does nothing.
class Call {
 public:
  virtual ~Call() = default;
  virtual void cancel() = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;

  // A short name for logs and messages: "openai (gpt-4o-mini at https://...)".
  virtual std::string describe() const = 0;

  // The model asked for, as configured ("gpt-4o-mini"): for usage and cost records.
  virtual std::string model() const = 0;

  // Whether a request started now would be refused at once with ErrorCode::kBusy (every place
  // to the provider taken and its queue full). A hint: a server answers 429 early with it.
  virtual bool at_capacity() const { return false; }

  // Starts `request` and returns at once. `on_text` (may be empty) and then `on_done` run on
  // the provider's transfer thread and must not block.
  virtual std::shared_ptr<Call> start(const Request& request, TextSink on_text,
                                      ReplyHandler on_done) = 0;

  // Blocking forms of start(), for callers that may wait (the command line, tests).
  // stream() calls `on_text` from the transfer thread while the caller waits.
  Result<Reply> complete(const Request& request);
  Result<Reply> stream(const Request& request, const TextSink& on_text);
};

}  // namespace askdb::llm
