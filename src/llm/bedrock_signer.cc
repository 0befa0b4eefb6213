#include "llm/bedrock_signer.h"

#include <ctime>
#include <utility>

#include "core/text.h"
#include "llm/sigv4.h"

namespace askdb::llm {
namespace {

std::string strip_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
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

}  // namespace

std::string bedrock_region_endpoint(const std::string& region) {
  const std::string suffix = region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return "https://bedrock-runtime." + region + "." + suffix;
}

BedrockSigner::BedrockSigner(const BedrockOptions& options)
    : region_(options.region),
      endpoint_(strip_trailing_slashes(std::string(trim(options.endpoint)))),
      credentials_(options.credentials),
      amz_date_(options.amz_date) {
  if (endpoint_.empty() && !region_.empty()) endpoint_ = bedrock_region_endpoint(region_);

  // scheme://[user@]authority[/path], without a query or fragment.
  base_ = endpoint_;
  const size_t scheme_end = base_.find("://");
  if (scheme_end == std::string::npos) return;
  const std::string scheme = to_lower(base_.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return;
  const size_t authority_start = scheme_end + 3;
  size_t authority_end = base_.find_first_of("/?#", authority_start);
  if (authority_end == std::string::npos) authority_end = base_.size();
  std::string authority = base_.substr(authority_start, authority_end - authority_start);
  const size_t at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);
  const std::string default_port = scheme == "https" ? ":443" : ":80";
  if (authority.ends_with(default_port)) authority.resize(authority.size() - default_port.size());
  if (authority.empty()) return;
  host_ = authority;
  if (authority_end < base_.size() && base_[authority_end] == '/') {
    path_ = base_.substr(authority_end);
  } else if (authority_end < base_.size()) {
    return;  // a query or fragment in an endpoint is a mistake
  }
  valid_ = true;
}

bool BedrockSigner::default_endpoint() const {
  return region_.empty() || endpoint_ == bedrock_region_endpoint(region_);
}

Result<HttpRequest> BedrockSigner::sign(const std::string& who, const std::string& operation,
                                        const std::string& accept, const std::string& body) const {
  if (region_.empty()) {
    return Error{ErrorCode::kConfig,
                 who +
                     " has no AWS region: set AWS_REGION (or region in the profile in "
                     "~/.aws/config), e.g. AWS_REGION=us-east-1"};
  }
  if (!valid_) {
    return Error{ErrorCode::kConfig,
                 who + ": the endpoint \"" + endpoint_ +
                     "\" is not an http(s) URL: check AWS_ENDPOINT_URL_BEDROCK_RUNTIME and "
                     "AWS_ENDPOINT_URL"};
  }
  if (!credentials_) {
    return Error{ErrorCode::kConfig, who + " has no source of AWS credentials"};
  }
  Result<AwsIdentity> identity = credentials_();
  if (!identity.ok()) return identity.error();  // it lists where it looked; not retried
  {
    std::lock_guard lock(mu_);
    credential_source_ = identity->source;
  }

  SigV4Request to_sign;
  to_sign.method = "POST";
  to_sign.path = path_ + operation;  // as sent: the signer encodes it once more, as Bedrock expects
  to_sign.headers = {
      {"host", host_},
      {"content-type", "application/json"},
      {"accept", accept},
  };
  to_sign.body = body;
  SigV4Params params;
  params.region = region_;
  params.service = "bedrock";
  params.amz_date = amz_date_ ? amz_date_() : now_amz_date();
  Result<SigV4Signature> signature = sign_with_headers(to_sign, identity->credentials, params);
  if (!signature.ok()) {
    return Error{
        signature.error().code,
        who + " cannot sign its request: " + signature.error().message +
            (identity->source.empty() ? "" : " (credentials from " + identity->source + ")")};
  }

  HttpRequest http;
  http.method = "POST";
  http.url = base_ + operation;
  http.headers = std::move(to_sign.headers);
  for (auto& header : signature->additions) http.headers.push_back(std::move(header));
  return http;
}

std::string BedrockSigner::credential_source() const {
  std::lock_guard lock(mu_);
  return credential_source_;
}

}  // namespace askdb::llm
