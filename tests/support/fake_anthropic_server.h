// FakeAnthropicServer: an Anthropic Messages API server on 127.0.0.1, for tests and benchmarks
// that must not reach the real API.
//
// It speaks real HTTP/1.1 (Boost.Beast) and Anthropic's real event stream: text/event-stream,
// chunked transfer encoding, `event: NAME` + `data: {...}` pairs (message_start,
// content_block_start, ping, content_block_delta text_delta a few words each,
// content_block_stop, message_delta with stop_reason and usage, message_stop), mid-stream
// `error` events, and Anthropic's own error bodies ({"type":"error","error":{...},
// "request_id":...}). What it answers is scripted with rules (FakeAnthropicRule), matched on the
// last user message; it records every request (headers x-api-key and anthropic-version too) for
// assertions. Like the API it serves POST /v1/messages only (anything else: 404
// not_found_error), requires anthropic-version, and, when an api_key is configured, x-api-key.
// Runs on its own thread; every public method may be called from any thread.
//
// The Beast plumbing (accept loop, sessions, stop) repeats FakeOpenAiServer's: the two fakes
// share no code so that either can change without the other.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace askdb::test {

enum class FakeAnthropicMode {
  kStream,      // the event stream (or a Message JSON when the request says "stream": false)
  kJson,        // a Message JSON whatever the request asked (a server that ignores "stream")
  kHttpError,   // `status` with `body` (empty: Anthropic's real error body for that status)
  kErrorEvent,  // `error_after_deltas` text deltas, then an `error` event of `error_type`
  kCutStream,   // about half the events, then the connection is closed mid-stream
  kHang,        // read the request, never answer (until the server stops)
  kRaw,         // `body` sent as is, as 200 with `content_type` (a recorded real stream)
};

struct FakeAnthropicRule {
  std::string match;  // a substring of the last user message; empty matches any request
  FakeAnthropicMode mode = FakeAnthropicMode::kStream;
  std::string reply;         // the assistant's text (kStream, kJson, kErrorEvent, kCutStream)
  int status = 500;          // kHttpError
  std::string body;          // kHttpError: the body (empty: Anthropic's); kRaw: the whole body
  std::string content_type;  // kRaw (default text/event-stream), kHttpError (application/json)
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  std::string stop_reason = "end_turn";                      // message_delta's stop_reason
  std::string error_type = "overloaded_error";               // kErrorEvent: the error's type
  size_t error_after_deltas = 1;  // kErrorEvent: text deltas before it (0: none)
  int64_t input_tokens = -1;      // usage reported; -1: a token per 4 bytes of the prompt
  int64_t output_tokens = -1;     // usage reported; -1: a token per 4 bytes of the reply
  int delay_ms = 0;               // wait before the status line
  int chunk_delay_ms = 0;         // wait between events (kRaw: between pieces)
  size_t raw_chunk_bytes = 0;     // kRaw: write the body in pieces of this size (0: at once)
  bool once = true;               // consumed by its first match; false: matches every time
};

// One request as received.
struct FakeAnthropicRequest {
  std::string method;
  std::string target;             // "/v1/messages"
  std::string api_key;            // the x-api-key header, "" when absent
  std::string anthropic_version;  // the anthropic-version header, "" when absent
  std::string content_type;       // the content-type header
  std::string accept;             // the accept header
  std::string body;               // the raw JSON body

  // The content of the last message with role "user" in the body, "" when none.
  std::string last_user_message() const;
};

struct FakeAnthropicOptions {
  std::string default_reply = "SELECT 1;";  // streamed when no rule matches
  std::string api_key;                      // set: requests must carry it in x-api-key, else 401
  std::vector<std::string> models;          // set: any other model gets 404 not_found_error
  int words_per_chunk = 2;                  // words of reply text per text_delta (at least 1)
};

class FakeAnthropicServer {
 public:
  explicit FakeAnthropicServer(FakeAnthropicOptions options = {});
  ~FakeAnthropicServer();  // stops the server
  FakeAnthropicServer(const FakeAnthropicServer&) = delete;
  FakeAnthropicServer& operator=(const FakeAnthropicServer&) = delete;

  // Listens on 127.0.0.1:`port` (0: an ephemeral port) and serves on a background thread.
  // REQUIRES: not started yet.
  Status start(uint16_t port = 0);
  // Closes every connection (hanging ones too) and joins the thread. Idempotent.
  void stop();

  uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT", as ANTHROPIC_BASE_URL

  // Rules are tried in the order added; the first whose `match` fits answers the request.
  void add_rule(FakeAnthropicRule rule);
  void clear_rules();
  void set_default_reply(std::string text);

  std::vector<FakeAnthropicRequest> requests() const;  // every request so far, in order
  size_t request_count() const;
  void clear_requests();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Anthropic's error body for an HTTP status, as the real API sends it:
// {"type":"error","error":{"type":...,"message":...},"request_id":"req_..."}.
std::string anthropic_error_body(int status);

}  // namespace askdb::test
