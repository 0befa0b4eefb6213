#include "llm/bedrock_error.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/text.h"
#include "llm/bedrock.h"

namespace askdb::llm {
namespace {

using nlohmann::json;

constexpr size_t kMaxMessage = 400;

std::string string_field(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// "AccessDeniedException:http://internal.amazon.com/coral/..." → "AccessDeniedException";
// "com.amazon.coral.service#UnrecognizedClientException" → "UnrecognizedClientException".
std::string bare_type(std::string_view type) {
  const size_t hash = type.find('#');
  if (hash != std::string_view::npos) type.remove_prefix(hash + 1);
  const size_t colon = type.find(':');
  if (colon != std::string_view::npos) type = type.substr(0, colon);
  return collapse_whitespace(type);
}

// The stream's exception types are lower camel case ("throttlingException"); the HTTP ones
// upper ("ThrottlingException"). Messages use the form they were given; the table compares
// lower-cased names.
enum class Kind {
  kAccessDenied,
  kBadCredentials,
  kExpiredToken,
  kBadSignature,
  kMissingSignature,
  kValidation,
  kNotFound,
  kThrottled,
  kQuota,
  kModelNotReady,
  kModelTimeout,
  kModelError,
  kModelStreamError,
  kInternal,
  kUnavailable,
  kUnknown,
};

Kind kind_of(std::string_view type) {
  const std::string t = to_lower(type);
  if (t == "accessdeniedexception" || t == "accessdenied") return Kind::kAccessDenied;
  if (t == "unrecognizedclientexception" || t == "invalidclienttokenid") {
    return Kind::kBadCredentials;
  }
  if (t == "expiredtokenexception" || t == "expiredtoken") return Kind::kExpiredToken;
  if (t == "invalidsignatureexception" || t == "signaturedoesnotmatch" ||
      t == "incompletesignatureexception" || t == "incompletesignature") {
    return Kind::kBadSignature;
  }
  if (t == "missingauthenticationtokenexception" || t == "missingauthenticationtoken") {
    return Kind::kMissingSignature;
  }
  if (t == "validationexception") return Kind::kValidation;
  if (t == "resourcenotfoundexception") return Kind::kNotFound;
  if (t == "throttlingexception" || t == "toomanyrequestsexception") return Kind::kThrottled;
  if (t == "servicequotaexceededexception") return Kind::kQuota;
  if (t == "modelnotreadyexception") return Kind::kModelNotReady;
  if (t == "modeltimeoutexception") return Kind::kModelTimeout;
  if (t == "modelerrorexception") return Kind::kModelError;
  if (t == "modelstreamerrorexception") return Kind::kModelStreamError;
  if (t == "internalserverexception" || t == "internalfailure") return Kind::kInternal;
  if (t == "serviceunavailableexception" || t == "serviceunavailable") return Kind::kUnavailable;
  return Kind::kUnknown;
}

// A Kind for an error reply that names no known type, from its status.
Kind kind_for_status(int status) {
  switch (status) {
    case 401:
      return Kind::kBadCredentials;
    case 403:
      return Kind::kAccessDenied;
    case 404:
      return Kind::kNotFound;
    case 408:
      return Kind::kModelTimeout;
    case 424:
      return Kind::kModelError;
    case 429:
      return Kind::kThrottled;
    case 500:
      return Kind::kInternal;
    case 503:
      return Kind::kUnavailable;
    default:
      return Kind::kUnknown;
  }
}

bool is_profile_or_arn(std::string_view model) {
  if (model.starts_with("arn:")) return true;
  const size_t dot = model.find('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view prefix = model.substr(0, dot);
  return prefix == "us" || prefix == "eu" || prefix == "apac" || prefix == "global" ||
         prefix == "us-gov" || prefix == "jp" || prefix == "au" || prefix == "ca";
}

std::string credentials_from(const BedrockSite& site) {
  return site.credential_source.empty()
             ? ""
             : " (the credentials came from " + site.credential_source + ")";
}

std::string context_advice() {
  return "the prompt is too long for the model: lower pipeline.context_token_budget "
         "(ASKDB_PIPELINE_CONTEXT_TOKEN_BUDGET) or pipeline.history_token_budget "
         "(ASKDB_PIPELINE_HISTORY_TOKEN_BUDGET)";
}

bool mentions_too_long(std::string_view message) {
  return contains_icase(message, "too long") || contains_icase(message, "too many input tokens") ||
         contains_icase(message, "context limit") || contains_icase(message, "context window") ||
         contains_icase(message, "context length") || contains_icase(message, "input length");
}

std::string validation_advice(const BedrockSite& site, std::string_view message) {
  if (contains_icase(message, "model identifier is invalid")) {
    return "check ASKDB_LLM_MODEL (now " + site.model +
           "): it must be a Bedrock model id, an inference profile id or an ARN, e.g. " +
           default_bedrock_model(site.region);
  }
  if (contains_icase(message, "on-demand throughput") ||
      contains_icase(message, "inference profile")) {
    return site.model +
           " cannot be called on demand by its model id: set ASKDB_LLM_MODEL to an "
           "inference profile id instead, e.g. " +
           suggested_profile_model(site.model, site.region);
  }
  if (mentions_too_long(message)) {
    std::string advice = context_advice();
    if (contains_icase(message, "max_tokens") || contains_icase(message, "maxTokens")) {
      advice += ", or ASKDB_LLM_MAX_TOKENS";
    }
    return advice;
  }
  if (contains_icase(message, "max_tokens") || contains_icase(message, "maxTokens") ||
      contains_icase(message, "maximum tokens")) {
    return "lower ASKDB_LLM_MAX_TOKENS to what " + site.model + " allows";
  }
  return "Bedrock refused the request as invalid: check ASKDB_LLM_MODEL (now " + site.model +
         ") and ASKDB_LLM_MAX_TOKENS / ASKDB_LLM_TEMPERATURE";
}

struct Diagnosis {
  std::string advice;
  std::optional<bool> retryable;  // nullopt: decide by the HTTP status
};

Diagnosis diagnose(const BedrockSite& site, Kind kind, std::string_view message) {
  switch (kind) {
    case Kind::kAccessDenied:
      return {"enable access to " + site.model +
                  " in the Amazon Bedrock console (Model access) for " + site.region +
                  ", and allow bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream on "
                  "it for the IAM role or user of these credentials" +
                  credentials_from(site) +
                  "; an inference profile needs both on the profile and on the model in every "
                  "region it routes to",
              false};
    case Kind::kBadCredentials:
      return {"AWS does not recognise the access key id or the session token" +
                  credentials_from(site) +
                  ": check AWS_ACCESS_KEY_ID and AWS_SESSION_TOKEN (or the profile in "
                  "~/.aws/credentials), that the key is active, and that it belongs to the "
                  "partition of " +
                  site.region,
              false};
    case Kind::kExpiredToken:
      return {"the temporary credentials have expired" + credentials_from(site) +
                  ": refresh them (aws sso login, a new STS session, or a new AWS_SESSION_TOKEN)",
              false};
    case Kind::kBadSignature:
      if (contains_icase(message, "signature expired") ||
          contains_icase(message, "not yet current")) {
        return {"this machine's clock is more than 5 minutes off AWS's: set it right (NTP)", false};
      }
      return {"the secret access key does not belong to the access key id" +
                  credentials_from(site) +
                  ": check AWS_SECRET_ACCESS_KEY (or aws_secret_access_key in the profile)",
              false};
    case Kind::kMissingSignature:
      return {
          "the endpoint did not see a signed Bedrock request: check "
          "AWS_ENDPOINT_URL_BEDROCK_RUNTIME / AWS_ENDPOINT_URL (now " +
              site.endpoint + ")",
          false};
    case Kind::kValidation:
      return {validation_advice(site, message), false};
    case Kind::kNotFound:
      return {site.model + " is not available in " + site.region +
                  " (or the id is misspelt): check ASKDB_LLM_MODEL, or set AWS_REGION to a "
                  "region that offers it",
              false};
    case Kind::kThrottled: {
      std::string advice = "Bedrock is throttling requests to " + site.model + " in " +
                           site.region +
                           ": try again in a moment; for steady load, ask for a "
                           "higher quota in Service Quotas";
      if (!is_profile_or_arn(site.model)) {
        advice += " or use a cross-region inference profile (" +
                  suggested_profile_model(site.model, site.region) + ")";
      }
      return {advice, true};
    }
    case Kind::kQuota:
      return {"the account's Bedrock quota for " + site.model + " in " + site.region +
                  " is used up for now: try again later, or ask for more in Service Quotas",
              true};
    case Kind::kModelNotReady:
      return {site.model + " is not ready to serve yet: try again shortly", true};
    case Kind::kModelTimeout:
      return {"the model took too long: try again, or lower ASKDB_LLM_MAX_TOKENS", true};
    case Kind::kModelError:
      return {
          "the model failed on this request: try again; if it persists, try another model "
          "(ASKDB_LLM_MODEL)",
          false};
    case Kind::kModelStreamError:
      return {"the model's stream failed: try again", true};
    case Kind::kInternal:
      return {"Bedrock failed internally: try again", true};
    case Kind::kUnavailable:
      return {"Bedrock is unavailable in " + site.region + " right now: try again shortly", true};
    case Kind::kUnknown:
      break;
  }
  if (mentions_too_long(message)) return {context_advice(), std::nullopt};
  return {"", std::nullopt};
}

std::string status_advice(int status) {
  if (status == 413) return context_advice();
  if (status >= 500) return "Bedrock failed: try again later";
  return "";
}

std::string join(std::string message, const std::string& advice) {
  if (!advice.empty()) message += " — " + advice;
  return message;
}

std::string after_text(size_t text_bytes) {
  if (text_bytes == 0) return "";
  return " (after " + std::to_string(text_bytes) + " bytes of its reply)";
}

}  // namespace

std::string bedrock_error_type(const HttpHead& head, std::string_view body) {
  std::string type = bare_type(head.header("x-amzn-errortype"));
  if (!type.empty()) return type;
  const json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_object()) {
    type = bare_type(string_field(root, "__type"));
    if (type.empty()) type = bare_type(string_field(root, "code"));
  }
  return type;
}

std::string bedrock_error_message(std::string_view body) {
  std::string message;
  const json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_object()) {
    message = string_field(root, "message");
    if (message.empty()) message = string_field(root, "Message");
  }
  if (message.empty()) message = std::string(body);
  // Some AWS front ends append the canonical request they expected to a signature mismatch;
  // it holds the session token, so it is left out.
  for (const char* marker : {"The Canonical String", "The String-to-Sign"}) {
    const size_t at = to_lower(message).find(to_lower(marker));
    if (at != std::string::npos) message.resize(at);
  }
  return shorten(collapse_whitespace(message), kMaxMessage);
}

Failure bedrock_http_failure(const BedrockSite& site, const HttpHead& head, std::string_view body) {
  const std::string type = bedrock_error_type(head, body);
  const std::string text = bedrock_error_message(body);
  Kind kind = kind_of(type);
  if (kind == Kind::kUnknown) kind = kind_for_status(head.status);
  Diagnosis diagnosis = diagnose(site, kind, text);
  if (diagnosis.advice.empty()) diagnosis.advice = status_advice(head.status);

  std::string message = site.who + " returned HTTP " + std::to_string(head.status);
  if (!type.empty()) message += " " + type;
  if (!text.empty()) message += ": " + text;
  message = join(std::move(message), diagnosis.advice);
  const std::string request_id = head.header("x-amzn-requestid");
  if (!request_id.empty()) message += " (request id " + request_id + ")";

  Failure failure;
  failure.error = Error{ErrorCode::kLlm, std::move(message)};
  failure.retryable = diagnosis.retryable.value_or(is_status_retryable(head.status));
  failure.retry_after_s = retry_after_seconds(head);
  return failure;
}

Failure bedrock_exception_failure(const BedrockSite& site, std::string_view type,
                                  std::string_view payload, size_t text_bytes) {
  std::string text = bedrock_error_message(payload);
  int original_status = 0;
  const json root = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (root.is_object()) {
    const auto status = root.find("originalStatusCode");
    if (status != root.end() && status->is_number_integer()) {
      original_status = status->get<int>();
    }
    const std::string original = collapse_whitespace(string_field(root, "originalMessage"));
    if (!original.empty() || original_status != 0) {
      text += " (the model";
      if (original_status != 0) text += " returned " + std::to_string(original_status);
      if (!original.empty())
        text += (original_status != 0 ? ": " : " said: ") + shorten(original, kMaxMessage);
      text += ")";
    }
  }
  const Kind kind = kind_of(type);
  Diagnosis diagnosis = diagnose(site, kind, text);
  bool retryable = diagnosis.retryable.value_or(false);
  if (kind == Kind::kModelStreamError && original_status != 0) {
    retryable = is_status_retryable(original_status);
    if (!retryable) diagnosis.advice = "the model refused the request; try another question";
  }
  const std::string name = type.empty() ? std::string("an exception") : std::string(type);
  std::string message =
      site.who + " reported " + name + " in the middle of its reply" + after_text(text_bytes);
  if (!text.empty()) message += ": " + text;
  Failure failure;
  failure.error = Error{ErrorCode::kLlm, join(std::move(message), diagnosis.advice)};
  failure.retryable = retryable;
  return failure;
}

Failure bedrock_stream_error_failure(const BedrockSite& site, std::string_view code,
                                     std::string_view message_text, size_t text_bytes) {
  const std::string text = shorten(collapse_whitespace(message_text), kMaxMessage);
  const Kind kind = kind_of(code);
  const Diagnosis diagnosis = diagnose(site, kind, text);
  std::string message = site.who + " reported an error" +
                        (code.empty() ? std::string() : " " + std::string(code)) +
                        " in the middle of its reply" + after_text(text_bytes);
  if (!text.empty()) message += ": " + text;
  Failure failure;
  failure.error = Error{ErrorCode::kLlm, join(std::move(message), diagnosis.advice)};
  failure.retryable = diagnosis.retryable.value_or(false);
  return failure;
}

Failure bedrock_transport_failure(const BedrockSite& site, const HttpResponse& response) {
  std::string message = site.who + ": " + response.failure_message;
  std::string advice;
  switch (response.failure) {
    case HttpFailure::kBadUrl:
      advice = "check AWS_ENDPOINT_URL_BEDROCK_RUNTIME / AWS_ENDPOINT_URL (the endpoint is " +
               site.endpoint + ")";
      break;
    case HttpFailure::kResolve:
      advice = "check AWS_REGION (now " + site.region +
               ": is it a region that offers Bedrock?), "
               "AWS_ENDPOINT_URL_BEDROCK_RUNTIME (the endpoint is " +
               site.endpoint + ") and this machine's DNS";
      break;
    case HttpFailure::kConnect:
    case HttpFailure::kConnectTimeout:
      advice = "check the network path to " + site.endpoint +
               " (a firewall? behind a proxy, set HTTPS_PROXY), AWS_REGION and "
               "AWS_ENDPOINT_URL_BEDROCK_RUNTIME";
      break;
    case HttpFailure::kTimeout:
    case HttpFailure::kFirstByteTimeout:
    case HttpFailure::kIdleTimeout:
      advice = "Bedrock or the model was too slow: try again, or raise ASKDB_LLM_TIMEOUT_S";
      break;
    case HttpFailure::kTls:
      advice = "the TLS handshake with " + site.endpoint +
               " failed: a proxy that inspects TLS needs its CA trusted; check HTTPS_PROXY and "
               "AWS_ENDPOINT_URL_BEDROCK_RUNTIME (http or https?)";
      break;
    case HttpFailure::kNoReply:
    case HttpFailure::kBrokenReply:
      advice =
          "the connection broke: try again; if it persists, check HTTPS_PROXY and "
          "AWS_ENDPOINT_URL_BEDROCK_RUNTIME (the endpoint is " +
          site.endpoint + ")";
      break;
    case HttpFailure::kCancelled:
      message = site.who + ": the request was cancelled";
      break;
    case HttpFailure::kNone:
    case HttpFailure::kOther:
      break;
  }
  if (response.body_started && response.failure != HttpFailure::kCancelled) {
    message = site.who + ": the stream ended early: " + response.failure_message;
  }
  Failure failure;
  failure.error = Error{ErrorCode::kLlm, join(std::move(message), advice)};
  failure.retryable = is_transport_retryable(response.failure);
  return failure;
}

std::string suggested_profile_model(const std::string& model, const std::string& region) {
  const std::string fallback = default_bedrock_model(region);
  if (model.empty() || is_profile_or_arn(model)) return fallback;
  return fallback.substr(0, fallback.find('.') + 1) + model;
}

}  // namespace askdb::llm
