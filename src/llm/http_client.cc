#include "llm/http_client.h"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "core/text.h"

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
  // The request body curl sends from (CURLOPT_POSTFIELDS). Freed once the final response head
  // arrives: by then it has been sent, and an LLM prompt can be tens of KB per stream.
  std::string* request_body = nullptr;
  std::shared_ptr<const std::string>* shared_body = nullptr;
  HttpHead head;
  std::string error_body;
  bool stopped = false;
  bool body_started = false;
  std::exception_ptr sink_error;

  double idle_timeout_s = 0;
  double first_byte_timeout_s = 0;
  Clock::time_point started = Clock::now();
  Clock::time_point last_activity = Clock::now();
  bool any_byte = false;  // a header or body byte has arrived
  bool idle_expired = false;
  bool first_byte_expired = false;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  t->last_activity = Clock::now();
  t->any_byte = true;
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
      if (status >= 200 && t->request_body != nullptr) {
        std::string().swap(*t->request_body);
        t->request_body = nullptr;
      }
      if (status >= 200 && t->shared_body != nullptr) {
        t->shared_body->reset();
        t->shared_body = nullptr;
      }
    }
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // the blank line ending the head
  std::string name = to_lower(trim_ws(line.substr(0, colon)));
  std::string value(trim_ws(line.substr(colon + 1)));
  if (name == "content-type") t->head.content_type = value;
  t->head.headers.emplace_back(std::move(name), std::move(value));
  return n;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  t->last_activity = Clock::now();
  t->any_byte = true;
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
    case CURLE_SSL_CACERT_BADFILE:
      out.failure = HttpFailure::kTls;
      if (!request.ca_bundle.empty()) {
        const std::string why = ::access(request.ca_bundle.c_str(), R_OK) != 0
                                    ? os_error_text(errno)
                                    : "it holds no PEM certificate";
        out.failure_message = "the CA bundle " + request.ca_bundle + " cannot be used to verify " +
                              where + " (" + why +
                              "; it must be a readable PEM file of CA certificates)";
      } else {
        out.failure_message = "the TLS connection to " + where + " failed (" + detail + ")";
      }
      return;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
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

std::string display_url(const std::string& url) {
  std::string out = url.substr(0, url.find_first_of("?#"));
  const size_t scheme = out.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t path = out.find('/', start);
  const size_t at = out.rfind('@', path == std::string::npos ? std::string::npos : path);
  if (at != std::string::npos && at >= start) out.erase(start, at + 1 - start);
  return out;
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

// The transfer thread: one curl multi handle driven by the socket API over epoll. Commands
// (start, cancel, stop) arrive through a queue and an eventfd; everything else happens on the
// thread, so the calls' state needs no locks.
class HttpClient::Loop : public std::enable_shared_from_this<HttpClient::Loop> {
 public:
  struct Call;

  // The handle given to callers; it outlives neither the loop's state nor the call's.
  class Handle final : public HttpCall {
   public:
    Handle(std::weak_ptr<Loop> loop, uint64_t id) : loop_(std::move(loop)), id_(id) {}
    void cancel() override {
      if (auto loop = loop_.lock()) loop->post_cancel(id_);
    }

   private:
    std::weak_ptr<Loop> loop_;
    uint64_t id_;
  };

  struct Call {
    uint64_t id = 0;
    HttpRequest request;
    BodySink sink;
    HttpDone done;
    std::unique_ptr<CURL, EasyDeleter> easy;
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    char errbuf[CURL_ERROR_SIZE] = {0};
    Transfer transfer;
  };

  Loop() = default;
  ~Loop() {
    if (thread_.joinable()) {
      {
        std::lock_guard lock(mu_);
        stopping_ = true;
      }
      wake();
      thread_.join();
    }
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  // Queues a call. When the loop cannot run, returns the call with `why` set.
  std::unique_ptr<Call> post_start(std::unique_ptr<Call> call, std::string& why) {
    std::call_once(started_, [this] { start_thread(); });
    if (!start_error_.empty()) {
      why = start_error_;
      return call;
    }
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        why = "the HTTP client is shutting down";
        return call;
      }
      starts_.push_back(std::move(call));
    }
    wake();
    return nullptr;
  }

  // Queues `fn` to run on the thread at `due`; runs it at once when the loop cannot run.
  void post_timer(uint64_t id, Clock::time_point due, std::function<void()> fn) {
    std::call_once(started_, [this] { start_thread(); });
    if (start_error_.empty()) {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        timer_starts_.push_back({due, id, std::move(fn)});
        fn = nullptr;
      }
    }
    if (fn) {
      fn();
      return;
    }
    wake();
  }

  void post_cancel(uint64_t id) {
    {
      std::lock_guard lock(mu_);
      cancels_.push_back(id);
    }
    wake();
  }

  uint64_t next_id() { return ++last_id_; }
  size_t in_flight() const { return in_flight_.load(); }

 private:
  void wake() {
    if (wake_fd_ < 0) return;
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }

  void start_thread() {
    if (!ensure_curl_initialized()) {
      start_error_ = "libcurl could not be initialised";
      return;
    }
    multi_ = curl_multi_init();
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (multi_ == nullptr || epoll_fd_ < 0 || wake_fd_ < 0) {
      start_error_ = std::string("the HTTP client could not start (") + std::strerror(errno) + ")";
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Loop::on_socket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Loop::on_timer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    thread_ = std::thread([this] { run(); });
  }

  static int on_socket(CURL* /*easy*/, curl_socket_t fd, int what, void* user, void* /*sockp*/) {
    auto* self = static_cast<Loop*>(user);
    if (what == CURL_POLL_REMOVE) {
      ::epoll_ctl(self->epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
      self->watched_.erase(fd);
      return 0;
    }
    epoll_event ev{};
    ev.data.fd = fd;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ev.events |= EPOLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ev.events |= EPOLLOUT;
    const bool known = self->watched_.count(fd) != 0;
    ::epoll_ctl(self->epoll_fd_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
    self->watched_[fd] = true;
    return 0;
  }

  static int on_timer(CURLM* /*multi*/, long timeout_ms, void* user) {
    auto* self = static_cast<Loop*>(user);
    if (timeout_ms < 0) {
      self->timer_due_.reset();
    } else {
      self->timer_due_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
    }
    return 0;
  }

  void run() {
    constexpr int kMaxEvents = 256;
    epoll_event events[kMaxEvents];
    auto next_sweep = Clock::now();
    while (true) {
      if (!take_commands()) break;
      int wait_ms = 1000;
      const auto now = Clock::now();
      if (timer_due_) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(*timer_due_ - now).count();
        wait_ms = static_cast<int>(std::clamp<long long>(left, 0, wait_ms));
      }
      if (!timers_.empty()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(timers_.begin()->first - now)
                .count();
        wait_ms = static_cast<int>(std::clamp<long long>(left, 0, wait_ms));
      }
      if (has_idle_limits_) {
        const auto to_sweep =
            std::chrono::duration_cast<std::chrono::milliseconds>(next_sweep - now).count();
        wait_ms = static_cast<int>(std::clamp<long long>(to_sweep, 0, wait_ms));
      }
      const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, wait_ms);
      int running = 0;
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == wake_fd_) {
          uint64_t count = 0;
          [[maybe_unused]] ssize_t r = ::read(wake_fd_, &count, sizeof count);
          continue;
        }
        int flags = 0;
        if (events[i].events & EPOLLIN) flags |= CURL_CSELECT_IN;
        if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
        if (events[i].events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
        curl_multi_socket_action(multi_, fd, flags, &running);
      }
      if (timer_due_ && Clock::now() >= *timer_due_) {
        timer_due_.reset();
        curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
      }
      collect_finished();
      run_due_timers(Clock::now());
      if (has_idle_limits_ && Clock::now() >= next_sweep) {
        sweep_idle();
        next_sweep = Clock::now() + std::chrono::milliseconds(100);
      }
    }
    // Stopping: whatever is left is cancelled.
    std::vector<uint64_t> left;
    for (const auto& [id, call] : calls_) left.push_back(id);
    for (uint64_t id : left) finish(id, CURLE_OK, HttpFailure::kCancelled);
    std::deque<std::unique_ptr<Call>> never_started;
    std::vector<TimerStart> timer_starts;
    std::vector<uint64_t> cancels;
    {
      std::lock_guard lock(mu_);
      never_started.swap(starts_);
      timer_starts.swap(timer_starts_);
      cancels.swap(cancels_);
    }
    // Timers still waiting run now, so their owners hear of the end (a request they start is
    // refused: the client is stopping); those cancelled meanwhile do not.
    for (auto& timer : timer_starts) {
      timers_.emplace(timer.due, timer.id);
      timer_fns_.emplace(timer.id, std::move(timer.fn));
    }
    for (uint64_t id : cancels) timer_fns_.erase(id);
    run_due_timers(Clock::time_point::max());
    // Outside the lock: a done handler may start another request (it is then refused too).
    for (auto& call : never_started) {
      HttpResponse out;
      out.failure = HttpFailure::kCancelled;
      out.failure_message = "the request to " + url_host_port(call->request.url) + " was cancelled";
      if (call->done) call->done(std::move(out));
    }
  }

  // Adds queued calls and performs queued cancels; returns false when the loop must stop.
  bool take_commands() {
    std::deque<std::unique_ptr<Call>> starts;
    std::vector<uint64_t> cancels;
    std::vector<TimerStart> timer_starts;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return false;
      starts.swap(starts_);
      cancels.swap(cancels_);
      timer_starts.swap(timer_starts_);
    }
    for (auto& call : starts) add(std::move(call));
    for (auto& timer : timer_starts) {
      timers_.emplace(timer.due, timer.id);
      timer_fns_.emplace(timer.id, std::move(timer.fn));
    }
    for (uint64_t id : cancels) {
      if (calls_.count(id) != 0) {
        finish(id, CURLE_OK, HttpFailure::kCancelled);
      } else {
        timer_fns_.erase(id);  // its entry in timers_ is skipped when due
      }
    }
    return true;
  }

  // Runs the timers due by `now`, earliest first. A timer may add others (through post_timer).
  void run_due_timers(Clock::time_point now) {
    while (!timers_.empty() && timers_.begin()->first <= now) {
      const uint64_t id = timers_.begin()->second;
      timers_.erase(timers_.begin());
      auto it = timer_fns_.find(id);
      if (it == timer_fns_.end()) continue;  // cancelled
      std::function<void()> fn = std::move(it->second);
      timer_fns_.erase(it);
      fn();
    }
  }

  void add(std::unique_ptr<Call> call) {
    CURL* h = curl_easy_init();
    if (h == nullptr) {
      HttpResponse out;
      out.failure = HttpFailure::kOther;
      out.failure_message = "libcurl could not create a request handle (out of memory?)";
      if (call->done) call->done(std::move(out));
      return;
    }
    call->easy.reset(h);
    const HttpRequest& request = call->request;
    curl_slist* list = nullptr;
    for (const auto& [name, value] : request.headers) {
      list = curl_slist_append(list, (name + ": " + value).c_str());
    }
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
    call->headers.reset(list);
    Transfer& t = call->transfer;
    t.sink = &call->sink;
    t.request_body = &call->request.body;
    if (request.shared_body) t.shared_body = &call->request.shared_body;
    t.idle_timeout_s = request.idle_timeout_s;
    t.first_byte_timeout_s = request.first_byte_timeout_s;
    t.started = t.last_activity = Clock::now();
    if (request.idle_timeout_s > 0 || request.first_byte_timeout_s > 0) has_idle_limits_ = true;

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (request.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
      const std::string& body = request.shared_body ? *request.shared_body : request.body;
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      if (request.method != "POST") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
    }
    // TLS peers are always verified (curl's default); only the set of trusted CAs may change.
    if (!request.ca_bundle.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_bundle.c_str());
    if (request.direct) curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, call->headers.get());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, call->errbuf);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, to_ms(request.connect_timeout_s));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, to_ms(request.timeout_s));
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    // Small receive buffers: an LLM stream is a trickle, and thousands may be open at once.
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 4096L);
    curl_easy_setopt(h, CURLOPT_PRIVATE, reinterpret_cast<void*>(call->id));
    const uint64_t id = call->id;
    calls_.emplace(id, std::move(call));
    ++in_flight_;
    if (curl_multi_add_handle(multi_, h) != CURLM_OK) {
      finish(id, CURLE_OUT_OF_MEMORY, HttpFailure::kNone);
    }
  }

  void collect_finished() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      void* priv = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
      finish(reinterpret_cast<uint64_t>(priv), msg->data.result, HttpFailure::kNone);
    }
  }

  void sweep_idle() {
    const auto now = Clock::now();
    std::vector<uint64_t> expired;
    bool any = false;
    for (auto& [id, call] : calls_) {
      Transfer& t = call->transfer;
      if (t.idle_timeout_s <= 0 && t.first_byte_timeout_s <= 0) continue;
      any = true;
      const std::chrono::duration<double> waited = now - t.started;
      const std::chrono::duration<double> silent = now - t.last_activity;
      // Before the first byte only first_byte_timeout_s applies, when it is set.
      const bool awaiting_first = !t.any_byte && t.first_byte_timeout_s > 0;
      if (awaiting_first && waited.count() >= t.first_byte_timeout_s) {
        t.first_byte_expired = true;
        expired.push_back(id);
      } else if (!awaiting_first && t.idle_timeout_s > 0 && silent.count() >= t.idle_timeout_s) {
        t.idle_expired = true;
        expired.push_back(id);
      }
    }
    has_idle_limits_ = any;
    for (uint64_t id : expired) finish(id, CURLE_OK, HttpFailure::kNone);
  }

  // Removes call `id` and hands its outcome to its done handler. `forced` is kCancelled for a
  // cancel; otherwise the outcome comes from `rc` and the transfer's state.
  void finish(uint64_t id, CURLcode rc, HttpFailure forced) {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    std::unique_ptr<Call> call = std::move(it->second);
    calls_.erase(it);
    --in_flight_;
    CURL* h = call->easy.get();
    curl_multi_remove_handle(multi_, h);

    HttpResponse out;
    Transfer& t = call->transfer;
    out.head = std::move(t.head);
    if (out.head.status == 0) {
      long code = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
      out.head.status = static_cast<int>(code);
    }
    out.error_body = std::move(t.error_body);
    out.body_started = t.body_started;
    const HttpRequest& request = call->request;
    if (forced == HttpFailure::kCancelled) {
      out.failure = HttpFailure::kCancelled;
      out.failure_message = "the request to " + url_host_port(request.url) + " was cancelled";
    } else if (t.sink_error) {
      out.failure = HttpFailure::kOther;
      out.sink_error = t.sink_error;
      out.failure_message = "reading the reply from " + url_host_port(request.url) + " failed";
    } else if (t.stopped) {
      out.stopped_by_sink = true;
    } else if (t.first_byte_expired) {
      out.failure = HttpFailure::kFirstByteTimeout;
      out.failure_message = url_host_port(request.url) + " did not begin to answer within " +
                            format_seconds(request.first_byte_timeout_s);
    } else if (t.idle_expired) {
      out.failure = HttpFailure::kIdleTimeout;
      out.failure_message = url_host_port(request.url) + " sent nothing for " +
                            format_seconds(request.idle_timeout_s) +
                            (t.body_started ? " in the middle of its reply" : " after the request");
    } else if (rc != CURLE_OK) {
      describe_failure(rc, h, request, t, call->errbuf, out);
    }
    if (call->done) call->done(std::move(out));
  }

  std::once_flag started_;
  std::string start_error_;
  std::thread thread_;
  CURLM* multi_ = nullptr;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<uint64_t> last_id_{0};
  std::atomic<size_t> in_flight_{0};

  struct TimerStart {
    Clock::time_point due;
    uint64_t id = 0;
    std::function<void()> fn;
  };

  std::mutex mu_;  // guards the four members below
  bool stopping_ = false;
  std::deque<std::unique_ptr<Call>> starts_;
  std::vector<uint64_t> cancels_;
  std::vector<TimerStart> timer_starts_;

  // Touched on the transfer thread only.
  std::unordered_map<uint64_t, std::unique_ptr<Call>> calls_;
  std::unordered_map<curl_socket_t, bool> watched_;
  std::optional<Clock::time_point> timer_due_;  // curl's own timer
  bool has_idle_limits_ = false;
  std::multimap<Clock::time_point, uint64_t> timers_;  // HttpClient::after(), by due time
  std::unordered_map<uint64_t, std::function<void()>> timer_fns_;
};

HttpClient::HttpClient() : loop_(std::make_shared<Loop>()) {}
HttpClient::~HttpClient() = default;

size_t HttpClient::in_flight() const { return loop_->in_flight(); }

std::shared_ptr<HttpCall> HttpClient::start(HttpRequest request, BodySink on_body,
                                            HttpDone on_done) const {
  auto call = std::make_unique<Loop::Call>();
  call->id = loop_->next_id();
  call->request = std::move(request);
  call->sink = std::move(on_body);
  call->done = std::move(on_done);
  auto handle = std::make_shared<Loop::Handle>(loop_, call->id);
  std::string why;
  if (auto refused = loop_->post_start(std::move(call), why)) {
    HttpResponse out;
    out.failure = HttpFailure::kOther;
    out.failure_message = why + " (request to " + url_host_port(refused->request.url) + ")";
    if (refused->done) refused->done(std::move(out));
  }
  return handle;
}

std::shared_ptr<HttpCall> HttpClient::after(double seconds, std::function<void()> fn) const {
  const uint64_t id = loop_->next_id();
  const auto delay = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::max(0.0, seconds)));
  auto handle = std::make_shared<Loop::Handle>(loop_, id);
  loop_->post_timer(id, Clock::now() + delay, std::move(fn));
  return handle;
}

HttpResponse HttpClient::post(const HttpRequest& request, const BodySink& on_body) const {
  std::promise<HttpResponse> promise;
  auto future = promise.get_future();
  BodySink sink;
  if (on_body)
    sink = [&on_body](const HttpHead& head, std::string_view piece) {
      return on_body(head, piece);
    };
  start(request, std::move(sink), [&promise](HttpResponse r) { promise.set_value(std::move(r)); });
  HttpResponse out = future.get();
  if (out.sink_error) std::rethrow_exception(out.sink_error);
  return out;
}

}  // namespace askdb::llm
