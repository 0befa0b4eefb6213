// FakeOpenAiServer: an OpenAI-compatible chat-completions server on 127.0.0.1, for tests and
// benchmarks that must not reach a real LLM.
//
// It speaks real HTTP/1.1 (Boost.Beast) and real Server-Sent Events: text/event-stream,
// chunked transfer encoding, "data: {chat.completion.chunk}\n\n" events a few words each, a
// final usage chunk and "data: [DONE]", and OpenAI's own error bodies. What it answers is
// scripted with rules (see FakeRule); it records every request for assertions on the prompt.
// Like OpenAI it serves POST /v1/chat/completions and POST /v1/embeddings (anything else: 404
// "Invalid URL"). Embeddings are fake_embedding() of each input (support/fake_embedding.h);
// rules match any of the inputs, and kStream/kJson answer the embeddings list, kMalformedChunk
// a body that is not JSON, kCutStream half of it before the connection closes.
// Runs on its own thread; every public method may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace askdb::test {

enum class FakeMode {
  kStream,          // SSE chunks (or a chat.completion JSON when the request says "stream": false)
  kJson,            // a chat.completion JSON whatever the request asked (a server that ignores
                    // "stream")
  kHttpError,       // `status` with `body` (empty: OpenAI's real error body for that status)
  kMalformedChunk,  // a few good chunks, then one that is not JSON, then the rest and [DONE]
  kCutStream,       // about half the chunks, then the connection is closed mid-stream
  kHang,            // read the request, never answer (until the server stops)
  kRaw,             // `body` sent as is, as 200 with `content_type` (a recorded real stream)
};

struct FakeRule {
  std::string match;  // a substring of the last user message; empty matches any request
  FakeMode mode = FakeMode::kStream;
  std::string reply;         // the assistant's text (kStream, kJson, kMalformedChunk, kCutStream)
  int status = 500;          // kHttpError
  std::string body;          // kHttpError: the body (empty: OpenAI's); kRaw: the whole body
  std::string content_type;  // kRaw (default text/event-stream), kHttpError (application/json)
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  std::string finish_reason = "stop";  // the finish_reason sent with the reply
  int delay_ms = 0;                    // wait before the status line
  int chunk_delay_ms = 0;              // wait between body chunks
  size_t raw_chunk_bytes = 0;          // kRaw: write the body in pieces of this size (0: at once)
  bool once = true;                    // consumed by its first match; false: matches every time
};

// One request as received.
struct FakeRequest {
  std::string method;
  std::string target;         // "/v1/chat/completions"
  std::string authorization;  // the Authorization header, "" when absent
  std::string body;           // the raw JSON body

  // The content of the last message with role "user" in the body, "" when none.
  std::string last_user_message() const;
};

struct FakeOpenAiOptions {
  std::string default_reply = "SELECT 1;";  // streamed when no rule matches
  std::string api_key;                      // set: requests must carry "Bearer <api_key>", else 401
  std::vector<std::string> models;          // set: any other model gets 404 model_not_found
  int words_per_chunk = 2;                  // words of reply text per SSE chunk (at least 1)
  size_t embedding_dimensions = 8;          // when the request names no "dimensions"
  bool embeddings_reversed = false;  // list data[] last index first (clients must use "index")
};

class FakeOpenAiServer {
 public:
  explicit FakeOpenAiServer(FakeOpenAiOptions options = {});
  ~FakeOpenAiServer();  // stops the server
  FakeOpenAiServer(const FakeOpenAiServer&) = delete;
  FakeOpenAiServer& operator=(const FakeOpenAiServer&) = delete;

  // Listens on 127.0.0.1:`port` (0: an ephemeral port) and serves on a background thread.
  // REQUIRES: not started yet.
  Status start(uint16_t port = 0);
  // Closes every connection (hanging ones too) and joins the thread. Idempotent.
  void stop();

  uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT/v1"

  // Rules are tried in the order added; the first whose `match` fits answers the request.
  void add_rule(FakeRule rule);
  void clear_rules();
  void set_default_reply(std::string text);

  std::vector<FakeRequest> requests() const;  // every request so far, in arrival order
  size_t request_count() const;
  void clear_requests();
  // Streamed replies whose client closed the connection before the last event.
  size_t abandoned_streams() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// OpenAI's error body for an HTTP status, as the real API sends it:
// {"error":{"message":...,"type":...,"param":null,"code":...}}.
std::string openai_error_body(int status);

}  // namespace askdb::test
