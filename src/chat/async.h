// Bridges between the pipeline's coroutines (Boost.Asio awaitables) and the blocking or
// callback-based work they wait on: an LLM request in flight (llm::Provider::start) and a
// database call run on a small pool of threads (libpq is blocking).
//
// A coroutine that awaits these resumes on its own executor, which must run its handlers in
// the order they were posted (a strand, or an io_context run by one thread). CancelToken may
// be used from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <type_traits>

#include "core/result.h"
#include "llm/provider.h"

namespace askdb::chat {

namespace asio = boost::asio;

// Stops the LLM request of one question in flight, now or as soon as one starts: a client
// that went away, a server shutting down.
class CancelToken {
 public:
  void cancel();
  bool cancelled() const;
  // The request to cancel from now on (cancelled at once if cancel() already ran).
  void hold(std::shared_ptr<llm::Call> call);

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::shared_ptr<llm::Call> call_;
};

// Sends `request` through `provider` and resumes with the reply; the request is released as
// soon as the provider has encoded it. Each piece of text is handed
// to `on_text` (may be empty) on the coroutine's executor, in order, before the reply.
asio::awaitable<Result<llm::Reply>> llm_reply(llm::Provider& provider, llm::Request request,
                                              std::function<void(std::string_view)> on_text,
                                              CancelToken* cancel);

// A value handed from another thread to a coroutine waiting for it on its own executor. The
// coroutine owns it (a local) and co_awaits wait(); complete() may run on any thread, once.
// Built on a timer that never fires by itself, so the wait is an ordinary asio operation that
// keeps its io_context running.
template <class R>
class Completion {
 public:
  explicit Completion(asio::any_io_executor ex)
      : timer_(ex, asio::steady_timer::time_point::max()) {}

  // Any thread. Hands `value` over on the waiter's executor, after anything posted there
  // before it.
  void complete(R value) {
    asio::post(timer_.get_executor(), [this, value = std::move(value)]() mutable {
      result_.emplace(std::move(value));
      timer_.cancel();
    });
  }

  asio::awaitable<R> wait() {
    while (!result_) {
      boost::system::error_code ec;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return std::move(*result_);
  }

 private:
  asio::steady_timer timer_;
  std::optional<R> result_;
};

// Runs `work` on `pool` and resumes with its result on the coroutine's executor; runs it
// inline when `pool` is null (a command-line process may block). `work` must not throw.
template <class R>
asio::awaitable<R> offload_function(asio::thread_pool* pool, std::function<R()> work) {
  if (pool == nullptr) co_return work();
  Completion<R> done(co_await asio::this_coro::executor);
  asio::post(*pool, [&done, &work] { done.complete(work()); });
  co_return co_await done.wait();
}

// The same for any callable. Not itself a coroutine: GCC 12 may destroy a lambda passed by
// value to a coroutine twice, so the lambda travels as a std::function.
template <class Work>
asio::awaitable<std::invoke_result_t<Work&>> offload(asio::thread_pool* pool, Work work) {
  using R = std::invoke_result_t<Work&>;
  return offload_function<R>(pool, std::function<R()>(std::move(work)));
}

}  // namespace askdb::chat
