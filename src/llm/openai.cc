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

// One attempt's reply: an event stream fed to the decoder as it arrives, or a JSON document
// (from a server that ignores "stream") buffered and decoded at the end.
class OpenAiReplyDecoder final : public ReplyDecoder {
 public:
  explicit OpenAiReplyDecoder(const std::string& who)
      : who_(who), decoder_(who, [this](std::string_view delta) {
          if (emit_ != nullptr && *emit_) (*emit_)(delta);
        }) {}

  std::optional<Failure> feed(const HttpHead& head, std::string_view piece,
                              const TextSink& emit) override {
    if (kind_ == BodyKind::kUnknown) {
      kind_ = head.content_type.find("text/event-stream") != std::string::npos
                  ? BodyKind::kEventStream
                  : BodyKind::kBuffered;
    }
    if (kind_ == BodyKind::kEventStream) {
      emit_ = &emit;
      Status st = decoder_.feed_sse(piece);
      emit_ = nullptr;
      if (!st) return Failure{st.error()};
      return std::nullopt;
    }
    if (buffered_.size() + piece.size() > kMaxBufferedBody) {
      return Failure{Error{ErrorCode::kLlm, who_ + " sent a reply larger than " +
                                                std::to_string(kMaxBufferedBody) + " bytes"}};
    }
    buffered_.append(piece);
    return std::nullopt;
  }

  bool complete() const override { return decoder_.done() || decoder_.finished(); }

  Result<Reply> finish() override {
    if (kind_ == BodyKind::kBuffered) {
      Status st = decoder_.decode_body(buffered_);
      if (!st) return st.error();
    }
    return decoder_.finish();
  }

 private:
  enum class BodyKind { kUnknown, kEventStream, kBuffered };
  std::string who_;
  const TextSink* emit_ = nullptr;  // the caller's sink during feed()
  ChatCompletionDecoder decoder_;
  BodyKind kind_ = BodyKind::kUnknown;
  std::string buffered_;
};

class OpenAiProtocol final : public Protocol {
 public:
  explicit OpenAiProtocol(OpenAiOptions options)
      : options_(std::move(options)), url_(chat_completions_url(options_.base_url)) {}

  std::string describe() const override {
    return "openai (" + options_.model + " at " + display_url(options_.base_url) + ")";
  }
  std::string model() const override { return options_.model; }

  Result<std::string> encode(const Request& request) const override {
    return request_body(options_.model, request);
  }

  Result<HttpRequest> address(const std::string& /*body*/) const override {
    HttpRequest http;
    http.url = url_;
    http.headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
    if (!options_.api_key.empty()) {
      http.headers.emplace_back("Authorization", "Bearer " + options_.api_key);
    }
    return http;
  }

  std::unique_ptr<ReplyDecoder> decoder() const override {
    return std::make_unique<OpenAiReplyDecoder>(describe());
  }

  Failure http_failure(const HttpHead& head, std::string_view body) const override {
    return openai_http_failure(describe(), head, body);
  }

  Failure transport_failure(const HttpResponse& response) const override {
    Failure f{openai_transport_error(response, options_.base_url)};
    f.error.message = describe() + (response.body_started ? ": the stream ended early: " : ": ") +
                      f.error.message;
    f.retryable = is_transport_retryable(response.failure);
    return f;
  }

 private:
  OpenAiOptions options_;
  std::string url_;
};

}  // namespace

std::unique_ptr<Protocol> make_openai_protocol(const OpenAiOptions& options) {
  return std::make_unique<OpenAiProtocol>(options);
}

std::unique_ptr<Provider> make_openai_provider(const OpenAiOptions& options,
                                               const CallPolicy& policy) {
  return make_protocol_provider(make_openai_protocol(options), policy);
}

}  // namespace askdb::llm
