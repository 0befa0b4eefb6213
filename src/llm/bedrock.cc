#include "llm/bedrock.h"

#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>

#include "llm/bedrock_error.h"
#include "llm/bedrock_stream.h"
#include "llm/sigv4.h"

namespace askdb::llm {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr const char* kSonnet45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  const size_t last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

std::string strip_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string default_endpoint(const std::string& region) {
  const std::string suffix = region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return "https://bedrock-runtime." + region + "." + suffix;
}

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The signing time now, "20150830T123600Z".
std::string now_amz_date() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

// An endpoint URL split the way a request needs it.
struct Endpoint {
  std::string base;  // scheme://authority[/path], without a trailing slash
  std::string host;  // the Host header: the authority without user info or a default port
  std::string path;  // the endpoint's own path prefix, "" usually
  bool valid = false;
};

Endpoint parse_endpoint(const std::string& url) {
  Endpoint out;
  out.base = strip_trailing_slashes(url);
  const size_t scheme_end = out.base.find("://");
  if (scheme_end == std::string::npos) return out;
  const std::string scheme = lower(out.base.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return out;
  const size_t authority_start = scheme_end + 3;
  size_t authority_end = out.base.find_first_of("/?#", authority_start);
  if (authority_end == std::string::npos) authority_end = out.base.size();
  std::string authority = out.base.substr(authority_start, authority_end - authority_start);
  const size_t at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);
  const std::string default_port = scheme == "https" ? ":443" : ":80";
  if (authority.ends_with(default_port)) authority.resize(authority.size() - default_port.size());
  if (authority.empty()) return out;
  out.host = authority;
  if (authority_end < out.base.size() && out.base[authority_end] == '/') {
    out.path = out.base.substr(authority_end);
  } else if (authority_end < out.base.size()) {
    return out;  // a query or fragment in an endpoint is a mistake
  }
  out.valid = true;
  return out;
}

class BedrockProtocol final : public Protocol {
 public:
  explicit BedrockProtocol(BedrockOptions options) : options_(std::move(options)) {
    if (options_.model.empty()) options_.model = default_bedrock_model(options_.region);
    options_.endpoint = strip_trailing_slashes(trim(options_.endpoint));
    if (options_.endpoint.empty() && !options_.region.empty()) {
      options_.endpoint = default_endpoint(options_.region);
    }
    endpoint_ = parse_endpoint(options_.endpoint);
    describe_ = "bedrock (" + options_.model;
    if (!options_.region.empty()) describe_ += " in " + options_.region;
    if (!options_.region.empty() && options_.endpoint != default_endpoint(options_.region)) {
      describe_ += " at " + options_.endpoint;
    }
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
    if (options_.region.empty()) {
      return Error{ErrorCode::kConfig,
                   describe_ +
                       " has no AWS region: set AWS_REGION (or region in the profile in "
                       "~/.aws/config), e.g. AWS_REGION=us-east-1"};
    }
    if (!endpoint_.valid) {
      return Error{ErrorCode::kConfig,
                   describe_ + ": the endpoint \"" + options_.endpoint +
                       "\" is not an http(s) URL: check AWS_ENDPOINT_URL_BEDROCK_RUNTIME and "
                       "AWS_ENDPOINT_URL"};
    }
    if (!options_.credentials) {
      return Error{ErrorCode::kConfig, describe_ + " has no source of AWS credentials"};
    }
    Result<AwsIdentity> identity = options_.credentials();
    if (!identity.ok()) return identity.error();  // it lists where it looked; not retried
    {
      std::lock_guard lock(mu_);
      credential_source_ = identity->source;
    }

    // The model id is one path segment: ':' and '/' (in ARNs and profile ids) are escaped.
    const std::string operation = "/model/" + aws_uri_encode(options_.model, false) +
                                  (options_.stream ? "/converse-stream" : "/converse");
    const std::string path = endpoint_.path + operation;
    SigV4Request to_sign;
    to_sign.method = "POST";
    to_sign.path = path;  // as sent: the signer encodes it once more, as Bedrock expects
    to_sign.headers = {
        {"host", endpoint_.host},
        {"content-type", "application/json"},
        {"accept", options_.stream ? "application/vnd.amazon.eventstream" : "application/json"},
    };
    to_sign.body = body;
    SigV4Params params;
    params.region = options_.region;
    params.service = "bedrock";
    params.amz_date = options_.amz_date ? options_.amz_date() : now_amz_date();
    Result<SigV4Signature> signature = sign_with_headers(to_sign, identity->credentials, params);
    if (!signature.ok()) {
      return Error{
          signature.error().code,
          describe_ + " cannot sign its request: " + signature.error().message +
              (identity->source.empty() ? "" : " (credentials from " + identity->source + ")")};
    }

    HttpRequest http;
    http.method = "POST";
    http.url = endpoint_.base + operation;
    http.headers = std::move(to_sign.headers);
    for (auto& header : signature->additions) http.headers.push_back(std::move(header));
    return http;
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
    BedrockSite site{describe_, options_.model, options_.region, options_.endpoint, ""};
    std::lock_guard lock(mu_);
    site.credential_source = credential_source_;
    return site;
  }

  BedrockOptions options_;
  Endpoint endpoint_;
  std::string describe_;
  mutable std::mutex mu_;                  // guards credential_source_
  mutable std::string credential_source_;  // of the credentials last signed with
};

}  // namespace

std::unique_ptr<Protocol> make_bedrock_protocol(BedrockOptions options) {
  return std::make_unique<BedrockProtocol>(std::move(options));
}

std::string bedrock_endpoint(const std::string& region, const EnvLookup& env) {
  const auto get = [&env](const std::string& name) {
    if (!env) return std::string();
    const std::optional<std::string> value = env(name);
    return value ? trim(*value) : std::string();
  };
  if (lower(get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) != "true") {
    for (const char* name : {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL"}) {
      std::string url = strip_trailing_slashes(get(name));
      if (!url.empty()) return url;
    }
  }
  return default_endpoint(region);
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
