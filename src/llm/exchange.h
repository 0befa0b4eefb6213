// The life of one LLM request, shared by every provider: a place in the provider's queue,
// attempts with exponential backoff and jitter, timeouts, cancellation, and the decoding of
// one wire protocol's reply.
//
// A provider is a Protocol (how to encode a request, sign and address it, decode the reply and
// read its errors) plus a CallPolicy (timeouts, retries, concurrency). make_protocol_provider()
// joins the two into a Provider. The engine itself is an Exchange: it sends bodies already
// encoded over a Wire (a Protocol without the chat encoding), which is how embedders
// (llm/embedder.h) use it. The rules every exchange follows:
//   - At most `max_concurrent` requests are in flight to the provider; up to `max_queued` more
//     wait for a place, in order; beyond that a request fails at once with ErrorCode::kBusy
//     (HTTP 429 to the user) saying so.
//   - A Failure marked retryable (429, 5xx, throttling, overload, connection reset or refused,
//     timeouts) is retried after min(backoff_max_s, backoff_base_s * 2^n) seconds with full
//     jitter, or after the server's Retry-After when it names a longer wait (one longer than
//     max_retry_after_s is not waited for). Never once text has reached the caller: the user
//     would see it twice.
//   - timeout_s bounds the whole call, retries and waits included; connect_timeout_s,
//     first_byte_timeout_s and idle_timeout_s bound each attempt.
//   - Call::cancel() stops the attempt in flight, a pending retry or a place in the queue.
//
// Thread-safety: a Protocol is used by several calls at once from the provider's transfer
// thread and from callers of start(); its methods must be safe for that (they are const or
// lock). A ReplyDecoder belongs to one attempt and is used by one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "llm/http_client.h"
#include "llm/provider.h"

namespace askdb::llm {

// What went wrong in one attempt.
struct Failure {
  Error error;                // what the user reads if no retry follows (names provider, model)
  bool retryable = false;     // the same request may succeed if sent again
  double retry_after_s = -1;  // the server asked to wait this long first; < 0: it did not say
};

// Turns the 2xx body of one attempt into text and a Reply. One per attempt.
class ReplyDecoder {
 public:
  virtual ~ReplyDecoder() = default;

  // Takes the next piece of the body, in order, as it arrives. Text for the user goes to
  // `emit` (never empty pieces). A Failure stops the transfer: a malformed frame, or an error
  // event inside the stream (retryable when it is throttling or overload).
  virtual std::optional<Failure> feed(const HttpHead& head, std::string_view piece,
                                      const TextSink& emit) = 0;

  // Whether the reply's final event has arrived, so a connection that breaks afterwards lost
  // nothing.
  virtual bool complete() const = 0;

  // The reply once the body has ended (or was complete before the connection broke). A
  // Failure when it ended early, carries nothing, or the model refused.
  // REQUIRES: called once, after the last feed().
  virtual Result<Reply> finish() = 0;
};

// One endpoint of one provider: how to address and sign a request body, and read the reply.
class Wire {
 public:
  virtual ~Wire() = default;

  // For messages and logs: "bedrock (us.anthropic.claude-sonnet-4-5-... in us-east-1)".
  virtual std::string describe() const = 0;
  // The model asked for, as configured (for usage and cost records).
  virtual std::string model() const = 0;

  // The HTTP request for one attempt: url, method and headers (a signed protocol signs here,
  // afresh for each attempt, and may fetch or refresh credentials). The caller sets the body
  // and the timeouts. A failure here (no credentials, say) ends the call without retries.
  virtual Result<HttpRequest> address(const std::string& body) const = 0;

  virtual std::unique_ptr<ReplyDecoder> decoder() const = 0;

  // A non-2xx reply: the server's own message, what to do about it, whether to retry, and
  // Retry-After (see retry_after_seconds()).
  virtual Failure http_failure(const HttpHead& head, std::string_view body) const = 0;

  // No usable HTTP reply (refused, timed out, reset, TLS): what happened and what to check.
  // retryable per is_transport_retryable() unless the protocol knows better.
  virtual Failure transport_failure(const HttpResponse& response) const = 0;
};

// A chat model's Wire, and how to encode a chat Request for it.
class Protocol : public Wire {
 public:
  // The request body, encoded once per call. kLlm or kInternal when it cannot be encoded.
  virtual Result<std::string> encode(const Request& request) const = 0;
};

struct CallPolicy {
  double connect_timeout_s = 10;     // TCP + TLS handshake, per attempt
  double first_byte_timeout_s = 60;  // request sent → first byte of the reply, per attempt
  double idle_timeout_s = 30;        // longest gap between two pieces of a reply; 0: none
  double timeout_s = 120;            // the whole call, retries and their waits included
  int max_retries = 2;               // attempts after the first
  double backoff_base_s = 0.5;
  double backoff_max_s = 8;
  double max_retry_after_s = 20;  // a longer Retry-After ends the call instead of waiting
  int max_concurrent = 32;        // requests in flight to this provider
  int max_queued = 256;           // requests waiting for a place; beyond: ErrorCode::kBusy
  std::string ca_bundle;          // PEM file of CAs trusted besides the system's; "": none
};

// The engine: sends bodies over one Wire under one CallPolicy, with the rules above. Owns one
// HttpClient (one transfer thread); its destructor ends every call still queued, waiting or in
// flight (their handlers hear "cancelled").
class Exchange {
 public:
  Exchange(std::unique_ptr<Wire> wire, const CallPolicy& policy);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const Wire& wire() const;
  // Whether a call sent now would be refused at once with ErrorCode::kBusy.
  bool at_capacity() const;

  // Sends `body` (attempts, retries, timeouts as above). `on_text` (may be empty) gets the
  // reply's text as it arrives, `on_done` the outcome; both run on the transfer thread and
  // must not block.
  std::shared_ptr<Call> send(std::string body, TextSink on_text, ReplyHandler on_done);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Joins a protocol and a policy into a Provider. The provider owns one HttpClient (one
// transfer thread).
std::unique_ptr<Provider> make_protocol_provider(std::unique_ptr<Protocol> protocol,
                                                 const CallPolicy& policy);

// Retry-After as seconds: "120" or an HTTP date, and the retry-after-ms header some APIs send
// (OpenAI, Anthropic). -1 when absent or unreadable.
double retry_after_seconds(const HttpHead& head);

// Whether an HTTP status is worth retrying: 408, 409 (Anthropic uses it for lock contention),
// 425, 429 and 5xx except 501 and 505.
bool is_status_retryable(int status);

// Whether a transport failure is worth retrying: refused or reset connections, no reply,
// timeouts (not a bad URL, an unknown host or a TLS failure, which do not heal by themselves).
bool is_transport_retryable(HttpFailure failure);

}  // namespace askdb::llm
