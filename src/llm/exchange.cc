#include "llm/exchange.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <deque>
#include <mutex>
#include <random>
#include <utility>

namespace askdb::llm {
namespace {

using Clock = std::chrono::steady_clock;

// Places for requests to one provider: `max_active` at once, `max_queued` more waiting in
// order. Thread-safe; a freed place goes to the first waiter, whose start runs on the thread
// that freed it.
class Limiter {
 public:
  Limiter(int max_active, int max_queued)
      : max_active_(std::max(1, max_active)), max_queued_(std::max(0, max_queued)) {}

  enum class Admission { kNow, kQueued, kRefused };

  // kNow: the caller holds a place and starts at once; kQueued: `go` runs when a place frees.
  Admission admit(uint64_t ticket, std::function<void()> go) {
    std::lock_guard lock(mu_);
    if (closed_) return Admission::kRefused;
    if (active_ < max_active_) {
      ++active_;
      return Admission::kNow;
    }
    if (static_cast<int>(waiting_.size()) >= max_queued_) return Admission::kRefused;
    waiting_.push_back({ticket, std::move(go)});
    return Admission::kQueued;
  }

  // Takes `ticket` out of the queue; false when it is not there (it started, or never waited).
  bool withdraw(uint64_t ticket) {
    std::lock_guard lock(mu_);
    auto it = std::find_if(waiting_.begin(), waiting_.end(),
                           [ticket](const Waiter& w) { return w.ticket == ticket; });
    if (it == waiting_.end()) return false;
    waiting_.erase(it);
    return true;
  }

  // Refuses newcomers from now on and starts every waiter (their requests are then cancelled
  // by the stopping client, so each hears of the end).
  void close() {
    std::deque<Waiter> waiting;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      waiting.swap(waiting_);
      active_ += static_cast<int>(waiting.size());
    }
    for (auto& w : waiting) w.go();
  }

  // Frees a place: the first waiter takes it and starts here.
  void release() {
    std::function<void()> next;
    {
      std::lock_guard lock(mu_);
      if (waiting_.empty()) {
        --active_;
        return;
      }
      next = std::move(waiting_.front().go);
      waiting_.pop_front();
    }
    next();
  }

  // close() has run: the provider is going away.
  bool closed() {
    std::lock_guard lock(mu_);
    return closed_;
  }

  // Every place taken and the queue full: a new request would be refused.
  bool full() {
    std::lock_guard lock(mu_);
    return active_ >= max_active_ && static_cast<int>(waiting_.size()) >= max_queued_;
  }

  int max_active() const { return max_active_; }
  int max_queued() const { return max_queued_; }

 private:
  struct Waiter {
    uint64_t ticket;
    std::function<void()> go;
  };
  const int max_active_;
  const int max_queued_;
  std::mutex mu_;
  int active_ = 0;
  bool closed_ = false;
  std::deque<Waiter> waiting_;
};

double seconds_until(Clock::time_point when) {
  return std::chrono::duration<double>(when - Clock::now()).count();
}

// Full jitter: a uniform wait in [0, min(cap, base * 2^retry)].
double backoff_seconds(const CallPolicy& policy, int retry) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const double ceiling =
      std::min(policy.backoff_max_s, policy.backoff_base_s * std::ldexp(1.0, std::min(retry, 30)));
  return std::uniform_real_distribution<double>(0, std::max(0.0, ceiling))(rng);
}

// What a provider's calls share. Calls keep it alive (a caller may cancel a call after the
// provider is gone); the HttpClient is the provider's own, so that its thread is never joined
// from itself, and no callback runs once the provider's destructor has stopped it.
struct Shared {
  std::unique_ptr<Wire> wire;
  CallPolicy policy;
  HttpClient* client = nullptr;  // the provider's
  mutable Limiter limiter;
  std::atomic<uint64_t> last_ticket{0};

  Shared(std::unique_ptr<Wire> w, const CallPolicy& c)
      : wire(std::move(w)), policy(c), limiter(c.max_concurrent, c.max_queued) {}
};

// One call: its place in the queue, its attempts, and the handlers it reports to.
class CallState final : public Call, public std::enable_shared_from_this<CallState> {
 public:
  CallState(std::shared_ptr<Shared> shared, std::shared_ptr<const std::string> body,
            TextSink on_text, ReplyHandler on_done)
      : shared_(std::move(shared)),
        on_text_(std::move(on_text)),
        body_(std::move(body)),
        on_done_(std::move(on_done)),
        ticket_(++shared_->last_ticket),
        deadline_(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(shared_->policy.timeout_s))) {}

  void enter() {
    auto self = shared_from_this();
    switch (shared_->limiter.admit(ticket_, [self] { self->on_place(); })) {
      case Limiter::Admission::kNow:
        on_place();
        return;
      case Limiter::Admission::kQueued:
        return;
      case Limiter::Admission::kRefused:
        if (shared_->limiter.closed()) {  // the provider is being destroyed: not a busy one
          finish(cancelled_error(), /*holds_place=*/false);
          return;
        }
        finish(
            Error{ErrorCode::kBusy,
                  shared_->wire->describe() + " has " +
                      std::to_string(shared_->limiter.max_active()) + " requests in flight and " +
                      std::to_string(shared_->limiter.max_queued()) +
                      " more waiting, the most allowed; try again in a minute, or raise "
                      "llm.max_concurrent / llm.max_queued if the provider's quota allows."},
            /*holds_place=*/false);
        return;
    }
  }

  void cancel() override {
    std::shared_ptr<HttpCall> http;
    std::shared_ptr<HttpCall> timer;
    bool finish_now = false;
    bool holds_place = true;
    {
      std::lock_guard lock(mu_);
      if (finished_ || cancelled_) return;
      cancelled_ = true;
      http = http_;
      timer = timer_;
      if (!has_place_) {
        finish_now = shared_->limiter.withdraw(ticket_);
        holds_place = false;
      } else if (timer_) {
        finish_now = true;  // waiting to retry: nothing in flight will report
      }
    }
    if (timer) timer->cancel();
    if (http) http->cancel();  // its done handler reports the cancellation
    if (finish_now) finish(cancelled_error(), holds_place);
  }

 private:
  Error cancelled_error() const {
    return Error{ErrorCode::kLlm, shared_->wire->describe() + ": the request was cancelled"};
  }

  // A place is ours (now, or later from the queue).
  void on_place() {
    {
      std::lock_guard lock(mu_);
      has_place_ = true;
    }
    begin_attempt();
  }

  void begin_attempt() {
    std::shared_ptr<const std::string> body;
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      timer_.reset();
      if (cancelled_) {
        body = nullptr;
      } else {
        body = body_;
      }
    }
    if (!body || shared_->limiter.closed()) {  // cancelled, or the provider is going away
      finish(cancelled_error(), true);
      return;
    }
    const double left = seconds_until(deadline_);
    if (left <= 0.05) {
      finish(Error{ErrorCode::kLlm, shared_->wire->describe() + " did not answer within " +
                                        format_seconds(shared_->policy.timeout_s) +
                                        "; try again, or raise llm.timeout_s"},
             true);
      return;
    }
    Result<HttpRequest> addressed = shared_->wire->address(*body);
    if (!addressed) {
      finish(addressed.error(), true);
      return;
    }
    HttpRequest request = std::move(*addressed);
    const CallPolicy& policy = shared_->policy;
    request.shared_body = std::move(body);
    request.connect_timeout_s = std::min(policy.connect_timeout_s, left);
    request.first_byte_timeout_s = policy.first_byte_timeout_s;
    request.idle_timeout_s = policy.idle_timeout_s;
    // The first attempt gets the whole llm.timeout_s (messages then quote it as configured).
    request.timeout_s = attempt_ == 0 ? shared_->policy.timeout_s : left;
    request.ca_bundle = policy.ca_bundle;

    auto self = shared_from_this();
    {
      std::lock_guard lock(mu_);
      decoder_ = shared_->wire->decoder();
      stream_failure_.reset();
    }
    auto http = shared_->client->start(
        std::move(request),
        [self](const HttpHead& head, std::string_view piece) { return self->on_body(head, piece); },
        [self](HttpResponse response) { self->on_attempt_done(std::move(response)); });
    bool cancel_now = false;
    {
      std::lock_guard lock(mu_);
      if (!finished_) http_ = http;
      cancel_now = cancelled_ && !finished_;
    }
    if (cancel_now) http->cancel();  // cancel() came while the request was being started
  }

  bool on_body(const HttpHead& head, std::string_view piece) {
    const TextSink emit = [this](std::string_view delta) {
      if (delta.empty()) return;
      if (!delivered_) {
        delivered_ = true;
        std::lock_guard lock(mu_);
        body_.reset();  // no retry now: the prompt need not be kept
      }
      if (on_text_) on_text_(delta);
    };
    std::optional<Failure> failure = decoder_->feed(head, piece, emit);
    if (!failure) return true;
    stream_failure_ = std::move(failure);
    return false;
  }

  void on_attempt_done(HttpResponse response) {
    {
      std::lock_guard lock(mu_);
      http_.reset();
      if (finished_) return;
    }
    if (response.failure == HttpFailure::kCancelled || is_cancelled()) {
      finish(cancelled_error(), true);
      return;
    }
    const Wire& protocol = *shared_->wire;
    Failure failure;
    if (stream_failure_) {
      failure = std::move(*stream_failure_);
    } else if (response.head.status != 0 && !response.head.is_success()) {
      failure = protocol.http_failure(response.head, response.error_body);
    } else if (!response.transport_ok() && !decoder_->complete()) {
      failure = protocol.transport_failure(response);
    } else {
      Result<Reply> reply = decoder_->finish();
      if (reply) {
        if (reply->model.empty()) reply->model = protocol.model();
        // A reply that did not stream (one JSON document) reaches the caller's sink whole.
        if (!delivered_ && !reply->text.empty() && on_text_) {
          delivered_ = true;
          on_text_(reply->text);
        }
        finish(std::move(reply), true);
        return;
      }
      failure.error = reply.error();
    }
    if (!schedule_retry(failure)) finish(std::move(failure.error), true);
  }

  // Arranges another attempt when the failure allows one; false when the call ends here.
  bool schedule_retry(Failure& failure) {
    const CallPolicy& policy = shared_->policy;
    if (!failure.retryable || delivered_ || attempt_ >= policy.max_retries) return false;
    double wait = backoff_seconds(policy, attempt_);
    if (failure.retry_after_s >= 0) {
      if (failure.retry_after_s > policy.max_retry_after_s) {
        failure.error.message += " (it asked to wait " + format_seconds(failure.retry_after_s) +
                                 " before trying again)";
        return false;
      }
      wait = std::max(wait, failure.retry_after_s);
    }
    if (wait >= seconds_until(deadline_)) return false;
    ++attempt_;
    auto self = shared_from_this();
    std::lock_guard lock(mu_);
    if (cancelled_ || finished_) return false;
    timer_ = shared_->client->after(wait, [self] { self->begin_attempt(); });
    return true;
  }

  bool is_cancelled() {
    std::lock_guard lock(mu_);
    return cancelled_;
  }

  // Reports the outcome once and frees the place.
  void finish(Result<Reply> outcome, bool holds_place) {
    ReplyHandler on_done;
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      finished_ = true;
      on_done = std::move(on_done_);
      body_.reset();
      timer_.reset();
      http_.reset();
      holds_place = holds_place && has_place_;
    }
    if (!outcome.ok() && attempt_ > 0 && outcome.error().code == ErrorCode::kLlm) {
      Error error = outcome.error();
      error.message += " (after " + std::to_string(attempt_ + 1) + " attempts)";
      outcome = std::move(error);
    }
    if (on_done) on_done(std::move(outcome));
    if (holds_place) shared_->limiter.release();
  }

  const std::shared_ptr<Shared> shared_;
  const TextSink on_text_;

  std::mutex mu_;  // guards the members down to finished_
  std::shared_ptr<const std::string> body_;  // kept for retries until text reaches the caller
  ReplyHandler on_done_;
  std::shared_ptr<HttpCall> http_;   // the attempt in flight
  std::shared_ptr<HttpCall> timer_;  // the wait before the next attempt
  bool has_place_ = false;
  bool cancelled_ = false;
  bool finished_ = false;

  // Touched by one thread at a time: the caller until the first attempt starts, then the
  // transfer thread.
  const uint64_t ticket_;
  const Clock::time_point deadline_;
  std::atomic<int> attempt_{0};
  bool delivered_ = false;
  std::unique_ptr<ReplyDecoder> decoder_;
  std::optional<Failure> stream_failure_;
};

// A call that ended before it began.
class EndedCall final : public Call {
 public:
  void cancel() override {}
};

class ProtocolProvider final : public Provider {
 public:
  ProtocolProvider(std::unique_ptr<Protocol> protocol, const CallPolicy& policy)
      : protocol_(protocol.get()), exchange_(std::move(protocol), policy) {}

  std::string describe() const override { return protocol_->describe(); }
  std::string model() const override { return protocol_->model(); }
  bool at_capacity() const override { return exchange_.at_capacity(); }

  std::shared_ptr<Call> start(const Request& request, TextSink on_text,
                              ReplyHandler on_done) override {
    if (request.messages.empty()) {
      on_done(Error{ErrorCode::kInternal, "an LLM request needs at least one message"});
      return std::make_shared<EndedCall>();
    }
    Result<std::string> body = protocol_->encode(request);
    if (!body) {
      on_done(body.error());
      return std::make_shared<EndedCall>();
    }
    return exchange_.send(std::move(*body), std::move(on_text), std::move(on_done));
  }

 private:
  const Protocol* protocol_;  // owned by exchange_
  Exchange exchange_;
};

}  // namespace

class Exchange::Impl {
 public:
  Impl(std::unique_ptr<Wire> wire, const CallPolicy& policy)
      : shared(std::make_shared<Shared>(std::move(wire), policy)),
        client(std::make_unique<HttpClient>()) {
    shared->client = client.get();
  }

  ~Impl() {
    shared->limiter.close();
    client.reset();  // cancels what is in flight and runs pending retries (refused): all end
  }

  std::shared_ptr<Shared> shared;
  std::unique_ptr<HttpClient> client;
};

Exchange::Exchange(std::unique_ptr<Wire> wire, const CallPolicy& policy)
    : impl_(std::make_unique<Impl>(std::move(wire), policy)) {}

Exchange::~Exchange() = default;

const Wire& Exchange::wire() const { return *impl_->shared->wire; }

bool Exchange::at_capacity() const { return impl_->shared->limiter.full(); }

std::shared_ptr<Call> Exchange::send(std::string body, TextSink on_text, ReplyHandler on_done) {
  auto call = std::make_shared<CallState>(impl_->shared,
                                          std::make_shared<const std::string>(std::move(body)),
                                          std::move(on_text), std::move(on_done));
  call->enter();
  return call;
}

std::unique_ptr<Provider> make_protocol_provider(std::unique_ptr<Protocol> protocol,
                                                 const CallPolicy& policy) {
  return std::make_unique<ProtocolProvider>(std::move(protocol), policy);
}

double retry_after_seconds(const HttpHead& head) {
  const std::string ms = head.header("retry-after-ms");
  if (!ms.empty()) {
    char* end = nullptr;
    const double v = std::strtod(ms.c_str(), &end);
    if (end != ms.c_str() && *end == '\0' && v >= 0 && std::isfinite(v)) return v / 1000.0;
  }
  const std::string value = head.header("retry-after");
  if (value.empty()) return -1;
  char* end = nullptr;
  const double seconds = std::strtod(value.c_str(), &end);
  if (end != value.c_str() && *end == '\0') {
    return seconds >= 0 && std::isfinite(seconds) ? seconds : -1;
  }
  // An HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  const char* parsed = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (parsed == nullptr) return -1;
  const std::time_t when = timegm(&tm);
  return std::max(0.0, std::difftime(when, std::time(nullptr)));
}

bool is_status_retryable(int status) {
  if (status == 408 || status == 409 || status == 425 || status == 429) return true;
  return status >= 500 && status != 501 && status != 505;
}

bool is_transport_retryable(HttpFailure failure) {
  switch (failure) {
    case HttpFailure::kConnect:
    case HttpFailure::kConnectTimeout:
    case HttpFailure::kTimeout:
    case HttpFailure::kFirstByteTimeout:
    case HttpFailure::kIdleTimeout:
    case HttpFailure::kNoReply:
    case HttpFailure::kBrokenReply:
      return true;
    case HttpFailure::kNone:
    case HttpFailure::kBadUrl:
    case HttpFailure::kResolve:
    case HttpFailure::kTls:
    case HttpFailure::kCancelled:
    case HttpFailure::kOther:
      return false;
  }
  return false;
}

}  // namespace askdb::llm
