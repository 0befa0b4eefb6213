// AnthropicReplyDecoder: turns the body of an Anthropic Messages API reply into text and a Reply.
//
// The body is an event stream (https://docs.anthropic.com/en/docs/build-with-claude/streaming):
// message_start (the model, input tokens), content blocks (content_block_start / _delta /
// _stop; the text_delta pieces of text blocks are the reply, thinking, tool input, citations
// and other blocks are skipped), message_delta (stop_reason, cumulative output tokens),
// message_stop, with ping events and, mid-stream, `error` events. Unknown events are ignored,
// as Anthropic's versioning policy asks. A server that ignores "stream": true and answers one
// Message JSON document is accepted too; its text is handed on as soon as it is whole.
//
// Like Anthropic's SDKs, an event that the body ends without its closing blank line is still
// read (the recorded SDK fixtures end that way); a stream cut inside an event is reported as
// cut.
//
// Thread-compatible: one decoder per attempt, used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "llm/anthropic_error.h"
#include "llm/exchange.h"
#include "llm/sse.h"

namespace askdb::llm {

class AnthropicReplyDecoder final : public ReplyDecoder {
 public:
  // `site` names the provider in messages (and holds the key to keep out of them).
  explicit AnthropicReplyDecoder(AnthropicSite site);

  std::optional<Failure> feed(const HttpHead& head, std::string_view piece,
                              const TextSink& emit) override;
  bool complete() const override { return stopped_; }
  Result<Reply> finish() override;

 private:
  enum class BodyKind { kUnknown, kEventStream, kJson };

  std::optional<Failure> feed_events(std::string_view bytes, const TextSink& emit);
  std::optional<Failure> handle_event(const SseEvent& event, const TextSink& emit);
  // Decodes a whole Message document (a reply to a request that did not stream).
  std::optional<Failure> decode_message(std::string_view body, const TextSink& emit);
  void add_text(const std::string& text, const TextSink& emit);
  // Records a failure and returns it; one given as a message is not retryable (a malformed or
  // cut reply).
  std::optional<Failure> fail(std::string message);
  std::optional<Failure> fail(Failure failure);

  AnthropicSite site_;
  BodyKind kind_ = BodyKind::kUnknown;
  SseParser parser_;
  std::string buffered_;  // kUnknown: leading bytes while sniffing; kJson: the body so far
  Reply reply_;
  std::string refusal_detail_;  // message_delta's stop_details explanation, if any
  int64_t input_tokens_ = 0;
  int64_t cache_creation_tokens_ = 0;
  int64_t cache_read_tokens_ = 0;
  int64_t output_tokens_ = 0;
  bool saw_tool_use_ = false;
  bool started_ = false;   // message_start arrived
  bool stopped_ = false;   // message_stop arrived (or a whole Message was decoded)
  bool flushing_ = false;  // finish() is reading an event the body did not close
  std::optional<Failure> failure_;
};

}  // namespace askdb::llm
