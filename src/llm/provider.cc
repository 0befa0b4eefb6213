#include "llm/provider.h"

#include <future>

namespace askdb::llm {

Result<Reply> Provider::complete(const Request& request) { return stream(request, TextSink{}); }

Result<Reply> Provider::stream(const Request& request, const TextSink& on_text) {
  std::promise<Result<Reply>> promise;
  auto future = promise.get_future();
  TextSink sink;
  if (on_text) sink = [&on_text](std::string_view delta) { on_text(delta); };
  start(request, std::move(sink),
        [&promise](Result<Reply> reply) { promise.set_value(std::move(reply)); });
  return future.get();
}

}  // namespace askdb::llm
