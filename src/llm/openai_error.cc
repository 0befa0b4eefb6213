#include "llm/openai_error.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "core/text.h"

namespace askdb::llm {
namespace {

using nlohmann::json;

constexpr size_t kMaxMessage = 400;

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return "";
}

void read_error_object(const json& obj, ServerError& out) {
  if (const auto m = obj.find("message"); m != obj.end()) out.message = scalar_text(*m);
  if (const auto t = obj.find("type"); t != obj.end()) out.type = scalar_text(*t);
  if (const auto c = obj.find("code"); c != obj.end()) out.code = scalar_text(*c);
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
    case 408:
      return "Request Timeout";
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
    default:
      return "";
  }
}

bool mentions_missing_model(const ServerError& e) {
  return e.code == "model_not_found" ||
         (contains_icase(e.message, "model") &&
          (contains_icase(e.message, "not found") || contains_icase(e.message, "does not exist") ||
           contains_icase(e.message, "not exist")));
}

std::string advice_for(int status, const ServerError& e, const HttpHead& head) {
  if (status == 401) return "check ASKDB_LLM_API_KEY";
  if (status == 403) {
    return "the API key may not use this model or endpoint: check ASKDB_LLM_API_KEY and "
           "ASKDB_LLM_MODEL";
  }
  if (status == 404) {
    if (mentions_missing_model(e)) return "check ASKDB_LLM_MODEL (a model this server serves)";
    return "check ASKDB_LLM_BASE_URL: it should stop before /chat/completions, e.g. "
           "https://api.openai.com/v1 or http://127.0.0.1:11434/v1";
  }
  if (status == 400 || status == 413) {
    if (e.code == "context_length_exceeded" || contains_icase(e.message, "context length") ||
        contains_icase(e.message, "maximum context") || status == 413) {
      return "the prompt is too long for the model: lower ASKDB_PIPELINE_CONTEXT_TOKEN_BUDGET or "
             "ASKDB_LLM_MAX_TOKENS";
    }
    if (mentions_missing_model(e)) return "check ASKDB_LLM_MODEL";
    return "the server refused the request: check ASKDB_LLM_MODEL and that ASKDB_LLM_BASE_URL "
           "speaks the OpenAI chat-completions API";
  }
  if (status == 408) return "the server gave up waiting: try again";
  if (status == 429) {
    if (e.code == "insufficient_quota" || e.type == "insufficient_quota") {
      return "the account behind ASKDB_LLM_API_KEY has no quota left: check its plan and billing";
    }
    std::string advice = "rate limited: wait a moment and try again";
    const std::string retry_after = head.header("retry-after");
    if (!retry_after.empty()) advice += " (the server asks to wait " + retry_after + " s)";
    return advice;
  }
  if (status == 503) return "the LLM server is overloaded or starting: try again shortly";
  if (status >= 500) return "the LLM server failed: try again later";
  return "";
}

}  // namespace

ServerError parse_server_error(std::string_view body) {
  ServerError out;
  json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!root.is_discarded() && root.is_object()) {
    const auto err = root.find("error");
    if (err != root.end() && err->is_object()) {
      read_error_object(*err, out);  // OpenAI, llama.cpp, LM Studio
    } else if (err != root.end() && err->is_string()) {
      out.message = err->get<std::string>();  // Ollama
    } else {
      read_error_object(root, out);  // vLLM: {"object":"error","message",...}
      if (out.message.empty()) {
        if (const auto d = root.find("detail"); d != root.end()) out.message = scalar_text(*d);
      }
    }
  }
  if (out.message.empty()) out.message = collapse_whitespace(body);
  out.message = shorten(collapse_whitespace(out.message), kMaxMessage);
  return out;
}

Error openai_http_error(const std::string& who, const HttpHead& head, std::string_view body) {
  const ServerError e = parse_server_error(body);
  std::string message = who + " returned HTTP " + std::to_string(head.status);
  const std::string text = e.message.empty() ? reason_phrase(head.status) : e.message;
  if (!text.empty()) message += ": " + text;
  const std::string advice = advice_for(head.status, e, head);
  if (!advice.empty()) message += " — " + advice;
  const std::string request_id = head.header("x-request-id");
  if (!request_id.empty()) message += " (request id " + request_id + ")";
  return Error{ErrorCode::kLlm, message};
}

Failure openai_http_failure(const std::string& who, const HttpHead& head, std::string_view body) {
  Failure f{openai_http_error(who, head, body)};
  f.retryable = is_status_retryable(head.status);
  if (head.status == 429) {  // an exhausted quota does not come back by waiting
    const ServerError e = parse_server_error(body);
    f.retryable = e.code != "insufficient_quota" && e.type != "insufficient_quota";
  }
  f.retry_after_s = retry_after_seconds(head);
  return f;
}

Error openai_transport_error(const HttpResponse& response, const std::string& base_url) {
  std::string message = response.failure_message;
  switch (response.failure) {
    case HttpFailure::kBadUrl:
      message += ": check ASKDB_LLM_BASE_URL";
      break;
    case HttpFailure::kResolve:
    case HttpFailure::kConnect:
    case HttpFailure::kConnectTimeout:
      message += ": is the LLM server running? check ASKDB_LLM_BASE_URL (now " +
                 display_url(base_url) + ")";
      break;
    case HttpFailure::kTimeout:
    case HttpFailure::kFirstByteTimeout:
    case HttpFailure::kIdleTimeout:
      message +=
          ": the model may be overloaded or the reply too long; try again or raise "
          "ASKDB_LLM_TIMEOUT_S";
      break;
    case HttpFailure::kTls:
      message += ": check ASKDB_LLM_BASE_URL (http or https?) and the server's certificate";
      break;
    case HttpFailure::kNoReply:
    case HttpFailure::kBrokenReply:
      message += ": try again; if it persists, check that ASKDB_LLM_BASE_URL (now " +
                 display_url(base_url) + ") is an OpenAI-compatible server";
      break;
    case HttpFailure::kNone:
    case HttpFailure::kCancelled:
    case HttpFailure::kOther:
      break;
  }
  return Error{ErrorCode::kLlm, message};
}

}  // namespace askdb::llm
