// Tests of AnthropicReplyDecoder: every recorded real Anthropic stream (anthropic-sdk-python's
// fixtures, vercel-ai's decoded chunks), whole, a byte at a time and in random pieces, plus the
// cases the recordings lack (error events, cuts, cache tokens, a plain JSON reply).
#include "llm/anthropic_stream.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace askdb::llm {
namespace {

const char kWho[] = "anthropic (claude-sonnet-4-5 at http://test)";

AnthropicSite site() { return AnthropicSite{kWho, "http://test", "sk-ant-secret-key"}; }

std::filesystem::path streams_dir() {
  return std::filesystem::path(ASKDB_SHARED_DATA) / "llm-streams";
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

HttpHead sse_head() {
  HttpHead head;
  head.status = 200;
  head.content_type = "text/event-stream; charset=utf-8";
  return head;
}

HttpHead json_head() {
  HttpHead head;
  head.status = 200;
  head.content_type = "application/json";
  return head;
}

struct Decoded {
  Result<Reply> reply = Error{};
  std::vector<std::string> pieces;  // what emit received
  std::optional<Failure> failure;   // what feed() returned, if it failed
  bool complete = false;            // complete() after the last feed
};

// Feeds `body` in pieces: all at once (`step` 0), `step` bytes each, or random sizes (`seed`).
Decoded decode(const std::string& body, size_t step = 0, uint32_t seed = 0,
               const HttpHead& head = sse_head()) {
  Decoded out;
  AnthropicReplyDecoder decoder(site());
  const TextSink emit = [&](std::string_view d) { out.pieces.emplace_back(d); };
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> size(1, 64);
  for (size_t at = 0; at < body.size() && !out.failure;) {
    size_t n = body.size() - at;
    if (seed != 0) {
      n = std::min(n, size(rng));
    } else if (step != 0) {
      n = std::min(n, step);
    }
    out.failure = decoder.feed(head, std::string_view(body).substr(at, n), emit);
    at += n;
  }
  out.reply = out.failure ? Result<Reply>(out.failure->error) : decoder.finish();
  out.complete = decoder.complete();
  return out;
}

std::string joined(const std::vector<std::string>& pieces) {
  std::string s;
  for (const auto& p : pieces) s += p;
  return s;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// What one recorded stream must decode to: a reply, or an error containing `error`.
struct Expected {
  const char* text;   // nullptr when an error is expected
  const char* error;  // a part of the expected message
  const char* stop_reason;
  const char* model;
  int64_t prompt_tokens;
  int64_t completion_tokens;
};

const char kTaxText[] =
    "I'll create a comprehensive tax guide for someone with multiple W2s and save it in a file "
    "called taxes.txt. Let me do that for you now.";

// anthropic-sdk-python's fixtures (tests/lib/streaming), by file name under sse/ and
// sse-history/ (older revisions, see SOURCE_COMMITS.txt there).
const std::map<std::string, Expected>& sdk_expectations() {
  static const std::map<std::string, Expected> kCases = {
      {"basic_response.txt", {"Hello there!", nullptr, "end_turn", "claude-3-opus-latest", 11, 6}},
      {"compaction_response.txt", {"Hello there!", nullptr, "end_turn", "claude-opus-4-7", 30, 8}},
      {"fallback_credit_response.txt",
       {"Hello there!", nullptr, "end_turn", "claude-sonnet-4-5", 25, 8}},
      {"fallback_response.txt", {"Hello there!", nullptr, "end_turn", "claude-opus-4-7", 25, 8}},
      {"incomplete_partial_json_response.txt",
       {kTaxText, nullptr, "max_tokens", "claude-3-7-sonnet-20250219", 450, 124}},
      {"refusal_response.txt",
       {nullptr, "declined to answer: This request was refused due to policy.", "", "", 0, 0}},
      {"stream-a-refusal.sse",
       {nullptr, "declined to answer (stop_reason \"refusal\")", "", "", 0, 0}},
      {"stream-a-toolrefusal.sse",
       {nullptr, "declined to answer (stop_reason \"refusal\")", "", "", 0, 0}},
      {"stream-b-fallback.sse", {"", nullptr, "end_turn", "claude-opus-4-8", 31, 547}},
      {"tool_use_response.txt",
       {"I'll check the current weather in Paris for you.", nullptr, "tool_use",
        "claude-sonnet-4-20250514", 377, 65}},
      {"container_response.txt",
       {"Hello there!", nullptr, "end_turn", "claude-3-opus-latest", 11, 6}},
      {"extra_fields_response.txt", {"Hello!", nullptr, "end_turn", "claude-3-opus-latest", 11, 3}},
      {"out_of_order_response.txt", {nullptr, "returned an empty reply", "", "", 0, 0}},
      {"server_tool_result_response.txt",
       {nullptr, "answered with a tool call instead of text", "", "", 0, 0}},
      {"server_tool_use_response.txt",
       {"Let me search for that.", nullptr, "end_turn", "claude-sonnet-4-20250514", 42, 40}},
  };
  return kCases;
}

std::vector<std::filesystem::path> sdk_files() {
  std::vector<std::filesystem::path> files;
  for (const char* sub : {"sse", "sse-history"}) {
    const auto dir = streams_dir() / "anthropic-sdk-python" / sub;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().filename() == "SOURCE_COMMITS.txt") continue;  // not a stream
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

void expect_decodes_as(const Decoded& d, const Expected& want, const std::string& what) {
  SCOPED_TRACE(what);
  if (want.text == nullptr) {
    ASSERT_FALSE(d.reply.ok()) << d.reply->text;
    EXPECT_EQ(d.reply.error().code, ErrorCode::kLlm);
    EXPECT_TRUE(d.reply.error().message.starts_with(kWho)) << d.reply.error().message;
    EXPECT_TRUE(contains(d.reply.error().message, want.error)) << d.reply.error().message;
    return;
  }
  ASSERT_TRUE(d.reply.ok()) << d.reply.error().message;
  if (*want.text != '\0') {
    EXPECT_EQ(d.reply->text, want.text);
  }
  EXPECT_EQ(joined(d.pieces), d.reply->text);
  EXPECT_EQ(d.reply->stop_reason, want.stop_reason);
  EXPECT_EQ(d.reply->model, want.model);
  EXPECT_EQ(d.reply->usage.prompt_tokens, want.prompt_tokens);
  EXPECT_EQ(d.reply->usage.completion_tokens, want.completion_tokens);
  EXPECT_TRUE(d.complete);
}

TEST(AnthropicReplyDecoderTest, BasicResponseExactly) {
  const std::string body =
      read_bytes(streams_dir() / "anthropic-sdk-python/sse/basic_response.txt");
  ASSERT_FALSE(body.empty());
  const Decoded d = decode(body);
  ASSERT_TRUE(d.reply.ok()) << d.reply.error().message;
  EXPECT_EQ(d.reply->text, "Hello there!");
  EXPECT_EQ(d.pieces, (std::vector<std::string>{"Hello", " there", "!"}));
  EXPECT_EQ(d.reply->usage.prompt_tokens, 11);
  EXPECT_EQ(d.reply->usage.completion_tokens, 6);
  EXPECT_EQ(d.reply->stop_reason, "end_turn");
  EXPECT_EQ(d.reply->model, "claude-3-opus-latest");
}

TEST(AnthropicReplyDecoderTest, EveryRecordedSdkStreamWholeAndByteByByte) {
  const std::vector<std::filesystem::path> files = sdk_files();
  ASSERT_GE(files.size(), 15u) << "recorded streams missing under " << streams_dir();
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    const auto want = sdk_expectations().find(name);
    ASSERT_NE(want, sdk_expectations().end()) << "no expectation for the recorded stream " << name;
    const std::string body = read_bytes(path);
    const Decoded whole = decode(body);
    expect_decodes_as(whole, want->second, name + " whole");
    const Decoded bytes = decode(body, 1);
    expect_decodes_as(bytes, want->second, name + " byte by byte");
    const Decoded random = decode(body, 0, 7);
    expect_decodes_as(random, want->second, name + " random pieces");
    // Split anywhere, the same reply, and the same pieces.
    EXPECT_EQ(whole.pieces, bytes.pieces) << name;
    EXPECT_EQ(whole.pieces, random.pieces) << name;
    if (whole.reply.ok() && bytes.reply.ok()) {
      EXPECT_EQ(whole.reply->text, bytes.reply->text);
    }
    if (!whole.reply.ok() && !bytes.reply.ok()) {
      EXPECT_EQ(whole.reply.error().message, bytes.reply.error().message) << name;
    }
  }
}

TEST(AnthropicReplyDecoderTest, SdkStreamsWithCrlfLineEndings) {
  for (const auto& path : sdk_files()) {
    const std::string body = read_bytes(path);
    std::string crlf;
    for (char c : body) {
      if (c == '\n') crlf += '\r';
      crlf += c;
    }
    const Decoded lf = decode(body);
    const Decoded cr = decode(crlf, 1);
    EXPECT_EQ(lf.reply.ok(), cr.reply.ok()) << path.filename();
    EXPECT_EQ(lf.pieces, cr.pieces) << path.filename();
  }
}

// vercel-ai's recordings are decoded event JSON, one per line: each becomes an `event:` +
// `data:` pair, as the API sends them.
std::string vercel_stream(const std::string& chunks) {
  std::string body;
  std::istringstream lines(chunks);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const auto at = line.find("\"type\":\"");
    std::string type = "message";
    if (at != std::string::npos) {
      const size_t from = at + 8;
      type = line.substr(from, line.find('"', from) - from);
    }
    body += "event: " + type + "\ndata: " + line + "\n\n";
  }
  return body;
}

TEST(AnthropicReplyDecoderTest, EveryVercelRecording) {
  const std::map<std::string, Expected> cases = {
      {"anthropic-fallback.chunks.txt",
       {"The printing press was invented by Johannes Gutenberg around 1440.", nullptr, "end_turn",
        "claude-fable-5", 412, 264}},
      {"anthropic-json-tool.1.chunks.txt",
       {nullptr, "answered with a tool call instead of text", "", "", 0, 0}},
      {"anthropic-json-tool.2.chunks.txt",
       {"I'll invoke the JSON response tool.", nullptr, "tool_use", "claude-haiku-4-5-20251001",
        849, 47}},
      {"anthropic-message-delta-input-tokens.chunks.txt",
       {"pong", nullptr, "end_turn", "claude-opus-4-5-20251101", 61, 2}},
      {"anthropic-refusal.chunks.txt",
       {nullptr,
        "declined to answer: This request triggered restrictions on violative cyber content", "",
        "", 0, 0}},
      {"anthropic-text.chunks.txt",
       {"Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything "
        "I can help you with?",
        nullptr, "end_turn", "claude-sonnet-4-5-20250929", 12, 30}},
      {"anthropic-tool-no-args.chunks.txt",
       {"I'll update the issue list for you.", nullptr, "tool_use", "claude-sonnet-4-5-20250929",
        565, 48}},
      {"duplicate-message-start.chunks.txt",
       {"Hello, World!", nullptr, "end_turn", "claude-3-haiku-20240307", 17, 227}},
      {"spliced-message-start.chunks.txt",
       {nullptr, "answered with a tool call instead of text", "", "", 0, 0}},
  };
  const auto dir = streams_dir() / "vercel-ai/anthropic-messages";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const auto want = cases.find(name);
    ASSERT_NE(want, cases.end()) << "no expectation for the recording " << name;
    const std::string body = vercel_stream(read_bytes(entry.path()));
    expect_decodes_as(decode(body), want->second, name);
    expect_decodes_as(decode(body, 1), want->second, name + " byte by byte");
    ++seen;
  }
  EXPECT_EQ(seen, cases.size());
}

// A stream in the API's shapes, for the cases no recording has.
std::string event(const std::string& name, const std::string& data) {
  return "event: " + name + "\ndata: " + data + "\n\n";
}

const std::string kStart = event(
    "message_start",
    R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"cache_creation_input_tokens":200,"cache_read_input_tokens":3000,"output_tokens":1}}})");
const std::string kBlock =
    event("content_block_start",
          R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})");

std::string text_delta(const std::string& text) {
  return event("content_block_delta",
               R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":")" +
                   text + R"("}})");
}

std::string end(const std::string& stop_reason = "end_turn", int output_tokens = 9) {
  return event("content_block_stop", R"({"type":"content_block_stop","index":0})") +
         event("message_delta", R"({"type":"message_delta","delta":{"stop_reason":")" +
                                    stop_reason +
                                    R"(","stop_sequence":null},"usage":{"output_tokens":)" +
                                    std::to_string(output_tokens) + "}}") +
         event("message_stop", R"({"type":"message_stop"})");
}

TEST(AnthropicReplyDecoderTest, CacheTokensCountAsPromptTokens) {
  const Decoded d = decode(kStart + kBlock + text_delta("SELECT 1;") + end());
  ASSERT_TRUE(d.reply.ok()) << d.reply.error().message;
  EXPECT_EQ(d.reply->usage.prompt_tokens, 10 + 200 + 3000);
  EXPECT_EQ(d.reply->usage.completion_tokens, 9);
  EXPECT_EQ(d.reply->model, "claude-sonnet-4-5-20250929");
}

TEST(AnthropicReplyDecoderTest, OutputTokensAreCumulativeTheLatestCounts) {
  const std::string body =
      kStart + kBlock + text_delta("a") +
      event(
          "message_delta",
          R"({"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":3}})") +
      end("end_turn", 12);
  const Decoded d = decode(body);
  ASSERT_TRUE(d.reply.ok());
  EXPECT_EQ(d.reply->usage.completion_tokens, 12);
  EXPECT_EQ(d.reply->stop_reason, "end_turn");
}

TEST(AnthropicReplyDecoderTest, SkipsThinkingSignatureToolInputCitationsAndUnknownEvents) {
  const std::string body =
      kStart +
      event(
          "content_block_start",
          R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}})") +
      event(
          "content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}})") +
      event(
          "content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"c2ln"}})") +
      event("content_block_stop", R"({"type":"content_block_stop","index":0})") +
      event(
          "content_block_start",
          R"({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}})") +
      event(
          "content_block_delta",
          R"({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"SELECT "}})") +
      event(
          "content_block_delta",
          R"({"type":"content_block_delta","index":1,"delta":{"type":"citations_delta","citation":{"type":"char_location","cited_text":"x"}}})") +
      event(
          "content_block_delta",
          R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\""}})") +
      event("ping", R"({"type": "ping"})") +
      event("brand_new_event", R"({"type":"brand_new_event"})") +
      event("not_even_json", "<<binary>>") +
      event(
          "content_block_delta",
          R"({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"2;"}})") +
      end();
  const Decoded d = decode(body);
  ASSERT_TRUE(d.reply.ok()) << d.reply.error().message;
  EXPECT_EQ(d.reply->text, "SELECT 2;");
  EXPECT_EQ(d.pieces, (std::vector<std::string>{"SELECT ", "2;"}));
}

TEST(AnthropicReplyDecoderTest, EventsWithoutEventLinesAreReadByTheirType) {
  std::string body = kStart + kBlock + text_delta("x") + end();
  std::string stripped;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("event:")) stripped += line + "\n";
  }
  const Decoded d = decode(stripped);
  ASSERT_TRUE(d.reply.ok()) << d.reply.error().message;
  EXPECT_EQ(d.reply->text, "x");
}

TEST(AnthropicReplyDecoderTest, OverloadedErrorEventBeforeAnyTextIsRetryable) {
  const std::string body =
      kStart +
      event("error",
            R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  const Decoded d = decode(body);
  ASSERT_TRUE(d.failure.has_value());
  EXPECT_TRUE(d.failure->retryable);
  EXPECT_EQ(d.failure->error.code, ErrorCode::kLlm);
  EXPECT_EQ(d.failure->error.message,
            std::string(kWho) +
                " reported an error in its stream: Overloaded (overloaded_error) — Anthropic is "
                "overloaded: try again shortly");
  EXPECT_TRUE(d.pieces.empty());
}

TEST(AnthropicReplyDecoderTest, ErrorEventAfterTextStopsTheStream) {
  const std::string body =
      kStart + kBlock + text_delta("SELECT ") +
      event("error",
            R"({"type":"error","error":{"type":"api_error","message":"Internal server error"}})") +
      text_delta("never");
  for (size_t step : {size_t{0}, size_t{1}}) {
    const Decoded d = decode(body, step);
    ASSERT_TRUE(d.failure.has_value());
    EXPECT_TRUE(d.failure->retryable);  // the engine still never resends once text went out
    EXPECT_TRUE(contains(d.failure->error.message, "Internal server error (api_error)"));
    EXPECT_EQ(d.pieces, std::vector<std::string>{"SELECT "});
  }
}

TEST(AnthropicReplyDecoderTest, ErrorEventRetryableByType) {
  const std::map<std::string, bool> types = {{"overloaded_error", true},
                                             {"rate_limit_error", true},
                                             {"api_error", true},
                                             {"invalid_request_error", false},
                                             {"permission_error", false}};
  for (const auto& [type, retryable] : types) {
    const Decoded d = decode(kStart + event("error", R"({"type":"error","error":{"type":")" + type +
                                                         R"(","message":"m"}})"));
    ASSERT_TRUE(d.failure.has_value()) << type;
    EXPECT_EQ(d.failure->retryable, retryable) << type;
  }
}

TEST(AnthropicReplyDecoderTest, StreamWithoutMessageStopEndedEarly) {
  const Decoded d = decode(kStart + kBlock + text_delta("SELECT 1"));
  ASSERT_FALSE(d.reply.ok());
  EXPECT_FALSE(d.complete);
  EXPECT_EQ(d.reply.error().message,
            std::string(kWho) +
                ": the stream ended early, before the reply was complete (no message_stop, "
                "after 8 bytes of text)");
  EXPECT_EQ(d.pieces, std::vector<std::string>{"SELECT 1"});
}

TEST(AnthropicReplyDecoderTest, StreamCutInsideAnEventSaysSo) {
  const std::string whole = kStart + kBlock + text_delta("SELECT 1") + end();
  const std::string cut = whole.substr(0, whole.find("\"stop_reason\":\"end_turn\"") + 10);
  const Decoded d = decode(cut);
  ASSERT_FALSE(d.reply.ok());
  EXPECT_TRUE(contains(d.reply.error().message, "cut in the middle of an event"))
      << d.reply.error().message;
}

TEST(AnthropicReplyDecoderTest, EmptyBodyIsAnError) {
  const Decoded d = decode("");
  ASSERT_FALSE(d.reply.ok());
  EXPECT_EQ(d.reply.error().message, std::string(kWho) + " sent an empty reply body; try again");
}

TEST(AnthropicReplyDecoderTest, MalformedEventIsAClearError) {
  const Decoded d = decode(kStart + event("content_block_delta", R"({"type":"content_blo)"));
  ASSERT_TRUE(d.failure.has_value());
  EXPECT_FALSE(d.failure->retryable);
  EXPECT_TRUE(contains(d.failure->error.message, "sent a malformed event in its stream"))
      << d.failure->error.message;
}

TEST(AnthropicReplyDecoderTest, RefusalIsAnErrorEvenAfterText) {
  const Decoded d = decode(kStart + kBlock + text_delta("Hi") + end("refusal"));
  ASSERT_FALSE(d.reply.ok());
  EXPECT_EQ(
      d.reply.error().message,
      std::string(kWho) + " declined to answer (stop_reason \"refusal\"); rephrase the question");
}

TEST(AnthropicReplyDecoderTest, MaxTokensIsANormalReplyUnlessEmpty) {
  Decoded d = decode(kStart + kBlock + text_delta("SELECT a,") + end("max_tokens"));
  ASSERT_TRUE(d.reply.ok());
  EXPECT_EQ(d.reply->stop_reason, "max_tokens");
  EXPECT_EQ(d.reply->text, "SELECT a,");

  d = decode(kStart + kBlock + end("max_tokens"));
  ASSERT_FALSE(d.reply.ok());
  EXPECT_TRUE(contains(d.reply.error().message, "ran out of tokens before writing any text"));
  EXPECT_TRUE(contains(d.reply.error().message, "ASKDB_LLM_MAX_TOKENS"));
}

TEST(AnthropicReplyDecoderTest, EmptyReplyNamesItsStopReason) {
  const Decoded d = decode(kStart + kBlock + end("end_turn"));
  ASSERT_FALSE(d.reply.ok());
  EXPECT_EQ(d.reply.error().message,
            std::string(kWho) + " returned an empty reply (stop_reason \"end_turn\")");
}

TEST(AnthropicReplyDecoderTest, CompleteOnceMessageStopArrivedAndLaterBytesIgnored) {
  AnthropicReplyDecoder decoder(site());
  std::vector<std::string> pieces;
  const TextSink emit = [&](std::string_view d) { pieces.emplace_back(d); };
  EXPECT_FALSE(decoder.feed(sse_head(), kStart + kBlock + text_delta("ok"), emit).has_value());
  EXPECT_FALSE(decoder.complete());
  EXPECT_FALSE(decoder.feed(sse_head(), end(), emit).has_value());
  EXPECT_TRUE(decoder.complete());
  EXPECT_FALSE(decoder.feed(sse_head(), text_delta("late"), emit).has_value());
  Result<Reply> r = decoder.finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "ok");
  EXPECT_EQ(pieces, std::vector<std::string>{"ok"});
}

const char kMessageJson[] =
    R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",)"
    R"("content":[{"type":"thinking","thinking":"x","signature":"s"},{"type":"text","text":"SELECT "},)"
    R"({"type":"text","text":"42;"}],"stop_reason":"end_turn","stop_sequence":null,)"
    R"("usage":{"input_tokens":20,"cache_creation_input_tokens":null,"cache_read_input_tokens":5,"output_tokens":7}})";

TEST(AnthropicReplyDecoderTest, PlainJsonMessageFromAServerThatIgnoresStream) {
  for (size_t step : {size_t{0}, size_t{1}, size_t{13}}) {
    const Decoded d = decode(kMessageJson, step, 0, json_head());
    ASSERT_TRUE(d.reply.ok()) << d.reply.error().message;
    EXPECT_EQ(d.reply->text, "SELECT 42;");
    EXPECT_EQ(d.pieces, std::vector<std::string>{"SELECT 42;"});  // handed on once whole
    EXPECT_TRUE(d.complete);
    EXPECT_EQ(d.reply->model, "claude-sonnet-4-5-20250929");
    EXPECT_EQ(d.reply->stop_reason, "end_turn");
    EXPECT_EQ(d.reply->usage.prompt_tokens, 25);
    EXPECT_EQ(d.reply->usage.completion_tokens, 7);
  }
}

TEST(AnthropicReplyDecoderTest, BodyKindIsSniffedWithoutAContentType) {
  HttpHead bare;
  bare.status = 200;
  Decoded d = decode(std::string("\n  ") + kMessageJson, 1, 0, bare);
  ASSERT_TRUE(d.reply.ok()) << d.reply.error().message;
  EXPECT_EQ(d.reply->text, "SELECT 42;");
  d = decode(kStart + kBlock + text_delta("y") + end(), 1, 0, bare);
  ASSERT_TRUE(d.reply.ok()) << d.reply.error().message;
  EXPECT_EQ(d.reply->text, "y");
}

TEST(AnthropicReplyDecoderTest, JsonErrorWithStatus200IsAFailure) {
  const Decoded d = decode(
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_9"})",
      0, 0, json_head());
  ASSERT_TRUE(d.failure.has_value());
  EXPECT_TRUE(d.failure->retryable);
  EXPECT_TRUE(contains(d.failure->error.message, "Overloaded (overloaded_error)"));
  EXPECT_TRUE(contains(d.failure->error.message, "(request id req_9)"));
}

TEST(AnthropicReplyDecoderTest, JsonThatIsNotAMessageOrCutShort) {
  Decoded d = decode(R"({"hello":"world"})", 0, 0, json_head());
  ASSERT_FALSE(d.reply.ok());
  EXPECT_TRUE(contains(d.reply.error().message, "not an Anthropic message"));
  d = decode(std::string(kMessageJson).substr(0, 60), 0, 0, json_head());
  ASSERT_FALSE(d.reply.ok());
  EXPECT_TRUE(contains(d.reply.error().message, "neither an event stream nor JSON"));
  d = decode("", 0, 0, json_head());
  ASSERT_FALSE(d.reply.ok());
  EXPECT_TRUE(contains(d.reply.error().message, "sent an empty reply body"));
}

TEST(AnthropicReplyDecoderTest, TheApiKeyNeverAppearsInAStreamError) {
  const Decoded d =
      decode(kStart + event("error", R"({"type":"error","error":{"type":"authentication_error",)"
                                     R"("message":"key sk-ant-secret-key revoked"}})"));
  ASSERT_TRUE(d.failure.has_value());
  EXPECT_FALSE(contains(d.failure->error.message, "sk-ant-secret-key")) << d.failure->error.message;
  EXPECT_TRUE(contains(d.failure->error.message, "key <api key> revoked"));
}

}  // namespace
}  // namespace askdb::llm
