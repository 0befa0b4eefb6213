#include "llm/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <system_error>

namespace askdb::llm {
namespace {

using Clock = std::chrono::steady_clock;

// Returns false when libcurl could not be initialised (then every request fails).
bool ensure_curl_initialized() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result == CURLE_OK;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim_ws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Everything the curl callbacks touch during one transfer.
struct Transfer {
  const BodySink* sink = nullptr;
  HttpHead head;
  std::string error_body;
  bool stopped = false;
  bool body_started = false;
  std::exception_ptr sink_error;

  double idle_timeout_s = 0;
  Clock::time_point last_activity = Clock::now();
  curl_off_t last_down = 0;
  curl_off_t last_up = 0;
  bool idle_expired = false;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  t->last_activity = Clock::now();
  if (line.starts_with("HTTP/")) {
    // A new status line: a 1xx interim response or the final one. Start the head afresh.
    t->head = HttpHead{};
    const size_t sp = line.find(' ');
    if (sp != std::string_view::npos) {
      int status = 0;
      for (size_t i = sp + 1; i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]));
           ++i) {
        status = status * 10 + (line[i] - '0');
      }
      t->head.status = status;
    }
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // the blank line ending the head
  std::string name = lower(trim_ws(line.substr(0, colon)));
  std::string value(trim_ws(line.substr(colon + 1)));
  if (name == "content-type") t->head.content_type = value;
  t->head.headers.emplace_back(std::move(name), std::move(value));
  return n;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  t->last_activity = Clock::now();
  t->body_started = true;
  if (!t->head.is_success()) {
    const size_t room = HttpResponse::kMaxErrorBody - t->error_body.size();
    t->error_body.append(data, std::min(n, room));
    return n;
  }
  if (t->sink == nullptr || !*t->sink) return n;
  try {
    if (!(*t->sink)(t->head, std::string_view(data, n))) {
      t->stopped = true;
      return 0;  // curl stops with CURLE_WRITE_ERROR
    }
  } catch (...) {
    t->sink_error = std::current_exception();
    return 0;
  }
  return n;
}

int on_progress(void* user, curl_off_t /*dltotal*/, curl_off_t dlnow, curl_off_t /*ultotal*/,
                curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  const auto now = Clock::now();
  if (dlnow != t->last_down || ulnow != t->last_up) {
    t->last_down = dlnow;
    t->last_up = ulnow;
    t->last_activity = now;
  }
  if (t->idle_timeout_s > 0) {
    const std::chrono::duration<double> silent = now - t->last_activity;
    if (silent.count() >= t->idle_timeout_s) {
      t->idle_expired = true;
      return 1;  // curl stops with CURLE_ABORTED_BY_CALLBACK
    }
  }
  return 0;
}

long to_ms(double seconds) { return seconds <= 0 ? 0L : static_cast<long>(seconds * 1000.0 + 0.5); }

std::string os_error_text(long err) {
  if (err == 0) return "";
  std::string text = std::error_code(static_cast<int>(err), std::generic_category()).message();
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string host_only(const std::string& url) {
  CURLU* u = curl_url();
  std::string out;
  if (u != nullptr && curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* host = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host != nullptr) out = host;
    curl_free(host);
  }
  curl_url_cleanup(u);
  return out.empty() ? url : out;
}

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// Fills failure and failure_message from curl's result code.
void describe_failure(CURLcode rc, CURL* h, const HttpRequest& request, const Transfer& t,
                      const char* errbuf, HttpResponse& out) {
  const std::string where = url_host_port(request.url);
  const std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
  long os_errno = 0;
  curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
  curl_off_t connect_us = 0;
  curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_us);

  switch (rc) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      out.failure = HttpFailure::kBadUrl;
      out.failure_message = "'" + request.url + "' is not a usable http(s) URL (" + detail + ")";
      return;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      out.failure = HttpFailure::kResolve;
      out.failure_message = "could not resolve the host name " + host_only(request.url);
      return;
    case CURLE_COULDNT_CONNECT: {
      out.failure = HttpFailure::kConnect;
      std::string why = os_error_text(os_errno);
      out.failure_message =
          "could not connect to " + where + " (" + (why.empty() ? detail : why) + ")";
      return;
    }
    case CURLE_OPERATION_TIMEDOUT:
      if (connect_us == 0 && t.head.status == 0) {
        double limit = request.connect_timeout_s > 0 ? request.connect_timeout_s : 300;
        if (request.timeout_s > 0) limit = std::min(limit, request.timeout_s);
        out.failure = HttpFailure::kConnectTimeout;
        out.failure_message =
            "timed out after " + format_seconds(limit) + " connecting to " + where;
      } else if (!t.body_started) {
        out.failure = HttpFailure::kTimeout;
        out.failure_message = "timed out after " + format_seconds(request.timeout_s) +
                              " waiting for " + where + " to answer";
      } else {
        out.failure = HttpFailure::kTimeout;
        out.failure_message = "timed out after " + format_seconds(request.timeout_s) + " while " +
                              where + " was still sending its reply";
      }
      return;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      out.failure = HttpFailure::kTls;
      out.failure_message = "the TLS connection to " + where + " failed (" + detail + ")";
      return;
    case CURLE_GOT_NOTHING:
      out.failure = HttpFailure::kNoReply;
      out.failure_message = where + " closed the connection without replying";
      return;
    case CURLE_SEND_ERROR:
      out.failure = HttpFailure::kBrokenReply;
      out.failure_message =
          "the connection to " + where + " broke while sending the request (" + detail + ")";
      return;
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      out.failure = HttpFailure::kBrokenReply;
      out.failure_message =
          "the connection to " + where + " broke while reading the reply (" + detail + ")";
      return;
    default:
      out.failure = HttpFailure::kOther;
      out.failure_message = "the request to " + where + " failed (" + detail + ")";
      return;
  }
}

}  // namespace

std::string HttpHead::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

std::string format_seconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", seconds);
  return buf;
}

std::string url_host_port(const std::string& url) {
  if (!ensure_curl_initialized()) return url;
  CURLU* u = curl_url();
  std::string out = url;
  if (u != nullptr && curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* host = nullptr;
    char* port = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      out = std::string(host) + ":" + port;
    }
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

HttpResponse HttpClient::post(const HttpRequest& request, const BodySink& on_body_sink) const {
  HttpResponse out;
  if (!ensure_curl_initialized()) {
    out.failure = HttpFailure::kOther;
    out.failure_message = "libcurl could not be initialised";
    return out;
  }
  std::unique_ptr<CURL, EasyDeleter> handle(curl_easy_init());
  if (!handle) {
    out.failure = HttpFailure::kOther;
    out.failure_message = "libcurl could not create a request handle (out of memory?)";
    return out;
  }
  CURL* h = handle.get();

  curl_slist* raw_list = nullptr;
  for (const auto& [name, value] : request.headers) {
    raw_list = curl_slist_append(raw_list, (name + ": " + value).c_str());
  }
  raw_list = curl_slist_append(raw_list, "Expect:");  // no 100-continue round trip
  std::unique_ptr<curl_slist, SlistDeleter> header_list(raw_list);

  Transfer t;
  t.sink = &on_body_sink;
  t.idle_timeout_s = request.idle_timeout_s;
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, to_ms(request.connect_timeout_s));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, to_ms(request.timeout_s));
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);

  t.last_activity = Clock::now();
  const CURLcode rc = curl_easy_perform(h);
  if (t.sink_error) std::rethrow_exception(t.sink_error);

  out.head = std::move(t.head);
  if (out.head.status == 0) {
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    out.head.status = static_cast<int>(code);
  }
  out.error_body = std::move(t.error_body);
  out.body_started = t.body_started;
  if (t.stopped) {
    out.stopped_by_sink = true;
  } else if (t.idle_expired) {
    out.failure = HttpFailure::kIdleTimeout;
    out.failure_message = url_host_port(request.url) + " sent nothing for " +
                          format_seconds(request.idle_timeout_s) +
                          (t.body_started ? " in the middle of its reply" : " after the request");
  } else if (rc != CURLE_OK) {
    describe_failure(rc, h, request, t, errbuf, out);
  }
  return out;
}

}  // namespace askdb::llm
