#include "llm/openai.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "llm/http_client.h"
#include "llm/openai_error.h"
#include "llm/openai_stream.h"

namespace askdb::llm {
namespace {

using nlohmann::json;

// A reply that is not an event stream is buffered whole; past this it is refused.
constexpr size_t kMaxBufferedBody = 64 * 1024 * 1024;

std::string chat_completions_url(std::string base_url) {
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  return base_url + "/chat/completions";
}

// The request body: https://platform.openai.com/docs/api-reference/chat/create
std::string request_body(const std::string& model, const Request& request) {
  json messages = json::array();
  if (!request.system.empty()) {
    messages.push_back({{"role", "system"}, {"content", request.system}});
  }
  for (const Message& m : request.messages) {
    messages.push_back(
        {{"role", m.role == Role::kAssistant ? "assistant" : "user"}, {"content", m.content}});
  }
  json body = {
      {"model", model},
      {"messages", std::move(messages)},
      {"max_tokens", request.max_tokens},
      {"temperature", request.temperature},
      {"stream", true},
      {"stream_options", {{"include_usage", true}}},
  };
  if (!request.stop.empty()) body["stop"] = request.stop;
  // Invalid UTF-8 in a prompt (say, from a database value) is replaced, not fatal.
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

// One request in flight: the decoder and the body read so far, kept on the heap across the
// transfer thread's callbacks.
struct Exchange {
  Exchange(std::string who, TextSink on_text) : decoder(std::move(who), std::move(on_text)) {}

  enum class BodyKind { kUnknown, kEventStream, kBuffered };
  ChatCompletionDecoder decoder;
  BodyKind kind = BodyKind::kUnknown;
  std::string buffered;
  Status decode_status = ok_status();
  ReplyHandler on_done;

  // Takes one piece of a 2xx body; false stops the transfer.
  bool feed(const HttpHead& head, std::string_view piece, const std::string& who) {
    if (kind == BodyKind::kUnknown) {
      kind = head.content_type.find("text/event-stream") != std::string::npos
                 ? BodyKind::kEventStream
                 : BodyKind::kBuffered;
    }
    if (kind == BodyKind::kEventStream) {
      decode_status = decoder.feed_sse(piece);
      return decode_status.ok();
    }
    if (buffered.size() + piece.size() > kMaxBufferedBody) {
      decode_status = Error{ErrorCode::kLlm, who + " sent a reply larger than " +
                                                 std::to_string(kMaxBufferedBody) + " bytes"};
      return false;
    }
    buffered.append(piece);
    return true;
  }

  // The outcome once the transfer is over. (A retry policy, when there is one, may resend
  // when `response` is retryable and no text reached the caller yet.)
  Result<Reply> outcome(const HttpResponse& response, const std::string& who,
                        const std::string& base_url) {
    if (!decode_status.ok()) return decode_status.error();  // malformed or error chunk, too big
    if (response.failure == HttpFailure::kCancelled) {
      return Error{ErrorCode::kLlm, who + ": the request was cancelled"};
    }
    if (response.head.status != 0 && !response.head.is_success()) {
      // An HTTP error, even if its body was cut short: the status says the most.
      return openai_http_error(who, response.head, response.error_body);
    }
    if (!response.transport_ok()) {
      if (decoder.done() || decoder.finished()) {
        return decoder.finish();  // the reply was whole; the connection broke after it
      }
      Error error = openai_transport_error(response, base_url);
      if (kind == BodyKind::kEventStream && response.body_started) {
        error.message = who + ": the stream ended early: " + error.message;
      }
      return error;
    }
    if (kind != BodyKind::kEventStream) {
      Status st = decoder.decode_body(buffered);
      if (!st.ok()) return st.error();
    }
    return decoder.finish();
  }
};

class HttpCallHandle final : public Call {
 public:
  explicit HttpCallHandle(std::shared_ptr<HttpCall> call) : call_(std::move(call)) {}
  void cancel() override {
    if (call_) call_->cancel();
  }

 private:
  std::shared_ptr<HttpCall> call_;
};

class OpenAiProvider final : public Provider {
 public:
  explicit OpenAiProvider(OpenAiOptions options)
      : options_(std::move(options)), url_(chat_completions_url(options_.base_url)) {}

  std::string describe() const override {
    return "openai (" + options_.model + " at " + options_.base_url + ")";
  }

  std::shared_ptr<Call> start(const Request& request, TextSink on_text,
                              ReplyHandler on_done) override {
    if (request.messages.empty()) {
      on_done(Error{ErrorCode::kInternal, "an LLM request needs at least one message"});
      return std::make_shared<HttpCallHandle>(nullptr);
    }
    HttpRequest http;
    http.url = url_;
    http.body = request_body(options_.model, request);
    http.connect_timeout_s = options_.connect_timeout_s;
    http.timeout_s = options_.timeout_s;
    http.idle_timeout_s = options_.idle_timeout_s;
    http.headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
    if (!options_.api_key.empty()) {
      http.headers.emplace_back("Authorization", "Bearer " + options_.api_key);
    }

    auto exchange = std::make_shared<Exchange>(describe(), std::move(on_text));
    exchange->on_done = std::move(on_done);
    auto call = client_.start(
        std::move(http),
        [exchange, who = describe()](const HttpHead& head, std::string_view piece) {
          return exchange->feed(head, piece, who);
        },
        [exchange, who = describe(), base_url = options_.base_url](HttpResponse response) {
          exchange->on_done(exchange->outcome(response, who, base_url));
        });
    return std::make_shared<HttpCallHandle>(std::move(call));
  }

 private:
  OpenAiOptions options_;
  std::string url_;
  HttpClient client_;
};

}  // namespace

std::unique_ptr<Provider> make_openai_provider(const OpenAiOptions& options) {
  return std::make_unique<OpenAiProvider>(options);
}

}  // namespace askdb::llm
