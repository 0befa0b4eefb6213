// libFuzzer target for ChatCompletionDecoder (llm/openai_stream.h), which reads an OpenAI-style
// server's reply body. Any bytes must decode without a crash, a leak, an escaping exception or
// undefined behaviour, through feed_sse and through decode_body. Feeding the body in pieces (cut
// where splits.h says) must end exactly as feeding it whole; the text handed to on_text must add
// up to the reply's text; and decode_body on a body that is not a JSON document must end as
// feed_sse does.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "llm/openai_stream.h"
#include "splits.h"

namespace {

using askdb::llm::ChatCompletionDecoder;
using askdb::llm::Reply;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "ChatCompletionDecoder: %s\n", what);
  std::abort();
}

struct Outcome {
  std::string first_error;  // of the feeds
  bool done = false;
  bool finished = false;
  bool delivered_text = false;
  std::string streamed;  // what on_text received, joined
  bool ok = false;
  Reply reply;
  std::string error;  // of finish()
};

template <class Body>
Outcome run(Body&& body) {
  Outcome out;
  ChatCompletionDecoder decoder("fuzz", [&out](std::string_view text) {
    if (text.empty()) fail("on_text got an empty piece");
    out.streamed.append(text);
  });
  body(decoder, out.first_error);
  out.done = decoder.done();
  out.finished = decoder.finished();
  out.delivered_text = decoder.delivered_text();
  auto reply = decoder.finish();
  out.ok = reply.ok();
  if (reply.ok()) {
    out.reply = std::move(reply.value());
    if (out.streamed != out.reply.text) fail("on_text pieces do not add up to the reply's text");
  } else {
    out.error = reply.error().message;
  }
  return out;
}

Outcome feed_sse(std::string_view data, const std::vector<size_t>& cuts) {
  return run([&](ChatCompletionDecoder& decoder, std::string& first_error) {
    askdb::fuzz::feed_in_pieces(data, cuts, [&](std::string_view piece) {
      const askdb::Status status = decoder.feed_sse(piece);
      if (!status.ok() && first_error.empty()) first_error = status.error().message;
      return true;  // keep feeding: a decoder that failed must keep failing the same way
    });
  });
}

void expect_same(const Outcome& a, const Outcome& b, const char* how) {
  auto differ = [&](const char* what) {
    std::fprintf(stderr, "ChatCompletionDecoder %s: %s differs\n", how, what);
    std::abort();
  };
  if (a.first_error != b.first_error) differ("the error of the feeds");
  if (a.done != b.done) differ("done()");
  if (a.finished != b.finished) differ("finished()");
  if (a.delivered_text != b.delivered_text) differ("delivered_text()");
  if (a.streamed != b.streamed) differ("the text streamed");
  if (a.ok != b.ok || a.error != b.error) differ("finish()");
  if (a.reply.text != b.reply.text || a.reply.stop_reason != b.reply.stop_reason ||
      a.reply.model != b.reply.model ||
      a.reply.usage.prompt_tokens != b.reply.usage.prompt_tokens ||
      a.reply.usage.completion_tokens != b.reply.usage.completion_tokens) {
    differ("the reply");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  const Outcome whole = feed_sse(data, {});
  expect_same(whole, feed_sse(data, askdb::fuzz::cuts_for(data)), "fed in pieces");

  const Outcome body = run([&](ChatCompletionDecoder& decoder, std::string& first_error) {
    const askdb::Status status = decoder.decode_body(data);
    if (!status.ok()) first_error = status.error().message;
  });
  const size_t first = data.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || data[first] != '{') {
    expect_same(whole, body, "decode_body on an event stream");
  }
  return 0;
}
