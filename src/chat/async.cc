#include "chat/async.h"

#include <boost/asio/execution.hpp>
#include <string>

namespace askdb::chat {

void CancelToken::cancel() {
  std::shared_ptr<llm::Call> call;
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    call = call_;
  }
  if (call) call->cancel();
}

bool CancelToken::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

void CancelToken::hold(std::shared_ptr<llm::Call> call) {
  bool cancel_now = false;
  {
    std::lock_guard lock(mu_);
    call_ = call;
    cancel_now = cancelled_;
  }
  if (cancel_now && call) call->cancel();
}

asio::awaitable<Result<llm::Reply>> llm_reply(llm::Provider& provider, const llm::Request& request,
                                              std::function<void(std::string_view)> on_text,
                                              CancelToken* cancel) {
  auto ex = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(Result<llm::Reply>)>(
      [&provider, &request, &on_text, cancel, ex](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        // Keeps the executor's context running until the reply has been handed over.
        auto tracked = asio::prefer(ex, asio::execution::outstanding_work.tracked);
        llm::TextSink sink;
        if (on_text) {
          sink = [tracked, on_text](std::string_view delta) {
            asio::post(tracked, [on_text, text = std::string(delta)] { on_text(text); });
          };
        }
        auto call =
            provider.start(request, std::move(sink), [shared, tracked](Result<llm::Reply> reply) {
              asio::post(tracked, [shared, reply = std::move(reply)]() mutable {
                (*shared)(std::move(reply));
              });
            });
        if (cancel != nullptr) cancel->hold(std::move(call));
      },
      asio::use_awaitable);
}

}  // namespace askdb::chat
