// Bridges between the pipeline's coroutines (Boost.Asio awaitables) and the blocking or
// callback-based work they wait on: an LLM request in flight (llm::Provider::start) and a
// database call run on a small pool of threads (libpq is blocking).
//
// A coroutine that awaits these resumes on its own executor, which must run its handlers in
// the order they were posted (a strand, or an io_context run by one thread). CancelToken may
// be used from any thread.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <mutex>
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

// Sends `request` through `provider` and resumes with the reply. Each piece of text is handed
// to `on_text` (may be empty) on the coroutine's executor, in order, before the reply.
asio::awaitable<Result<llm::Reply>> llm_reply(llm::Provider& provider, const llm::Request& request,
                                              std::function<void(std::string_view)> on_text,
                                              CancelToken* cancel);

// Runs `work` on `pool` and resumes with its result on the coroutine's executor; runs it
// inline when `pool` is null (a command-line process may block). `work` must not throw.
template <class Work>
asio::awaitable<std::invoke_result_t<Work&>> offload(asio::thread_pool* pool, Work work) {
  using R = std::invoke_result_t<Work&>;
  if (pool == nullptr) co_return work();
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(R)>(
      [pool, ex, &work](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto tracked = asio::prefer(ex, asio::execution::outstanding_work.tracked);
        asio::post(*pool, [shared, tracked, work = std::move(work)]() mutable {
          R result = work();
          asio::post(tracked, [shared, result = std::move(result)]() mutable {
            (*shared)(std::move(result));
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace askdb::chat
