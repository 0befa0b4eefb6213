#include "chat/async.h"

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

asio::awaitable<Result<llm::Reply>> llm_reply(llm::Provider& provider, llm::Request request,
                                              std::function<void(std::string_view)> on_text,
                                              CancelToken* cancel) {
  auto ex = co_await asio::this_coro::executor;
  Completion<Result<llm::Reply>> done(ex);
  llm::TextSink sink;
  if (on_text) {
    // Posted in order to the waiter's executor; the reply is posted after the last piece.
    sink = [ex, on_text](std::string_view delta) {
      asio::post(ex, [on_text, text = std::string(delta)] { on_text(text); });
    };
  }
  auto call = provider.start(request, std::move(sink), [&done](Result<llm::Reply> reply) {
    done.complete(std::move(reply));
  });
  request = llm::Request{};  // the provider has its encoded copy: hold the prompt once
  if (cancel != nullptr) cancel->hold(call);
  co_return co_await done.wait();
}

}  // namespace askdb::chat
