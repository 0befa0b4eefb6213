// The Anthropic Messages protocol: see anthropic.h. Request format:
// https://docs.anthropic.com/en/api/messages
#include "llm/anthropic.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "llm/anthropic_error.h"
#include "llm/anthropic_stream.h"

namespace askdb::llm {
namespace {

using nlohmann::json;

std::string without_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

class AnthropicProtocol final : public Protocol {
 public:
  explicit AnthropicProtocol(const AnthropicOptions& options)
      : options_(options), base_url_(without_trailing_slashes(options.base_url)) {
    site_.who = "anthropic (" + options_.model + " at " + display_url(base_url_) + ")";
    site_.base_url = base_url_;
    site_.api_key = options_.api_key;
  }

  std::string describe() const override { return site_.who; }
  std::string model() const override { return options_.model; }

  Result<std::string> encode(const Request& request) const override {
    if (request.messages.empty()) {
      return Error{ErrorCode::kInternal, "an LLM request needs at least one message"};
    }
    json messages = json::array();
    for (const Message& m : request.messages) {
      messages.push_back(
          {{"role", m.role == Role::kAssistant ? "assistant" : "user"}, {"content", m.content}});
    }
    json body = {
        {"model", options_.model},
        {"max_tokens", std::max(1, request.max_tokens)},
    };
    if (!request.system.empty()) body["system"] = request.system;
    body["messages"] = std::move(messages);
    body["temperature"] = std::clamp(request.temperature, 0.0, 1.0);
    if (!request.stop.empty()) body["stop_sequences"] = request.stop;
    body["stream"] = true;
    // Invalid UTF-8 in a prompt (say, from a database value) is replaced, not fatal.
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  Result<HttpRequest> address(const std::string& /*body*/) const override {
    HttpRequest http;
    http.method = "POST";
    http.url = base_url_ + "/v1/messages";
    http.headers = {{"content-type", "application/json"}, {"accept", "text/event-stream"}};
    if (!options_.api_key.empty()) http.headers.emplace_back("x-api-key", options_.api_key);
    http.headers.emplace_back("anthropic-version", options_.version);
    return http;
  }

  std::unique_ptr<ReplyDecoder> decoder() const override {
    return std::make_unique<AnthropicReplyDecoder>(site_);
  }

  Failure http_failure(const HttpHead& head, std::string_view body) const override {
    return anthropic_http_failure(site_, head, body);
  }

  Failure transport_failure(const HttpResponse& response) const override {
    return anthropic_transport_failure(site_, response);
  }

 private:
  const AnthropicOptions options_;
  const std::string base_url_;
  AnthropicSite site_;
};

}  // namespace

std::unique_ptr<Protocol> make_anthropic_protocol(const AnthropicOptions& options) {
  return std::make_unique<AnthropicProtocol>(options);
}

}  // namespace askdb::llm
