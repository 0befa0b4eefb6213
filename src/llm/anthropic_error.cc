// Anthropic's errors as Failures: see anthropic_error.h. Error types and statuses are those of
// https://docs.anthropic.com/en/api/errors.
#include "llm/anthropic_error.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "core/text.h"

namespace askdb::llm {
namespace {

using nlohmann::json;

constexpr size_t kMaxMessage = 400;

std::string string_at(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

// `text` with every occurrence of the API key masked: a key is never shown, even when a server
// quotes it back.
std::string scrub(std::string text, const std::string& api_key) {
  if (api_key.size() < 4) return text;
  for (size_t at = text.find(api_key); at != std::string::npos; at = text.find(api_key, at)) {
    text.replace(at, api_key.size(), "<api key>");
  }
  return text;
}

std::string reason_phrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 529:
      return "Overloaded";
    default:
      return "";
  }
}

bool says_prompt_too_long(const AnthropicError& e) {
  return contains_icase(e.message, "prompt is too long") ||
         contains_icase(e.message, "context window") ||
         (contains_icase(e.message, "too long") && contains_icase(e.message, "token"));
}

bool is_spend_limit(const AnthropicError& e) {
  return e.detail == "enforced_spend_limit_reached" || contains_icase(e.message, "spend limit");
}

constexpr const char* kContextAdvice =
    "the prompt is too long for the model: lower pipeline.context_token_budget or "
    "pipeline.history_token_budget (ASKDB_PIPELINE_CONTEXT_TOKEN_BUDGET, "
    "ASKDB_PIPELINE_HISTORY_TOKEN_BUDGET)";

// What to do, by error type, for the errors that read the same in a status and in a stream.
std::string advice_for_type(std::string_view type) {
  if (type == "overloaded_error") return "Anthropic is overloaded: try again shortly";
  if (type == "rate_limit_error") return "rate limited (throttled): wait a moment and try again";
  if (type == "api_error") return "Anthropic failed: try again later";
  if (type == "timeout_error") return "Anthropic timed out: try again";
  return "";
}

std::string advice_for(int status, const AnthropicError& e, const HttpHead& head) {
  switch (status) {
    case 400:
      if (says_prompt_too_long(e)) return kContextAdvice;
      if (contains_icase(e.message, "credit balance")) {
        return "the account behind ANTHROPIC_API_KEY has no credit left: check its plan and "
               "billing in the Anthropic console";
      }
      if (is_spend_limit(e)) {
        return "the organization's spend limit is reached: raise it in the Anthropic console";
      }
      if (contains_icase(e.message, "model")) return "check ASKDB_LLM_MODEL";
      return "Anthropic refused the request: check ASKDB_LLM_MODEL and that ANTHROPIC_BASE_URL "
             "speaks the Anthropic Messages API";
    case 401:
      return "check ANTHROPIC_API_KEY (or ASKDB_LLM_API_KEY)";
    case 402:
      return "check the plan and billing of the account behind ANTHROPIC_API_KEY";
    case 403:
      return "the API key may not use this model or endpoint: check ANTHROPIC_API_KEY and "
             "ASKDB_LLM_MODEL";
    case 404:
      if (contains_icase(e.message, "model")) {
        return "check ASKDB_LLM_MODEL (a model the API serves, e.g. claude-sonnet-4-5)";
      }
      return "check ANTHROPIC_BASE_URL: it should stop before /v1/messages, e.g. "
             "https://api.anthropic.com";
    case 408:
      return "the server gave up waiting: try again";
    case 409:
      return "a conflicting request was in progress: try again";
    case 413:
      return kContextAdvice;
    case 429: {
      if (is_spend_limit(e)) {
        return "the organization's monthly spend limit is reached: retrying will not help until "
               "it is raised in the Anthropic console";
      }
      std::string advice = advice_for_type("rate_limit_error");
      const std::string retry_after = head.header("retry-after");
      if (!retry_after.empty()) advice += " (the server asks to wait " + retry_after + " s)";
      return advice;
    }
    case 529:
      return advice_for_type("overloaded_error");
    case 504:
      return advice_for_type("timeout_error");
    default:
      break;
  }
  if (!e.type.empty() && !advice_for_type(e.type).empty()) return advice_for_type(e.type);
  if (status == 502 || status == 503) {
    return "Anthropic, or a proxy in front of it, is unavailable: try again shortly";
  }
  if (status >= 500) return "Anthropic failed: try again later";
  return "";
}

}  // namespace

AnthropicError parse_anthropic_error(std::string_view body) {
  AnthropicError out;
  const json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!root.is_discarded() && root.is_object()) {
    out.request_id = string_at(root, "request_id");
    const auto err = root.find("error");
    if (err != root.end() && err->is_object()) {
      out.type = string_at(*err, "type");
      out.message = string_at(*err, "message");
      const auto details = err->find("details");
      if (details != err->end()) out.detail = string_at(*details, "error_code");
    } else if (err != root.end() && err->is_string()) {
      out.message = err->get<std::string>();  // a proxy's {"error": "..."}
    } else {
      out.message = string_at(root, "message");
    }
  }
  if (out.message.empty()) out.message = std::string(body);
  out.message = shorten(collapse_whitespace(out.message), kMaxMessage);
  return out;
}

bool is_anthropic_error_type_retryable(std::string_view type) {
  return type == "overloaded_error" || type == "rate_limit_error" || type == "api_error" ||
         type == "timeout_error";
}

Failure anthropic_http_failure(const AnthropicSite& site, const HttpHead& head,
                               std::string_view body) {
  const AnthropicError e = parse_anthropic_error(body);
  const int status = head.status;
  std::string message = site.who + " returned HTTP " + std::to_string(status);
  const std::string text = e.message.empty() ? reason_phrase(status) : e.message;
  if (!text.empty()) message += ": " + text;
  if (!e.type.empty()) message += " (" + e.type + ")";
  const std::string advice = advice_for(status, e, head);
  if (!advice.empty()) message += " — " + advice;
  std::string request_id = head.header("request-id");
  if (request_id.empty()) request_id = e.request_id;
  if (!request_id.empty()) message += " (request id " + request_id + ")";

  Failure failure;
  failure.error = Error{ErrorCode::kLlm, scrub(std::move(message), site.api_key)};
  failure.retryable = is_status_retryable(status) && !(status == 429 && is_spend_limit(e));
  failure.retry_after_s = retry_after_seconds(head);
  return failure;
}

Failure anthropic_stream_failure(const AnthropicSite& site, std::string_view data) {
  const AnthropicError e = parse_anthropic_error(data);
  std::string message = site.who + " reported an error in its stream: " + e.message;
  if (!e.type.empty()) message += " (" + e.type + ")";
  std::string advice = advice_for_type(e.type);
  if (e.type == "invalid_request_error" && says_prompt_too_long(e)) advice = kContextAdvice;
  if (!advice.empty()) message += " — " + advice;
  if (!e.request_id.empty()) message += " (request id " + e.request_id + ")";

  Failure failure;
  failure.error = Error{ErrorCode::kLlm, scrub(std::move(message), site.api_key)};
  failure.retryable = is_anthropic_error_type_retryable(e.type);
  return failure;
}

Failure anthropic_transport_failure(const AnthropicSite& site, const HttpResponse& response) {
  std::string message = site.who + ": " + response.failure_message;
  const std::string where = "check ANTHROPIC_BASE_URL (now " + site.base_url + ")";
  switch (response.failure) {
    case HttpFailure::kBadUrl:
      message += ": " + where;
      break;
    case HttpFailure::kResolve:
    case HttpFailure::kConnect:
    case HttpFailure::kConnectTimeout:
      message += ": " + where + ", the network and HTTPS_PROXY";
      break;
    case HttpFailure::kTimeout:
      message +=
          ": the model may be overloaded or the reply too long; try again, or raise "
          "llm.timeout_s (ASKDB_LLM_TIMEOUT_S)";
      break;
    case HttpFailure::kFirstByteTimeout:
      message +=
          ": the model may be overloaded; try again, or raise llm.first_byte_timeout_s "
          "(ASKDB_LLM_FIRST_BYTE_TIMEOUT_S)";
      break;
    case HttpFailure::kIdleTimeout:
      message +=
          ": the stream stalled; try again, or raise llm.idle_timeout_s "
          "(ASKDB_LLM_IDLE_TIMEOUT_S)";
      break;
    case HttpFailure::kTls:
      message += ": " + where +
                 " (http or https?), HTTPS_PROXY and the server's certificate (llm.ca_bundle)";
      break;
    case HttpFailure::kNoReply:
    case HttpFailure::kBrokenReply:
      message += ": try again; if it persists, " + where + ", the network and HTTPS_PROXY";
      break;
    case HttpFailure::kCancelled:
    case HttpFailure::kNone:
    case HttpFailure::kOther:
      break;
  }
  if (response.body_started && response.failure != HttpFailure::kCancelled) {
    message = site.who + ": the stream ended early: " + message.substr(site.who.size() + 2);
  }

  Failure failure;
  failure.error = Error{ErrorCode::kLlm, scrub(std::move(message), site.api_key)};
  failure.retryable = is_transport_retryable(response.failure);
  return failure;
}

}  // namespace askdb::llm
