// ChatCompletionDecoder: turns the body of an OpenAI chat-completions reply into a Reply.
//
// The body is either an event stream of chat.completion.chunk objects (choices[0].delta.content,
// finish_reason, a last chunk with empty choices carrying usage, then "data: [DONE]") or, from a
// server that ignores "stream": true, one chat.completion JSON document. The OpenAI provider
// feeds it bytes as they arrive; tests feed it recorded bodies. Only choice index 0 is read.
// Thread-compatible: one decoder per reply, used by one thread.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "llm/provider.h"
#include "llm/sse.h"

namespace askdb::llm {

class ChatCompletionDecoder {
 public:
  // `who` names the server in messages ("openai (gpt-4o-mini at http://...)"); `on_text`, when
  // set, receives each non-empty piece of content as soon as its chunk is decoded.
  ChatCompletionDecoder(std::string who, TextSink on_text);

  // Feeds bytes of an event-stream body. Returns Error{kLlm} for a chunk that is not valid
  // JSON or that carries an error object; after an error, further input is ignored.
  Status feed_sse(std::string_view bytes);

  // Decodes a whole body that did not come as text/event-stream: a chat.completion JSON
  // document when it starts with '{', otherwise it is tried as an event stream.
  Status decode_body(std::string_view body);

  // Ends the reply. Returns the Reply, or Error{kLlm} when the stream ended early (neither a
  // finish_reason nor [DONE]), the model refused, the content filter stopped it, or it is empty.
  // REQUIRES: called once, after the last feed.
  Result<Reply> finish();

  // Text was handed to on_text (a retry would repeat it).
  bool delivered_text() const { return !reply_.text.empty(); }
  // "[DONE]" arrived, or a whole JSON reply was decoded.
  bool done() const { return done_; }
  // A finish_reason arrived for choice 0.
  bool finished() const { return !reply_.stop_reason.empty(); }

 private:
  Status handle_event(const SseEvent& event);
  Status fail(std::string message);

  std::string who_;
  TextSink on_text_;
  SseParser parser_;
  Reply reply_;
  std::string refusal_;
  bool saw_tool_call_ = false;
  bool done_ = false;
  bool has_error_ = false;
  Error error_;
  size_t chunks_ = 0;
};

}  // namespace askdb::llm
