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

// The outcome of one HTTP exchange, with what a retry policy needs to decide.
struct Attempt {
  Result<Reply> result;
  bool retryable = false;       // the same request may succeed if sent again
  bool delivered_text = false;  // text already reached the caller's sink: do not resend
};

class OpenAiProvider final : public Provider {
 public:
  explicit OpenAiProvider(OpenAiOptions options)
      : options_(std::move(options)), url_(chat_completions_url(options_.base_url)) {}

  std::string describe() const override {
    return "openai (" + options_.model + " at " + options_.base_url + ")";
  }

  Result<Reply> complete(const Request& request) override { return stream(request, TextSink{}); }

  Result<Reply> stream(const Request& request, const TextSink& on_text) override {
    if (request.messages.empty()) {
      return Error{ErrorCode::kInternal, "an LLM request needs at least one message"};
    }
    // One attempt for now; a retry policy wraps this loop (see Attempt).
    Attempt attempt = send(request_body(options_.model, request), on_text);
    return std::move(attempt.result);
  }

 private:
  Attempt send(const std::string& body, const TextSink& on_text) const {
    HttpRequest http;
    http.url = url_;
    http.body = body;
    http.connect_timeout_s = options_.connect_timeout_s;
    http.timeout_s = options_.timeout_s;
    http.idle_timeout_s = options_.idle_timeout_s;
    http.headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
    if (!options_.api_key.empty()) {
      http.headers.emplace_back("Authorization", "Bearer " + options_.api_key);
    }

    const std::string who = describe();
    ChatCompletionDecoder decoder(who, on_text);
    enum class BodyKind { kUnknown, kEventStream, kBuffered } kind = BodyKind::kUnknown;
    std::string buffered;
    Status decode_status = ok_status();

    const HttpResponse response =
        client_.post(http, [&](const HttpHead& head, std::string_view piece) {
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
        });

    Attempt out{Result<Reply>(Error{}), false, decoder.delivered_text()};
    if (!decode_status.ok()) {  // malformed chunk, error chunk, oversized reply
      out.result = decode_status.error();
      return out;
    }
    if (response.head.status != 0 && !response.head.is_success()) {
      // An HTTP error, even if its body was cut short: the status says the most.
      out.result = openai_http_error(who, response.head, response.error_body);
      out.retryable = is_retryable(response);
      return out;
    }
    if (!response.transport_ok()) {
      if (decoder.done() || decoder.finished()) {
        out.result = decoder.finish();  // the reply was whole; the connection broke after it
        return out;
      }
      Error error = openai_transport_error(response, options_.base_url);
      if (kind == BodyKind::kEventStream && response.body_started) {
        error.message = who + ": the stream ended early: " + error.message;
      }
      out.result = std::move(error);
      out.retryable = is_retryable(response) && !out.delivered_text;
      return out;
    }
    if (kind != BodyKind::kEventStream) {
      Status st = decoder.decode_body(buffered);
      if (!st.ok()) {
        out.result = st.error();
        return out;
      }
    }
    out.result = decoder.finish();
    out.delivered_text = decoder.delivered_text();
    return out;
  }

  OpenAiOptions options_;
  std::string url_;
  HttpClient client_;
};

}  // namespace

std::unique_ptr<Provider> make_openai_provider(const OpenAiOptions& options) {
  return std::make_unique<OpenAiProvider>(options);
}

}  // namespace askdb::llm
