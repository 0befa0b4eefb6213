#include "llm/bedrock_stream.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace askdb::llm {
namespace {

using nlohmann::json;

// The first `n` bytes of `s` for a message, with an ellipsis when cut.
std::string excerpt(std::string_view s, size_t n = 120) {
  if (s.size() <= n) return std::string(s);
  return std::string(s.substr(0, n)) + "...";
}

std::string string_field(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

int64_t int_field(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return 0;
  return it->get<int64_t>();
}

void read_usage(const json& root, Usage& usage) {
  const auto it = root.find("usage");
  if (it == root.end() || !it->is_object()) return;
  usage.prompt_tokens = int_field(*it, "inputTokens");
  usage.completion_tokens = int_field(*it, "outputTokens");
}

bool is_json_type(std::string_view content_type) {
  return content_type.find("json") != std::string_view::npos;
}

bool ends_with_brace(std::string_view s) {
  const size_t last = s.find_last_not_of(" \t\r\n");
  return last != std::string_view::npos && s[last] == '}';
}

}  // namespace

ConverseReplyDecoder::ConverseReplyDecoder(BedrockSite site, bool expect_stream)
    : site_(std::move(site)), expect_stream_(expect_stream) {}

Failure ConverseReplyDecoder::fail(std::string message) {
  Failure failure;
  failure.error = Error{ErrorCode::kLlm, std::move(message)};
  failure_ = failure;
  return failure;
}

std::optional<Failure> ConverseReplyDecoder::feed(const HttpHead& head, std::string_view piece,
                                                  const TextSink& emit) {
  if (failure_) return failure_;
  if (kind_ == Kind::kUnknown) {
    if (head.content_type.find("application/vnd.amazon.eventstream") != std::string::npos) {
      kind_ = Kind::kEventStream;
    } else if (is_json_type(head.content_type)) {
      kind_ = Kind::kJson;
    } else {
      kind_ = expect_stream_ ? Kind::kEventStream : Kind::kJson;
    }
  }

  if (kind_ == Kind::kJson) {
    if (json_done_) return std::nullopt;
    if (json_body_.size() + piece.size() > kMaxJsonBody) {
      return fail(site_.who + " sent a reply larger than " + std::to_string(kMaxJsonBody) +
                  " bytes");
    }
    json_body_.append(piece);
    // Decode as soon as the document is whole, so the text reaches the caller then.
    if (ends_with_brace(json_body_) && json::accept(json_body_)) return decode_json(emit);
    return std::nullopt;
  }

  std::optional<Failure> handled;
  const Status decoded = events_.feed(piece, [&](const EventStreamMessage& message) {
    handled = handle_message(message, emit);
    return !handled.has_value();
  });
  if (handled) return handled;
  if (!decoded.ok()) {
    return fail(site_.who + " sent a corrupt event stream: " + decoded.error().message +
                " (after " + std::to_string(events_.message_count()) + " messages)");
  }
  return std::nullopt;
}

std::optional<Failure> ConverseReplyDecoder::handle_message(const EventStreamMessage& message,
                                                            const TextSink& emit) {
  const std::string_view type = message.string_header(":message-type");
  if (type == "exception") {
    failure_ = bedrock_exception_failure(site_, message.string_header(":exception-type"),
                                         message.payload, reply_.text.size());
    return failure_;
  }
  if (type == "error") {
    failure_ =
        bedrock_stream_error_failure(site_, message.string_header(":error-code"),
                                     message.string_header(":error-message"), reply_.text.size());
    return failure_;
  }
  if (type != "event") return std::nullopt;  // none other is defined; skip what may come
  return handle_event(message.string_header(":event-type"), message.payload, emit);
}

std::optional<Failure> ConverseReplyDecoder::handle_event(std::string_view type,
                                                          std::string_view payload,
                                                          const TextSink& emit) {
  const json event = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!event.is_object()) {
    return fail(site_.who + " sent a " + std::string(type) +
                " event whose payload is not a JSON object: " + excerpt(payload));
  }
  if (type == "contentBlockDelta") {
    const auto delta = event.find("delta");
    if (delta == event.end() || !delta->is_object()) return std::nullopt;
    const std::string text = string_field(*delta, "text");
    if (!text.empty()) {
      reply_.text += text;
      if (emit) emit(text);
    }
    if (delta->contains("toolUse")) saw_tool_use_ = true;
  } else if (type == "contentBlockStart") {
    const auto start = event.find("start");
    if (start != event.end() && start->is_object() && start->contains("toolUse")) {
      saw_tool_use_ = true;
    }
  } else if (type == "messageStop") {
    message_stop_ = true;
    reply_.stop_reason = string_field(event, "stopReason");
  } else if (type == "metadata") {
    metadata_ = true;
    read_usage(event, reply_.usage);
  }
  // messageStart, contentBlockStop and event types added later carry nothing askdb uses.
  return std::nullopt;
}

std::optional<Failure> ConverseReplyDecoder::decode_json(const TextSink& emit) {
  const json root = json::parse(json_body_, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) {
    return fail(site_.who + " sent a reply that is not a JSON object: " + excerpt(json_body_));
  }
  const auto output = root.find("output");
  if (output == root.end() || !output->is_object() || !output->contains("message")) {
    return fail(site_.who + " sent a reply without output.message, not a Converse reply: " +
                excerpt(json_body_));
  }
  const json& message = (*output)["message"];
  if (message.is_object()) {
    const auto content = message.find("content");
    if (content != message.end() && content->is_array()) {
      for (const json& block : *content) {
        if (!block.is_object()) continue;
        reply_.text += string_field(block, "text");
        if (block.contains("toolUse")) saw_tool_use_ = true;
      }
    }
  }
  reply_.stop_reason = string_field(root, "stopReason");
  read_usage(root, reply_.usage);
  json_done_ = true;
  if (!reply_.text.empty() && emit) emit(reply_.text);
  return std::nullopt;
}

bool ConverseReplyDecoder::complete() const {
  if (failure_) return false;
  if (kind_ == Kind::kJson) return json_done_;
  return message_stop_ && metadata_;
}

Result<Reply> ConverseReplyDecoder::finish() {
  if (failure_) return failure_->error;
  if (kind_ == Kind::kJson || (kind_ == Kind::kUnknown && !expect_stream_)) {
    if (!json_done_) {
      if (json_body_.empty()) return Error{ErrorCode::kLlm, site_.who + " sent an empty reply"};
      if (!json::accept(json_body_)) {
        return Error{ErrorCode::kLlm,
                     site_.who + " sent a reply that is not valid JSON: " + excerpt(json_body_)};
      }
      if (const auto failed = decode_json(TextSink{})) return failed->error;
    }
  } else {
    const Status ended = events_.finish();
    if (!message_stop_) {
      std::string message = site_.who + ": the stream ended early, before the reply was complete";
      message += ended.ok() ? " (no messageStop event" : " (cut inside an event-stream message";
      message += ", after " + std::to_string(reply_.text.size()) + " bytes of text)";
      return Error{ErrorCode::kLlm, message};
    }
  }

  const std::string& stop = reply_.stop_reason;
  if (stop == "guardrail_intervened") {
    return Error{ErrorCode::kLlm, site_.who +
                                      " stopped its reply: a Bedrock guardrail intervened; "
                                      "rephrase the question or review the guardrail"};
  }
  if (stop == "content_filtered") {
    return Error{ErrorCode::kLlm,
                 site_.who + " stopped its reply with its content filter; rephrase the question"};
  }
  if (reply_.text.empty()) {
    if (saw_tool_use_ || stop == "tool_use") {
      return Error{ErrorCode::kLlm, site_.who + " answered with a tool call instead of text"};
    }
    if (stop == "max_tokens") {
      return Error{ErrorCode::kLlm, site_.who +
                                        " ran out of tokens before writing any text — raise "
                                        "ASKDB_LLM_MAX_TOKENS"};
    }
    if (stop == "model_context_window_exceeded") {
      return Error{ErrorCode::kLlm,
                   site_.who +
                       " stopped: the prompt fills the model's context window — lower "
                       "pipeline.context_token_budget (ASKDB_PIPELINE_CONTEXT_TOKEN_BUDGET) or "
                       "pipeline.history_token_budget (ASKDB_PIPELINE_HISTORY_TOKEN_BUDGET)"};
    }
    return Error{ErrorCode::kLlm, site_.who + " returned an empty reply" +
                                      (stop.empty() ? "" : " (stopReason \"" + stop + "\")")};
  }
  return reply_;
}

}  // namespace askdb::llm
