// ConverseReplyDecoder over recorded ConverseStream event sequences
// (shared/data/llm-streams/vercel-ai/bedrock-converse-stream/*.chunks.txt, one decoded event per
// line): each line is framed as the event its key names with the test encoder, and the bytes
// are fed whole, in random pieces and byte by byte; the text, usage and stop reason must match
// what the lines say. Also the real binary modelStreamErrorException frame, exception and error
// frames made here, corrupt frames, and Converse (non-stream) JSON replies.
#include "llm/bedrock_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/event_stream_encoder.h"

namespace askdb::llm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path data_dir() {
  return fs::path(ASKDB_SHARED_DATA) / "llm-streams/vercel-ai/bedrock-converse-stream";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

BedrockSite site() {
  return {"bedrock (us.anthropic.claude-sonnet-4-5-20250929-v1:0 in us-east-1)",
          "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1",
          "https://bedrock-runtime.us-east-1.amazonaws.com", "environment"};
}

HttpHead stream_head() {
  HttpHead head;
  head.status = 200;
  head.content_type = "application/vnd.amazon.eventstream";
  return head;
}

HttpHead json_head() {
  HttpHead head;
  head.status = 200;
  head.content_type = "application/json";
  return head;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// What a recording says the reply is, read from its JSON lines.
struct Expected {
  std::string text;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  std::string stop_reason;
  bool has_metadata = false;
};

struct Recording {
  std::string name;
  std::string bytes;  // the events framed as Bedrock sends them
  Expected expected;
};

Recording load(const fs::path& path) {
  Recording r;
  r.name = path.filename().string();
  std::istringstream lines(read_file(path));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const json event = json::parse(line);
    EXPECT_EQ(event.size(), 1u) << r.name << ": " << line;
    const std::string type = event.begin().key();
    const json& payload = event.begin().value();
    r.bytes += test::bedrock_event_frame(type, payload.dump());
    if (type == "contentBlockDelta" && payload["delta"].contains("text")) {
      r.expected.text += payload["delta"]["text"].get<std::string>();
    }
    if (type == "messageStop") r.expected.stop_reason = payload["stopReason"];
    if (type == "metadata") {
      r.expected.has_metadata = true;
      r.expected.input_tokens = payload["usage"]["inputTokens"];
      r.expected.output_tokens = payload["usage"]["outputTokens"];
    }
  }
  return r;
}

std::vector<Recording> recordings() {
  std::vector<Recording> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(data_dir(), ec)) {
    if (entry.path().filename().string().ends_with(".chunks.txt"))
      out.push_back(load(entry.path()));
  }
  std::sort(out.begin(), out.end(),
            [](const Recording& a, const Recording& b) { return a.name < b.name; });
  return out;
}

struct Outcome {
  std::optional<Failure> failure;
  std::string emitted;
  std::vector<std::string> pieces;
  bool complete = false;
  Result<Reply> reply = Error{ErrorCode::kInternal, "not finished"};
};

// Feeds `bytes` in the pieces that `cuts` (ascending offsets) mark, then finishes.
Outcome run(std::string_view bytes, const std::vector<size_t>& cuts, const HttpHead& head,
            bool expect_stream = true) {
  Outcome out;
  ConverseReplyDecoder decoder(site(), expect_stream);
  const TextSink emit = [&out](std::string_view text) {
    EXPECT_FALSE(text.empty());
    out.emitted += text;
    out.pieces.emplace_back(text);
  };
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(bytes.size());
  for (size_t end : ends) {
    if (end < from) continue;
    out.failure = decoder.feed(head, bytes.substr(from, end - from), emit);
    from = end;
    if (out.failure) break;
  }
  out.complete = decoder.complete();
  out.reply = decoder.finish();
  return out;
}

Outcome run_whole(std::string_view bytes, const HttpHead& head = stream_head()) {
  return run(bytes, {}, head);
}

std::vector<size_t> every_byte(size_t size) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < size; ++i) cuts.push_back(i);
  return cuts;
}

std::vector<size_t> random_cuts(size_t size, std::mt19937& rng) {
  std::vector<size_t> cuts;
  std::uniform_int_distribution<size_t> step(1, 97);
  for (size_t at = step(rng); at < size; at += step(rng)) cuts.push_back(at);
  return cuts;
}

void expect_matches(const Outcome& out, const Recording& r, const std::string& how) {
  SCOPED_TRACE(r.name + " fed " + how);
  ASSERT_FALSE(out.failure) << out.failure->error.message;
  EXPECT_EQ(out.emitted, r.expected.text);
  if (r.expected.text.empty()) {
    ASSERT_FALSE(out.reply.ok());
    EXPECT_TRUE(contains(out.reply.error().message, "tool call")) << out.reply.error().message;
    return;
  }
  ASSERT_TRUE(out.reply.ok()) << out.reply.error().message;
  EXPECT_EQ(out.reply->text, r.expected.text);
  EXPECT_EQ(out.reply->stop_reason, r.expected.stop_reason);
  EXPECT_EQ(out.reply->usage.prompt_tokens, r.expected.input_tokens);
  EXPECT_EQ(out.reply->usage.completion_tokens, r.expected.output_tokens);
  EXPECT_EQ(out.complete, r.expected.has_metadata && !r.expected.stop_reason.empty());
}

TEST(BedrockStreamTest, RecordingsAreThere) {
  const auto all = recordings();
  EXPECT_GE(all.size(), 12u) << "no recordings under " << data_dir();
}

TEST(BedrockStreamTest, RecordedSequencesFedWhole) {
  for (const Recording& r : recordings()) expect_matches(run_whole(r.bytes), r, "whole");
}

TEST(BedrockStreamTest, RecordedSequencesFedInRandomPieces) {
  std::mt19937 rng(20250930);
  for (const Recording& r : recordings()) {
    for (int round = 0; round < 5; ++round) {
      expect_matches(run(r.bytes, random_cuts(r.bytes.size(), rng), stream_head()), r,
                     "in random pieces");
    }
  }
}

TEST(BedrockStreamTest, RecordedSequencesFedByteByByte) {
  for (const Recording& r : recordings()) {
    expect_matches(run(r.bytes, every_byte(r.bytes.size()), stream_head()), r, "byte by byte");
  }
}

TEST(BedrockStreamTest, TextStreamInDetail) {
  const Recording r = load(data_dir() / "amazon-bedrock-text.chunks.txt");
  const Outcome out = run_whole(r.bytes);
  ASSERT_TRUE(out.reply.ok());
  EXPECT_EQ(out.reply->text,
            "Let me count the \"r\"s in \"strawberry\":\n\ns-t-**r**-a-w-b-e-**r**-**r**-y\n\n"
            "There are **3** r's in \"strawberry.\"");
  EXPECT_EQ(out.pieces.size(), 12u);  // one emit per text delta
  EXPECT_EQ(out.pieces.front(), "Let");
  EXPECT_EQ(out.reply->stop_reason, "end_turn");
  EXPECT_EQ(out.reply->usage.prompt_tokens, 22);
  EXPECT_EQ(out.reply->usage.completion_tokens, 55);
  EXPECT_TRUE(out.complete);
}

TEST(BedrockStreamTest, ReasoningIsNotEmitted) {
  const Recording r = load(data_dir() / "amazon-bedrock-reasoning.chunks.txt");
  const Outcome out = run_whole(r.bytes);
  ASSERT_TRUE(out.reply.ok());
  EXPECT_TRUE(out.reply->text.starts_with("There are **3** r's")) << out.reply->text;
  EXPECT_FALSE(contains(out.emitted, "Let me count the r"));
  EXPECT_EQ(out.reply->usage.completion_tokens, 94);
}

TEST(BedrockStreamTest, CompleteNeedsMessageStopAndMetadata) {
  ConverseReplyDecoder decoder(site(), true);
  const TextSink none;
  EXPECT_FALSE(decoder.feed(
      stream_head(),
      test::bedrock_event_frame("contentBlockDelta",
                                R"({"contentBlockIndex":0,"delta":{"text":"SELECT 1;"}})"),
      none));
  EXPECT_FALSE(decoder.complete());
  EXPECT_FALSE(
      decoder.feed(stream_head(),
                   test::bedrock_event_frame("messageStop", R"({"stopReason":"end_turn"})"), none));
  EXPECT_FALSE(decoder.complete());
  EXPECT_FALSE(
      decoder.feed(stream_head(),
                   test::bedrock_event_frame(
                       "metadata", R"({"usage":{"inputTokens":3,"outputTokens":4},"p":"abc"})"),
                   none));
  EXPECT_TRUE(decoder.complete());
  const auto reply = decoder.finish();
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->text, "SELECT 1;");
}

TEST(BedrockStreamTest, MessageStopWithoutMetadataStillFinishes) {
  const std::string bytes =
      test::bedrock_event_frame("contentBlockDelta",
                                R"({"contentBlockIndex":0,"delta":{"text":"x"}})") +
      test::bedrock_event_frame("messageStop", R"({"stopReason":"max_tokens"})");
  const Outcome out = run_whole(bytes);
  EXPECT_FALSE(out.complete);
  ASSERT_TRUE(out.reply.ok());
  EXPECT_EQ(out.reply->stop_reason, "max_tokens");
}

TEST(BedrockStreamTest, StreamEndingBeforeMessageStopIsAnError) {
  const std::string delta = test::bedrock_event_frame(
      "contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"SEL"}})");
  const Outcome clean_end = run_whole(delta);
  ASSERT_FALSE(clean_end.reply.ok());
  EXPECT_TRUE(contains(clean_end.reply.error().message, "ended early"))
      << clean_end.reply.error().message;
  EXPECT_TRUE(contains(clean_end.reply.error().message, "no messageStop"));

  const std::string stop = test::bedrock_event_frame("messageStop", R"({"stopReason":"end_turn"})");
  const Outcome cut = run_whole(delta + stop.substr(0, 20));
  ASSERT_FALSE(cut.reply.ok());
  EXPECT_TRUE(contains(cut.reply.error().message, "cut inside")) << cut.reply.error().message;
  EXPECT_EQ(cut.emitted, "SEL");
}

// The one real frame: a modelStreamErrorException Bedrock sent mid-stream.
TEST(BedrockStreamTest, RealModelStreamErrorFrame) {
  const std::string frame = read_file(data_dir() / "model-stream-error-exception.eventstream.bin");
  ASSERT_EQ(frame.size(), 221u);
  const std::string before =
      test::bedrock_event_frame("messageStart", R"({"role":"assistant"})") +
      test::bedrock_event_frame("contentBlockDelta",
                                R"({"contentBlockIndex":0,"delta":{"text":"SELECT "}})");
  for (const auto& cuts : {std::vector<size_t>{}, every_byte(before.size() + frame.size())}) {
    const Outcome out = run(before + frame, cuts, stream_head());
    ASSERT_TRUE(out.failure);
    const std::string& message = out.failure->error.message;
    EXPECT_EQ(out.failure->error.code, ErrorCode::kLlm);
    EXPECT_TRUE(
        contains(message, "bedrock (us.anthropic.claude-sonnet-4-5-20250929-v1:0 in us-east-1)"))
        << message;
    EXPECT_TRUE(contains(message, "modelStreamErrorException")) << message;
    EXPECT_TRUE(contains(message, "Model Stream Error")) << message;
    EXPECT_TRUE(contains(message, "The model stream failed.")) << message;
    EXPECT_TRUE(contains(message, "500")) << message;
    EXPECT_TRUE(contains(message, "after 7 bytes")) << message;
    EXPECT_TRUE(out.failure->retryable);  // originalStatusCode 500
    EXPECT_EQ(out.emitted, "SELECT ");
    EXPECT_FALSE(out.complete);
    ASSERT_FALSE(out.reply.ok());
    EXPECT_EQ(out.reply.error().message, message);
  }
}

TEST(BedrockStreamTest, ExceptionFrames) {
  struct Case {
    std::string type;
    std::string payload;
    bool retryable;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"throttlingException",
       R"({"message":"Too many requests, please wait before trying again."})", true,
       "Too many requests"},
      {"internalServerException", R"({"message":"internal"})", true, "try again"},
      {"serviceUnavailableException", R"({"message":"unavailable"})", true, "try again"},
      {"modelTimeoutException", R"({"message":"Model has timed out"})", true, "took too long"},
      {"validationException", R"({"message":"Input is too long for requested model."})", false,
       "pipeline.context_token_budget"},
      {"modelStreamErrorException",
       R"({"message":"Model Stream Error","originalStatusCode":400,"originalMessage":"bad"})",
       false, "returned 400"},
      {"someNewException", R"({"message":"new"})", false, "someNewException"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.type);
    const Outcome out = run_whole(test::bedrock_exception_frame(c.type, c.payload));
    ASSERT_TRUE(out.failure);
    EXPECT_EQ(out.failure->retryable, c.retryable);
    EXPECT_TRUE(contains(out.failure->error.message, c.type)) << out.failure->error.message;
    EXPECT_TRUE(contains(out.failure->error.message, c.says)) << out.failure->error.message;
  }
}

TEST(BedrockStreamTest, ErrorFrame) {
  const Outcome out = run_whole(test::bedrock_error_frame("InternalFailure", "something broke"));
  ASSERT_TRUE(out.failure);
  EXPECT_TRUE(contains(out.failure->error.message, "InternalFailure"));
  EXPECT_TRUE(contains(out.failure->error.message, "something broke"));
  EXPECT_TRUE(out.failure->retryable);
}

TEST(BedrockStreamTest, CorruptFramesAreClearFailures) {
  const std::string good = test::bedrock_event_frame(
      "contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"ok"}})");
  std::vector<std::pair<std::string, std::string>> corrupt;
  std::string bad_payload_crc = good;
  bad_payload_crc[bad_payload_crc.size() - 10] ^= 0x20;
  corrupt.emplace_back("payload flipped", bad_payload_crc);
  std::string bad_prelude = good;
  bad_prelude[3] = static_cast<char>(bad_prelude[3] + 1);
  corrupt.emplace_back("length changed", bad_prelude);
  corrupt.emplace_back("not an event stream", std::string("<html><body>Bad Gateway</body></html>"));
  corrupt.emplace_back("huge length",
                       std::string("\x7f\xff\xff\xff\x00\x00\x00\x00", 8) + std::string(8, '\0'));
  for (const auto& [what, bytes] : corrupt) {
    SCOPED_TRACE(what);
    for (const auto& cuts : {std::vector<size_t>{}, every_byte(bytes.size())}) {
      const Outcome out = run(bytes, cuts, stream_head());
      ASSERT_TRUE(out.failure);
      EXPECT_TRUE(contains(out.failure->error.message, "corrupt event stream"))
          << out.failure->error.message;
      EXPECT_FALSE(out.failure->retryable);
      EXPECT_FALSE(out.reply.ok());
    }
  }
}

TEST(BedrockStreamTest, PayloadThatIsNotJsonIsAFailure) {
  const Outcome out = run_whole(test::bedrock_event_frame("contentBlockDelta", "{\"delta\":"));
  ASSERT_TRUE(out.failure);
  EXPECT_TRUE(contains(out.failure->error.message, "not a JSON object"));
}

TEST(BedrockStreamTest, UnknownEventsAndMessageTypesAreSkipped) {
  const std::string bytes =
      test::bedrock_event_frame("messageStart", R"({"role":"assistant"})") +
      test::bedrock_event_frame("someFutureEvent", R"({"x":1})") +
      test::encode_event_stream_message({test::string_header(":message-type", "future")}, "zz") +
      test::bedrock_event_frame("contentBlockDelta",
                                R"({"contentBlockIndex":0,"delta":{"text":"a"}})") +
      test::bedrock_event_frame("messageStop", R"({"stopReason":"end_turn"})") +
      test::bedrock_event_frame("metadata", R"({"usage":{"inputTokens":1,"outputTokens":1}})");
  const Outcome out = run_whole(bytes);
  ASSERT_TRUE(out.reply.ok()) << out.reply.error().message;
  EXPECT_EQ(out.reply->text, "a");
}

TEST(BedrockStreamTest, StopReasonsWithoutText) {
  const auto stream_with = [](const std::string& stop, const std::string& text) {
    std::string bytes;
    if (!text.empty()) {
      bytes += test::bedrock_event_frame(
          "contentBlockDelta", json{{"contentBlockIndex", 0}, {"delta", {{"text", text}}}}.dump());
    }
    bytes += test::bedrock_event_frame("messageStop", json{{"stopReason", stop}}.dump());
    return bytes;
  };
  const auto message_of = [&](const std::string& stop, const std::string& text) {
    const Outcome out = run_whole(stream_with(stop, text));
    return out.reply.ok() ? std::string("ok") : out.reply.error().message;
  };
  EXPECT_TRUE(contains(message_of("max_tokens", ""), "ASKDB_LLM_MAX_TOKENS"));
  EXPECT_TRUE(contains(message_of("guardrail_intervened", "Sorry"), "guardrail"));
  EXPECT_TRUE(contains(message_of("content_filtered", ""), "content filter"));
  EXPECT_TRUE(contains(message_of("model_context_window_exceeded", ""), "context_token_budget"));
  EXPECT_TRUE(contains(message_of("end_turn", ""), "empty reply"));
  EXPECT_EQ(message_of("max_tokens", "SELECT"), "ok");
}

TEST(BedrockStreamTest, ConverseJsonReply) {
  const std::string body = R"({"metrics":{"latencyMs":412},
    "output":{"message":{"content":[{"reasoningContent":{"reasoningText":{"text":"hmm"}}},
                                     {"text":"SELECT count(*) "},{"text":"FROM orders;"}],
                         "role":"assistant"}},
    "stopReason":"end_turn",
    "usage":{"inputTokens":120,"outputTokens":9,"totalTokens":129}})";
  for (const auto& cuts : {std::vector<size_t>{}, every_byte(body.size())}) {
    const Outcome out = run(body, cuts, json_head(), /*expect_stream=*/false);
    ASSERT_FALSE(out.failure);
    EXPECT_TRUE(out.complete);
    ASSERT_TRUE(out.reply.ok()) << out.reply.error().message;
    EXPECT_EQ(out.reply->text, "SELECT count(*) FROM orders;");
    EXPECT_EQ(out.emitted, "SELECT count(*) FROM orders;");
    EXPECT_EQ(out.reply->stop_reason, "end_turn");
    EXPECT_EQ(out.reply->usage.prompt_tokens, 120);
    EXPECT_EQ(out.reply->usage.completion_tokens, 9);
  }
}

TEST(BedrockStreamTest, ConverseJsonThatIsNotAConverseReply) {
  const Outcome truncated = run_whole(R"({"output":{"message":)", json_head());
  ASSERT_FALSE(truncated.reply.ok());
  EXPECT_TRUE(contains(truncated.reply.error().message, "not valid JSON"));

  const Outcome wrong = run_whole(R"({"completion":"hi"})", json_head());
  ASSERT_TRUE(wrong.failure);
  EXPECT_TRUE(contains(wrong.failure->error.message, "output.message"));

  const Outcome empty = run_whole("", json_head());
  ASSERT_FALSE(empty.reply.ok());
}

TEST(BedrockStreamTest, BodyKindFollowsContentTypeThenTheRequest) {
  // An event stream answered to a Converse request, and a JSON reply to a stream request.
  const Recording r = load(data_dir() / "amazon-bedrock-text.chunks.txt");
  const Outcome stream = run(r.bytes, {}, stream_head(), /*expect_stream=*/false);
  ASSERT_TRUE(stream.reply.ok());
  const Outcome json_reply =
      run(R"({"output":{"message":{"content":[{"text":"x"}]}},"stopReason":"end_turn"})", {},
          json_head(), /*expect_stream=*/true);
  ASSERT_TRUE(json_reply.reply.ok()) << json_reply.reply.error().message;
  EXPECT_EQ(json_reply.reply->text, "x");
  // No content type: what was asked for.
  HttpHead bare;
  bare.status = 200;
  const Outcome guessed = run(r.bytes, {}, bare, /*expect_stream=*/true);
  ASSERT_TRUE(guessed.reply.ok());
}

}  // namespace
}  // namespace askdb::llm
