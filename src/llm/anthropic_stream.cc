// The Anthropic reply decoder: see anthropic_stream.h.
#include "llm/anthropic_stream.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "core/text.h"

namespace askdb::llm {
namespace {

using nlohmann::json;

// A reply that is not an event stream is buffered whole; past this it is refused.
constexpr size_t kMaxBufferedBody = size_t{64} * 1024 * 1024;

// The first `n` bytes of `s` for a message, with an ellipsis when cut.
std::string excerpt(std::string_view s, size_t n = 120) {
  if (s.size() <= n) return std::string(s);
  return std::string(utf8_prefix(s, n)) + "...";
}

std::string string_at(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

const json* object_at(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? &*it : nullptr;
}

// Sets `field` from usage[key] when it is there (a later event's count replaces an earlier one:
// Anthropic's counts are cumulative).
void take_count(const json& usage, const char* key, int64_t& field) {
  const auto it = usage.find(key);
  if (it != usage.end() && it->is_number()) field = it->get<int64_t>();
}

bool is_tool_block(const std::string& type) {
  return type == "tool_use" || type == "server_tool_use" || type == "mcp_tool_use";
}

// The event types of the Messages stream; others are ignored (forward compatible).
bool is_known_event(const std::string& type) {
  return type == "message_start" || type == "content_block_start" ||
         type == "content_block_delta" || type == "content_block_stop" || type == "message_delta" ||
         type == "message_stop" || type == "ping" || type == "error";
}

}  // namespace

AnthropicReplyDecoder::AnthropicReplyDecoder(AnthropicSite site) : site_(std::move(site)) {}

std::optional<Failure> AnthropicReplyDecoder::fail(std::string message) {
  Failure failure;
  failure.error = Error{ErrorCode::kLlm, std::move(message)};
  return fail(std::move(failure));
}

std::optional<Failure> AnthropicReplyDecoder::fail(Failure failure) {
  failure_ = std::move(failure);
  return failure_;
}

void AnthropicReplyDecoder::add_text(const std::string& text, const TextSink& emit) {
  if (text.empty()) return;
  reply_.text += text;
  if (emit) emit(text);
}

std::optional<Failure> AnthropicReplyDecoder::feed(const HttpHead& head, std::string_view piece,
                                                   const TextSink& emit) {
  if (failure_) return failure_;
  if (stopped_) return std::nullopt;  // what follows the reply (nothing, or whitespace)

  std::string sniffed;
  if (kind_ == BodyKind::kUnknown) {
    const std::string type = to_lower(head.content_type);
    if (type.find("event-stream") != std::string::npos) {
      kind_ = BodyKind::kEventStream;
    } else if (type.find("json") != std::string::npos) {
      kind_ = BodyKind::kJson;
    } else {
      // No telling content type: a JSON document starts with '{', anything else is read as
      // events.
      buffered_.append(piece);
      const size_t first = buffered_.find_first_not_of(" \t\r\n");
      if (first == std::string::npos) return std::nullopt;
      kind_ = buffered_[first] == '{' ? BodyKind::kJson : BodyKind::kEventStream;
      sniffed = std::move(buffered_);
      buffered_.clear();
      piece = sniffed;
    }
  }

  if (kind_ == BodyKind::kEventStream) return feed_events(piece, emit);

  if (buffered_.size() + piece.size() > kMaxBufferedBody) {
    return fail(site_.who + " sent a reply larger than " + std::to_string(kMaxBufferedBody) +
                " bytes");
  }
  buffered_.append(piece);
  // A whole document ends with '}'; decode it then, so its text reaches the caller at once.
  const size_t last = buffered_.find_last_not_of(" \t\r\n");
  if (last != std::string::npos && buffered_[last] == '}' && json::accept(buffered_)) {
    return decode_message(buffered_, emit);
  }
  return std::nullopt;
}

std::optional<Failure> AnthropicReplyDecoder::feed_events(std::string_view bytes,
                                                          const TextSink& emit) {
  std::optional<Failure> failure;
  const Status parsed = parser_.feed(bytes, [&](const SseEvent& event) {
    failure = handle_event(event, emit);
    return !failure && !stopped_;
  });
  if (!parsed.ok()) {
    return fail(site_.who + " sent an unusable event stream: " + parsed.error().message);
  }
  return failure;
}

std::optional<Failure> AnthropicReplyDecoder::handle_event(const SseEvent& event,
                                                           const TextSink& emit) {
  const json data = json::parse(event.data, nullptr, /*allow_exceptions=*/false);
  const bool parsed = !data.is_discarded() && data.is_object();
  // The data's "type" names the event as its `event:` line does; either may be missing.
  std::string type = parsed ? string_at(data, "type") : "";
  if (type.empty()) type = event.type;

  if (!parsed) {
    if (flushing_) {
      return fail(site_.who + ": the stream ended early, cut in the middle of an event (after " +
                  std::to_string(reply_.text.size()) + " bytes of text)");
    }
    if (type == "error") return fail(anthropic_stream_failure(site_, event.data));
    if (!is_known_event(type) && type != "message") return std::nullopt;
    return fail(site_.who + " sent a malformed event in its stream: " + excerpt(event.data));
  }

  if (type == "content_block_delta") {
    const json* delta = object_at(data, "delta");
    if (delta != nullptr && string_at(*delta, "type") == "text_delta") {
      add_text(string_at(*delta, "text"), emit);
    }
    // thinking_delta, signature_delta, input_json_delta, citations_delta, ...: not the reply.
    return std::nullopt;
  }
  if (type == "content_block_start") {
    const json* block = object_at(data, "content_block");
    if (block == nullptr) return std::nullopt;
    const std::string block_type = string_at(*block, "type");
    if (block_type == "text") add_text(string_at(*block, "text"), emit);
    if (is_tool_block(block_type)) saw_tool_use_ = true;
    return std::nullopt;
  }
  if (type == "message_start") {
    started_ = true;
    const json* message = object_at(data, "message");
    if (message == nullptr) return std::nullopt;
    const std::string model = string_at(*message, "model");
    if (!model.empty()) reply_.model = model;
    if (const json* usage = object_at(*message, "usage")) {
      take_count(*usage, "input_tokens", input_tokens_);
      take_count(*usage, "cache_creation_input_tokens", cache_creation_tokens_);
      take_count(*usage, "cache_read_input_tokens", cache_read_tokens_);
      take_count(*usage, "output_tokens", output_tokens_);
    }
    return std::nullopt;
  }
  if (type == "message_delta") {
    if (const json* delta = object_at(data, "delta")) {
      const std::string stop_reason = string_at(*delta, "stop_reason");
      if (!stop_reason.empty()) reply_.stop_reason = stop_reason;
      if (const json* details = object_at(*delta, "stop_details")) {
        const std::string explanation = string_at(*details, "explanation");
        if (!explanation.empty()) refusal_detail_ = explanation;
      }
    }
    if (const json* usage = object_at(data, "usage")) {
      take_count(*usage, "input_tokens", input_tokens_);
      take_count(*usage, "cache_creation_input_tokens", cache_creation_tokens_);
      take_count(*usage, "cache_read_input_tokens", cache_read_tokens_);
      take_count(*usage, "output_tokens", output_tokens_);
    }
    return std::nullopt;
  }
  if (type == "message_stop") {
    stopped_ = true;
    return std::nullopt;
  }
  if (type == "error") return fail(anthropic_stream_failure(site_, event.data));
  return std::nullopt;  // ping, content_block_stop, and events added after this was written
}

std::optional<Failure> AnthropicReplyDecoder::decode_message(std::string_view body,
                                                             const TextSink& emit) {
  const json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return fail(site_.who +
                " sent a reply that is neither an event stream nor JSON: " + excerpt(body));
  }
  if (string_at(root, "type") == "error" || object_at(root, "error") != nullptr) {
    return fail(anthropic_stream_failure(site_, body));
  }
  const auto content = root.find("content");
  if (content == root.end() || !content->is_array()) {
    return fail(site_.who + " sent a reply that is not an Anthropic message: " + excerpt(body));
  }
  started_ = true;
  const std::string model = string_at(root, "model");
  if (!model.empty()) reply_.model = model;
  reply_.stop_reason = string_at(root, "stop_reason");
  if (const json* details = object_at(root, "stop_details")) {
    refusal_detail_ = string_at(*details, "explanation");
  }
  if (const json* usage = object_at(root, "usage")) {
    take_count(*usage, "input_tokens", input_tokens_);
    take_count(*usage, "cache_creation_input_tokens", cache_creation_tokens_);
    take_count(*usage, "cache_read_input_tokens", cache_read_tokens_);
    take_count(*usage, "output_tokens", output_tokens_);
  }
  std::string text;
  for (const json& block : *content) {
    const std::string block_type = string_at(block, "type");
    if (block_type == "text") text += string_at(block, "text");
    if (is_tool_block(block_type)) saw_tool_use_ = true;
  }
  add_text(text, emit);
  stopped_ = true;
  return std::nullopt;
}

Result<Reply> AnthropicReplyDecoder::finish() {
  if (failure_) return failure_->error;
  if (!stopped_ && kind_ != BodyKind::kEventStream &&
      buffered_.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Error{ErrorCode::kLlm, site_.who + " sent an empty reply body; try again"};
  }
  if (kind_ == BodyKind::kJson && !stopped_) {
    if (auto failure = decode_message(buffered_, TextSink{})) return failure->error;
  }
  if (kind_ == BodyKind::kEventStream && !stopped_) {
    // An event the body ended without its blank line is read as Anthropic's SDKs read it.
    // Nothing is emitted from here: text in it could only precede a missing message_stop.
    flushing_ = true;
    std::optional<Failure> failure = feed_events("\n\n", TextSink{});
    flushing_ = false;
    if (failure) return failure->error;
  }
  if (!stopped_) {
    std::string message = site_.who + ": the stream ended early, before the reply was complete (";
    message += started_ ? "no message_stop" : "no message_start";
    message += ", after " + std::to_string(reply_.text.size()) + " bytes of text)";
    return Error{ErrorCode::kLlm, message};
  }

  reply_.usage.prompt_tokens = input_tokens_ + cache_creation_tokens_ + cache_read_tokens_;
  reply_.usage.completion_tokens = output_tokens_;
  if (reply_.stop_reason == "refusal") {
    std::string message = site_.who + " declined to answer";
    if (!refusal_detail_.empty()) message += ": " + refusal_detail_;
    message += " (stop_reason \"refusal\"); rephrase the question";
    return Error{ErrorCode::kLlm, message};
  }
  if (reply_.text.empty()) {
    if (saw_tool_use_) {
      return Error{ErrorCode::kLlm, site_.who + " answered with a tool call instead of text"};
    }
    if (reply_.stop_reason == "max_tokens") {
      return Error{ErrorCode::kLlm, site_.who +
                                        " ran out of tokens before writing any text — raise "
                                        "llm.max_tokens (ASKDB_LLM_MAX_TOKENS)"};
    }
    return Error{
        ErrorCode::kLlm,
        site_.who + " returned an empty reply" +
            (reply_.stop_reason.empty() ? "" : " (stop_reason \"" + reply_.stop_reason + "\")")};
  }
  return reply_;
}

}  // namespace askdb::llm
