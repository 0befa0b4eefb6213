// HttpClient: the small libcurl wrapper the LLM providers use to POST JSON and read the reply
// as it arrives (Server-Sent Events, AWS event streams, or one JSON document).
//
// start() begins a request and returns at once; one transfer thread per client drives every
// request in flight with curl's multi socket API over epoll, so a thousand slow LLM streams
// cost memory, not threads. Each piece of a 2xx body goes to a sink as soon as it arrives; a
// non-2xx body is captured for the error message instead. post() is start() and a wait, for
// callers that may block. Transport failures come back as values (HttpResponse::failure)
// with a message that names the host and what went wrong; they never throw.
//
// Thread-safety: start(), post() and HttpCall::cancel() may be called from any thread. Sinks
// and done handlers run on the transfer thread, one at a time, and must not block. The
// destructor cancels what is still in flight (done handlers run with kCancelled), runs the
// timers still pending (see after()) and joins the thread. curl_global_init runs once per
// process (std::call_once).
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace askdb::llm {

struct HttpRequest {
  std::string method = "POST";                               // "POST", "GET", "PUT"
  std::string url;                                           // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string body;                                          // sent as is (POST, PUT)
  // When set, sent instead of `body` and shared with the caller (who may send it again).
  std::shared_ptr<const std::string> shared_body;
  double connect_timeout_s = 10;     // TCP + TLS handshake; 0: curl's default
  double timeout_s = 120;            // the whole exchange, first byte to last; 0: none
  double first_byte_timeout_s = 0;   // start → first byte of the reply; 0: only timeout_s
  double idle_timeout_s = 0;         // longest silence once connected; 0: only timeout_s applies
  std::string ca_bundle;             // PEM file of CAs to trust; "": the system's store
  bool direct = false;  // never through a proxy (http_proxy and the like): link-local endpoints
};

// What failed below HTTP. Callers (and, later, retries) decide by kind, users read the message.
enum class HttpFailure {
  kNone,            // an HTTP status arrived and the body was read (or the sink stopped it)
  kBadUrl,          // the URL cannot be parsed or uses an unsupported scheme
  kResolve,         // the host name does not resolve
  kConnect,         // the TCP connection was refused or unreachable
  kConnectTimeout,  // connecting took longer than connect_timeout_s
  kTimeout,         // the exchange took longer than timeout_s
  kFirstByteTimeout,  // no reply began within first_byte_timeout_s
  kIdleTimeout,     // nothing arrived for idle_timeout_s
  kTls,             // TLS handshake or certificate verification failed
  kNoReply,         // the server closed the connection without an HTTP reply
  kBrokenReply,     // the connection broke while the reply was being read or sent
  kCancelled,       // HttpCall::cancel() or the client's destructor stopped it
  kOther,           // anything else curl reports (or the sink threw: see sink_error)
};

// The status line and the headers of the final response (after any 100 Continue).
struct HttpHead {
  int status = 0;
  std::string content_type;  // as sent, e.g. "text/event-stream; charset=utf-8"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order

  // The value of the first header named `name` (lower case), or "" when absent.
  std::string header(std::string_view name) const;
  bool is_success() const { return status >= 200 && status < 300; }
};

struct HttpResponse {
  HttpFailure failure = HttpFailure::kNone;
  // When failure != kNone: what happened, naming host and port, e.g.
  // "could not connect to 127.0.0.1:9 (connection refused)". No advice: the caller adds it.
  std::string failure_message;

  HttpHead head;                  // valid when head.status != 0 (also on some failures)
  std::string error_body;         // the body of a non-2xx reply, at most kMaxErrorBody bytes
  bool stopped_by_sink = false;   // the body sink returned false
  bool body_started = false;      // at least one body byte arrived
  std::exception_ptr sink_error;  // what the sink threw (failure is then kOther)

  static constexpr size_t kMaxErrorBody = 64 * 1024;

  bool transport_ok() const { return failure == HttpFailure::kNone; }
};

// Receives each piece of a 2xx body, in order, as it arrives; `head` is the response head.
// Returns false to stop reading (the response then has stopped_by_sink set).
using BodySink = std::function<bool(const HttpHead& head, std::string_view piece)>;

// Receives the outcome of a started request, exactly once.
using HttpDone = std::function<void(HttpResponse response)>;

// A request in flight. cancel() stops it if it has not finished (its done handler then runs
// with kCancelled); calling it later, or twice, does nothing.
class HttpCall {
 public:
  virtual ~HttpCall() = default;
  virtual void cancel() = 0;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts `request` (a POST unless it says otherwise) and returns at once. `on_body` (may be empty) and then
  // `on_done` run on the transfer thread. An exception thrown by `on_body` is caught: the
  // request stops with failure kOther and sink_error set.
  std::shared_ptr<HttpCall> start(HttpRequest request, BodySink on_body, HttpDone on_done) const;

  // Sends `request` and returns when the reply has been read, the sink stopped it, or it
  // failed. Never throws, except to rethrow an exception thrown by `on_body`.
  HttpResponse post(const HttpRequest& request, const BodySink& on_body) const;

  // Runs `fn` on the transfer thread once `seconds` have passed (a retry's wait, say), unless
  // the returned handle is cancelled first; dropping the handle does not cancel. The
  // destructor runs the timers still pending at once, on the transfer thread, before it
  // returns, so that their owners hear of the end: a request such a timer starts is refused
  // (kOther, "shutting down") and a timer it sets runs at once too.
  std::shared_ptr<HttpCall> after(double seconds, std::function<void()> fn) const;

  // Requests in flight now (for metrics and tests).
  size_t in_flight() const;

 private:
  class Loop;
  std::shared_ptr<Loop> loop_;
};

// "host:port" of an http(s) URL, with the scheme's default port filled in ("api.openai.com:443");
// the URL itself when it cannot be parsed. For error messages.
std::string url_host_port(const std::string& url);

// `url` fit for messages and logs: without user info ("user:secret@") and without a query or
// fragment (which may carry an api-key). "https://u:p@host/v1?key=x" → "https://host/v1".
std::string display_url(const std::string& url);

// "120 s", "1.5 s", "0.25 s": a duration in seconds for messages.
std::string format_seconds(double seconds);

}  // namespace askdb::llm
