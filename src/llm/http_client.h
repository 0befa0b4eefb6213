// HttpClient: the small libcurl wrapper the LLM providers use to POST JSON and read the reply
// as it arrives (Server-Sent Events, AWS event streams, or one JSON document).
//
// HttpClient::post() performs one request on the calling thread and hands each piece of a 2xx body
// to a callback as soon as it arrives; a non-2xx body is captured for the error message instead.
// Transport failures come back as values (HttpResponse::failure) with a message that names the
// host and what went wrong; they never throw. The interface is callback-based so the
// implementation can later move to curl multi without changing callers.
//
// Thread-safety: post() may be called from many threads at once; each call uses its own curl
// handle. curl_global_init runs once per process (std::call_once).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace askdb::llm {

struct HttpRequest {
  std::string url;                                           // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string body;                                          // sent as is (POST)
  double connect_timeout_s = 10;  // TCP + TLS handshake; 0: curl's default
  double timeout_s = 120;         // the whole exchange, first byte to last; 0: none
  double idle_timeout_s = 0;      // longest silence once connected; 0: only timeout_s applies
};

// What failed below HTTP. Callers (and, later, retries) decide by kind, users read the message.
enum class HttpFailure {
  kNone,            // an HTTP status arrived and the body was read (or the sink stopped it)
  kBadUrl,          // the URL cannot be parsed or uses an unsupported scheme
  kResolve,         // the host name does not resolve
  kConnect,         // the TCP connection was refused or unreachable
  kConnectTimeout,  // connecting took longer than connect_timeout_s
  kTimeout,         // the exchange took longer than timeout_s
  kIdleTimeout,     // nothing arrived for idle_timeout_s
  kTls,             // TLS handshake or certificate verification failed
  kNoReply,         // the server closed the connection without an HTTP reply
  kBrokenReply,     // the connection broke while the reply was being read or sent
  kOther,           // anything else curl reports
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

  HttpHead head;                 // valid when head.status != 0 (also on some failures)
  std::string error_body;        // the body of a non-2xx reply, at most kMaxErrorBody bytes
  bool stopped_by_sink = false;  // the body sink returned false
  bool body_started = false;     // at least one body byte arrived

  static constexpr size_t kMaxErrorBody = 64 * 1024;

  bool transport_ok() const { return failure == HttpFailure::kNone; }
};

// Receives each piece of a 2xx body, in order, as it arrives; `head` is the response head.
// Returns false to stop reading (post() then returns with stopped_by_sink set).
// Exceptions thrown by the sink are caught and rethrown from post() after curl has unwound.
using BodySink = std::function<bool(const HttpHead& head, std::string_view piece)>;

class HttpClient {
 public:
  // Sends `request` as an HTTP POST and returns when the reply has been read, the sink stopped
  // it, or it failed. Never throws, except to rethrow an exception thrown by `on_body`.
  HttpResponse post(const HttpRequest& request, const BodySink& on_body) const;
};

// "host:port" of an http(s) URL, with the scheme's default port filled in ("api.openai.com:443");
// the URL itself when it cannot be parsed. For error messages.
std::string url_host_port(const std::string& url);

// "120 s", "1.5 s", "0.25 s": a duration in seconds for messages.
std::string format_seconds(double seconds);

}  // namespace askdb::llm
