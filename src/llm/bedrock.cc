#include "llm/bedrock.h"

#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/text.h"
#include "llm/bedrock_error.h"
#include "llm/bedrock_signer.h"
#include "llm/bedrock_stream.h"
#include "llm/sigv4.h"

namespace askdb::llm {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr const char* kSonnet45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

class BedrockProtocol final : public Protocol {
 public:
  explicit BedrockProtocol(BedrockOptions options)
      : options_(std::move(options)), signer_(options_) {
    if (options_.model.empty()) options_.model = default_bedrock_model(options_.region);
    describe_ = "bedrock (" + options_.model;
    if (!options_.region.empty()) describe_ += " in " + options_.region;
    if (!signer_.default_endpoint()) describe_ += " at " + display_url(signer_.endpoint());
    describe_ += ")";
  }

  std::string describe() const override { return describe_; }
  std::string model() const override { return options_.model; }

  Result<std::string> encode(const Request& request) const override {
    // Converse wants user and assistant turns to alternate: consecutive messages of one role
    // become one message of several text blocks. Blank text blocks are refused by Bedrock, so
    // they are left out.
    ordered_json messages = ordered_json::array();
    for (const Message& m : request.messages) {
      if (is_blank(m.content)) continue;
      const char* role = m.role == Role::kAssistant ? "assistant" : "user";
      ordered_json block = {{"text", m.content}};
      if (!messages.empty() && messages.back()["role"] == role) {
        messages.back()["content"].push_back(std::move(block));
      } else {
        messages.push_back({{"role", role}, {"content", ordered_json::array({std::move(block)})}});
      }
    }
    if (messages.empty()) {
      return Error{ErrorCode::kInternal,
                   "an LLM request needs at least one message with text (" + describe_ + ")"};
    }
    ordered_json body = {{"messages", std::move(messages)}};
    if (!is_blank(request.system)) {
      body["system"] = ordered_json::array({{{"text", request.system}}});
    }
    ordered_json inference = {{"maxTokens", request.max_tokens},
                              {"temperature", request.temperature}};
    ordered_json stop = ordered_json::array();
    for (const std::string& s : request.stop) {
      if (!s.empty()) stop.push_back(s);
    }
    if (!stop.empty()) inference["stopSequences"] = std::move(stop);
    body["inferenceConfig"] = std::move(inference);
    // Invalid UTF-8 in a prompt (say, from a database value) is replaced, not fatal.
    return body.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  }

  Result<HttpRequest> address(const std::string& body) const override {
    // The model id is one path segment: ':' and '/' (in ARNs and profile ids) are escaped.
    const std::string operation = "/model/" + aws_uri_encode(options_.model, false) +
                                  (options_.stream ? "/converse-stream" : "/converse");
    return signer_.sign(describe_, operation,
                        options_.stream ? "application/vnd.amazon.eventstream" : "application/json",
                        body);
  }

  std::unique_ptr<ReplyDecoder> decoder() const override {
    return std::make_unique<ConverseReplyDecoder>(site(), options_.stream);
  }

  Failure http_failure(const HttpHead& head, std::string_view body) const override {
    return bedrock_http_failure(site(), head, body);
  }

  Failure transport_failure(const HttpResponse& response) const override {
    return bedrock_transport_failure(site(), response);
  }

 private:
  BedrockSite site() const {
    return BedrockSite{describe_, options_.model, options_.region, signer_.endpoint(),
                       signer_.credential_source()};
  }

  BedrockOptions options_;
  BedrockSigner signer_;
  std::string describe_;
};

}  // namespace

std::unique_ptr<Protocol> make_bedrock_protocol(BedrockOptions options) {
  return std::make_unique<BedrockProtocol>(std::move(options));
}

std::string bedrock_endpoint(const std::string& region, const EnvLookup& env) {
  const auto get = [&env](const std::string& name) {
    if (!env) return std::string();
    const std::optional<std::string> value = env(name);
    return value ? std::string(trim(*value)) : std::string();
  };
  if (to_lower(get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) != "true") {
    for (const char* name : {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL"}) {
      std::string url = get(name);
      while (!url.empty() && url.back() == '/') url.pop_back();
      if (!url.empty()) return url;
    }
  }
  return bedrock_region_endpoint(region);
}

std::string default_bedrock_model(const std::string& region) {
  std::string prefix = "global.";
  if (region.starts_with("us-") || region.starts_with("ca-")) {
    prefix = "us.";
  } else if (region.starts_with("eu-")) {
    prefix = "eu.";
  }
  // Asia-Pacific and elsewhere: the global profile, which every commercial region offers for
  // this model (the APAC geography has its own per-country profiles for newer models).
  return prefix + kSonnet45;
}

}  // namespace askdb::llm
