// ConverseReplyDecoder: turns the body of a Bedrock Converse or ConverseStream reply into text
// and a Reply (the ReplyDecoder of the Bedrock protocol, llm/bedrock.h).
//
// A ConverseStream body (application/vnd.amazon.eventstream) is a sequence of binary
// event-stream messages. ":message-type" "event" ones carry, by ":event-type", messageStart,
// contentBlockStart, contentBlockDelta ({"delta":{"text":...}}: the text, emitted as it comes;
// reasoningContent and toolUse deltas are skipped), contentBlockStop, messageStop
// ({"stopReason":...}) and metadata ({"usage":{"inputTokens","outputTokens"}}). The reply is
// complete once both messageStop and metadata have arrived. "exception" and "error" messages
// become a Failure (see llm/bedrock_error.h), as does a corrupt frame or payload. A Converse
// body (application/json) is one document, {"output":{"message":{"content":[{"text":...}]}},
// "stopReason", "usage"}, buffered and emitted whole once it has arrived.
//
// The body's kind is taken from the reply's Content-Type, else from what was asked for.
// Thread-compatible: one decoder per attempt, used by one thread at a time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "llm/bedrock_error.h"
#include "llm/event_stream.h"
#include "llm/exchange.h"
#include "llm/provider.h"

namespace askdb::llm {

class ConverseReplyDecoder final : public ReplyDecoder {
 public:
  // A Converse JSON body larger than this is refused.
  static constexpr size_t kMaxJsonBody = 64 * 1024 * 1024;

  // `site` names the provider in messages; `expect_stream`: ConverseStream was asked for (the
  // body kind when the reply has no usable Content-Type).
  ConverseReplyDecoder(BedrockSite site, bool expect_stream);

  std::optional<Failure> feed(const HttpHead& head, std::string_view piece,
                              const TextSink& emit) override;
  bool complete() const override;
  Result<Reply> finish() override;

 private:
  enum class Kind { kUnknown, kEventStream, kJson };

  std::optional<Failure> handle_message(const EventStreamMessage& message, const TextSink& emit);
  std::optional<Failure> handle_event(std::string_view type, std::string_view payload,
                                      const TextSink& emit);
  std::optional<Failure> decode_json(const TextSink& emit);
  Failure fail(std::string message);

  BedrockSite site_;
  bool expect_stream_;
  Kind kind_ = Kind::kUnknown;
  EventStreamDecoder events_;
  std::string json_body_;
  bool json_done_ = false;
  bool message_stop_ = false;
  bool metadata_ = false;
  bool saw_tool_use_ = false;
  std::optional<Failure> failure_;
  Reply reply_;
};

}  // namespace askdb::llm
