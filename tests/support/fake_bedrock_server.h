// FakeBedrockServer: Amazon Bedrock's Converse and ConverseStream APIs on 127.0.0.1, for tests
// and benchmarks that must not reach AWS.
//
// It speaks real HTTP/1.1 (Boost.Beast). POST /model/{model id}/converse-stream answers
// application/vnd.amazon.eventstream, chunked, with real binary event-stream frames (correct
// CRCs) in Bedrock's order: messageStart, contentBlockDelta (a few words each),
// contentBlockStop, messageStop, metadata with usage; each payload carries Bedrock's random
// "p" padding field. POST /model/{id}/converse answers the Converse JSON. POST /model/{id}/invoke
// is Titan Text Embeddings: {"inputText", "dimensions", "normalize"} in, fake_embedding() of the
// text out (support/fake_embedding.h), Titan's validation errors for a missing or empty text or
// dimensions other than 256, 512 and 1024; rules match the text, kCutStream sends half the JSON
// before the connection closes. Errors carry AWS's
// x-amzn-errortype header, x-amzn-requestid and {"message": ...} body.
//
// Every request's SigV4 Authorization header is verified like AWS does: the fake recomputes the
// signature from the method, the path as received, the signed headers and the body with the
// configured secret key. An unknown access key gets 403 UnrecognizedClientException, a wrong
// signature 403 InvalidSignatureException, a model outside `allowed_models` 403
// AccessDeniedException. What it answers otherwise is scripted with rules matched on the last
// user message; every request is recorded.
//
// Runs on its own thread; every public method may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace askdb::test {

enum class FakeBedrockMode {
  kReply,      // the reply: an event stream on /converse-stream, JSON on /converse
  kHttpError,  // `status` with `error_type` and `message` (empty: Bedrock's real ones)
  kException,  // `text_chunks` text deltas, then an exception frame (`error_type`, `message`)
  kCutStream,  // about half the frames and part of the next, then the connection closes
  kHang,       // read the request, never answer (until the server stops)
};

struct FakeBedrockRule {
  std::string match;  // a substring of the last user message; empty matches any request
  FakeBedrockMode mode = FakeBedrockMode::kReply;
  std::string reply;  // the assistant's text (kReply, kException, kCutStream); empty: default
  int status = 500;   // kHttpError
  // kHttpError: the x-amzn-errortype name ("ThrottlingException"; empty: the one for
  // `status`). kException: the ":exception-type" ("throttlingException"; empty:
  // "modelStreamErrorException").
  std::string error_type;
  std::string message;     // kHttpError, kException: the message; empty: Bedrock's own
  std::string body;        // kHttpError: the whole body instead of {"message": ...}
  size_t text_chunks = 0;  // kException: text deltas sent before the exception
  std::string stop_reason = "end_turn";
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  int delay_ms = 0;                                          // wait before the status line
  int chunk_delay_ms = 0;                                    // wait between frames
  bool once = true;  // consumed by its first match; false: matches every time
};

// One request as received.
struct FakeBedrockRequest {
  std::string method;
  std::string target;     // as received: "/model/us.anthropic...-v1%3A0/converse-stream"
  std::string model_id;   // decoded: "us.anthropic...-v1:0"; "" when the path is not a model's
  std::string operation;  // "converse-stream", "converse", "invoke" or ""
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;                                          // the raw JSON body
  bool signature_valid = false;

  // The value of the first header `name` (lower case), "" when absent.
  std::string header(const std::string& name) const;
  // The text of the last message with role "user" in the body (an /invoke's inputText), ""
  // when none.
  std::string last_user_message() const;
};

struct FakeBedrockOptions {
  std::string default_reply = "SELECT 1;";  // sent when no rule matches
  std::string region = "us-east-1";         // the region requests must be signed for
  // The only credentials accepted. An empty access key id turns signature checks off.
  std::string access_key_id = "AKIDFAKEBEDROCK";
  std::string secret_access_key = "fake/bedrock/secret/key";
  std::string session_token;  // set: requests must carry it as X-Amz-Security-Token
  // Models this account may use; others get 403 AccessDeniedException. Empty: any.
  std::vector<std::string> allowed_models;
  int words_per_chunk = 2;  // words of reply text per contentBlockDelta (at least 1)
};

class FakeBedrockServer {
 public:
  explicit FakeBedrockServer(FakeBedrockOptions options = {});
  ~FakeBedrockServer();  // stops the server
  FakeBedrockServer(const FakeBedrockServer&) = delete;
  FakeBedrockServer& operator=(const FakeBedrockServer&) = delete;

  // Listens on 127.0.0.1:`port` (0: an ephemeral port) and serves on a background thread.
  // REQUIRES: not started yet.
  Status start(uint16_t port = 0);
  // Closes every connection (hanging ones too) and joins the thread. Idempotent.
  void stop();

  uint16_t port() const;
  std::string endpoint() const;  // "http://127.0.0.1:PORT"

  // Rules are tried in the order added; the first whose `match` fits answers the request.
  void add_rule(FakeBedrockRule rule);
  void clear_rules();
  void set_default_reply(std::string text);

  std::vector<FakeBedrockRequest> requests() const;  // every request so far, in arrival order
  size_t request_count() const;
  void clear_requests();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Bedrock's x-amzn-errortype name and message for an HTTP status, as the real service sends
// them (400 ValidationException "The provided model identifier is invalid.", 403
// AccessDeniedException, 429 ThrottlingException ...).
std::pair<std::string, std::string> bedrock_error_for_status(int status);

// The full x-amzn-errortype header value for a type: "ThrottlingException:http://internal..."
std::string bedrock_error_type_header(const std::string& type);

}  // namespace askdb::test
