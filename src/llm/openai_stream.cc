#include "llm/openai_stream.h"

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

// nlohmann's what() without its "[json.exception.parse_error.101] " prefix.
std::string parse_error_text(const std::exception& e) {
  std::string what = e.what();
  const size_t bracket = what.find("] ");
  if (what.starts_with("[json.exception.") && bracket != std::string::npos) {
    what.erase(0, bracket + 2);
  }
  return what;
}

int64_t int_field(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return 0;
  return it->get<int64_t>();
}

std::string string_field(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// The message of an OpenAI error object, or the JSON itself when it has none.
std::string error_object_text(const json& error) {
  if (error.is_string()) return error.get<std::string>();
  if (error.is_object()) {
    std::string message = string_field(error, "message");
    if (!message.empty()) return message;
  }
  return excerpt(error.dump(-1, ' ', false, json::error_handler_t::replace), 300);
}

// Choice 0 of a choices array (an entry without "index" counts as 0), or nullptr.
const json* choice_zero(const json& root) {
  const auto it = root.find("choices");
  if (it == root.end() || !it->is_array()) return nullptr;
  for (const json& choice : *it) {
    if (!choice.is_object()) continue;
    const auto index = choice.find("index");
    if (index == choice.end() || !index->is_number_integer() || index->get<int64_t>() == 0) {
      return &choice;
    }
  }
  return nullptr;
}

void read_usage(const json& root, Usage& usage) {
  const auto it = root.find("usage");
  if (it == root.end() || !it->is_object()) return;
  usage.prompt_tokens = int_field(*it, "prompt_tokens");
  usage.completion_tokens = int_field(*it, "completion_tokens");
}

}  // namespace

ChatCompletionDecoder::ChatCompletionDecoder(std::string who, TextSink on_text)
    : who_(std::move(who)), on_text_(std::move(on_text)) {}

Status ChatCompletionDecoder::fail(std::string message) {
  has_error_ = true;
  error_ = Error{ErrorCode::kLlm, std::move(message)};
  return error_;
}

Status ChatCompletionDecoder::feed_sse(std::string_view bytes) {
  if (has_error_) return error_;
  if (done_) return ok_status();
  Status handled = ok_status();
  Status parsed = parser_.feed(bytes, [&](const SseEvent& event) {
    handled = handle_event(event);
    return handled.ok() && !done_;
  });
  if (!parsed.ok()) return fail(who_ + " sent an unusable event stream: " + parsed.error().message);
  return handled;
}

Status ChatCompletionDecoder::handle_event(const SseEvent& event) {
  if (event.data == "[DONE]") {
    done_ = true;
    return ok_status();
  }
  json chunk;
  try {
    chunk = json::parse(event.data);
  } catch (const json::exception& e) {
    return fail(who_ + " sent a malformed chunk in its stream (" + parse_error_text(e) +
                "): " + excerpt(event.data));
  }
  ++chunks_;
  if (!chunk.is_object()) {
    return fail(who_ + " sent a chunk that is not a JSON object: " + excerpt(event.data));
  }
  if (event.type == "error" || chunk.contains("error")) {
    const json& err = chunk.contains("error") ? chunk["error"] : chunk;
    return fail(who_ + " reported an error in the middle of its reply: " + error_object_text(err));
  }

  const std::string model = string_field(chunk, "model");
  if (!model.empty()) reply_.model = model;
  read_usage(chunk, reply_.usage);

  const json* choice = choice_zero(chunk);
  if (choice == nullptr) return ok_status();  // e.g. the usage chunk, whose choices are empty
  const auto delta = choice->find("delta");
  if (delta != choice->end() && delta->is_object()) {
    const std::string content = string_field(*delta, "content");
    if (!content.empty()) {
      reply_.text += content;
      if (on_text_) on_text_(content);
    }
    refusal_ += string_field(*delta, "refusal");
    const auto tools = delta->find("tool_calls");
    if (tools != delta->end() && tools->is_array() && !tools->empty()) saw_tool_call_ = true;
  }
  const std::string finish_reason = string_field(*choice, "finish_reason");
  if (!finish_reason.empty()) reply_.stop_reason = finish_reason;
  return ok_status();
}

Status ChatCompletionDecoder::decode_body(std::string_view body) {
  if (has_error_) return error_;
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || body[first] != '{') return feed_sse(body);

  json root;
  try {
    root = json::parse(body);
  } catch (const json::exception& e) {
    return fail(who_ + " sent a reply that is not valid JSON (" + parse_error_text(e) +
                "): " + excerpt(body));
  }
  if (root.contains("error")) {
    return fail(who_ + " reported an error: " + error_object_text(root["error"]));
  }
  const std::string model = string_field(root, "model");
  if (!model.empty()) reply_.model = model;
  read_usage(root, reply_.usage);
  const json* choice = choice_zero(root);
  if (choice == nullptr) {
    return fail(who_ +
                " sent a reply without choices, not an OpenAI chat completion: " + excerpt(body));
  }
  const auto message = choice->find("message");
  if (message != choice->end() && message->is_object()) {
    reply_.text = string_field(*message, "content");
    refusal_ = string_field(*message, "refusal");
    const auto tools = message->find("tool_calls");
    if (tools != message->end() && tools->is_array() && !tools->empty()) saw_tool_call_ = true;
  }
  reply_.stop_reason = string_field(*choice, "finish_reason");
  done_ = true;
  if (!reply_.text.empty() && on_text_) on_text_(reply_.text);
  return ok_status();
}

Result<Reply> ChatCompletionDecoder::finish() {
  if (has_error_) return error_;
  const bool cut_mid_event = parser_.finish();
  if (!done_ && reply_.stop_reason.empty()) {
    std::string message = who_ + ": the stream ended early, before the reply was complete";
    message +=
        cut_mid_event ? " (cut in the middle of an event" : " (no finish_reason and no [DONE]";
    message += ", after " + std::to_string(reply_.text.size()) + " bytes of text)";
    return Error{ErrorCode::kLlm, message};
  }
  if (!refusal_.empty() && reply_.text.empty()) {
    return Error{ErrorCode::kLlm, who_ + " declined to answer: " + refusal_};
  }
  if (reply_.stop_reason == "content_filter") {
    return Error{ErrorCode::kLlm,
                 who_ + " stopped its reply with its content filter; rephrase the question"};
  }
  if (reply_.text.empty()) {
    if (saw_tool_call_) {
      return Error{ErrorCode::kLlm, who_ + " answered with a tool call instead of text"};
    }
    if (reply_.stop_reason == "length") {
      return Error{ErrorCode::kLlm, who_ +
                                        " ran out of tokens before writing any text — raise "
                                        "ASKDB_LLM_MAX_TOKENS"};
    }
    return Error{
        ErrorCode::kLlm,
        who_ + " returned an empty reply" +
            (reply_.stop_reason.empty() ? "" : " (finish_reason \"" + reply_.stop_reason + "\")")};
  }
  return reply_;
}

}  // namespace askdb::llm
