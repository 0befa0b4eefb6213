#include "llm/openai_stream.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace askdb::llm {
namespace {

const char kWho[] = "openai (gpt-4o at http://test)";

std::filesystem::path recorded_dir() {
  return std::filesystem::path(ASKDB_SHARED_DATA) /
         "llm-streams/openai-python/chat-completions-sse";
}

// The recorded body whose file name starts with `prefix` (see INDEX.tsv beside them).
std::string recorded(const std::string& prefix) {
  for (const auto& entry : std::filesystem::directory_iterator(recorded_dir())) {
    if (entry.path().filename().string().starts_with(prefix)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      return ss.str();
    }
  }
  ADD_FAILURE() << "no recorded stream " << prefix << " in " << recorded_dir();
  return "";
}

struct Decoded {
  Result<Reply> reply = Error{};
  std::vector<std::string> pieces;  // what on_text received
};

// Feeds `body` to a decoder in pieces of the sizes `rng` draws (0: the whole body at once).
Decoded decode(const std::string& body, uint32_t seed = 0, bool byte_by_byte = false) {
  Decoded out;
  ChatCompletionDecoder decoder(kWho, [&](std::string_view d) { out.pieces.emplace_back(d); });
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> size(1, 64);
  Status st = ok_status();
  for (size_t at = 0; at < body.size() && st.ok();) {
    size_t n = body.size() - at;
    if (byte_by_byte)
      n = 1;
    else if (seed != 0)
      n = std::min(n, size(rng));
    st = decoder.feed_sse(std::string_view(body).substr(at, n));
    at += n;
  }
  out.reply = st.ok() ? decoder.finish() : Result<Reply>(st.error());
  return out;
}

std::string joined(const std::vector<std::string>& pieces) {
  std::string s;
  for (const auto& p : pieces) s += p;
  return s;
}

// What each recorded real OpenAI stream must decode to (tests/data: one row per file).
struct RecordedCase {
  const char* prefix;  // file name prefix
  const char* test;    // the openai-python test that recorded it
  const char* text;    // the reply text, or nullptr when an error is expected
  const char* error;   // a part of the expected error message
  const char* stop_reason;
  int64_t prompt_tokens;
  int64_t completion_tokens;
};

const RecordedCase kRecorded[] = {
    {"e2aad469b71d", "test_parse_nothing",
     "I'm unable to provide real-time weather updates. To get the current weather in San "
     "Francisco, I recommend checking a reliable weather website or a weather app.",
     nullptr, "stop", 14, 30},
    {"7e5ea4d12e7c", "test_parse_pydantic_model",
     R"({"city":"San Francisco","temperature":61,"units":"f"})", nullptr, "stop", 79, 14},
    {"a491adda08c3", "test_parse_pydantic_model_multiple_choices (n=3, choice 0 only)",
     R"({"city":"San Francisco","temperature":65,"units":"f"})", nullptr, "stop", 79, 42},
    {"4cc50a6135d2", "test_parse_max_tokens_reached", R"({")", nullptr, "length", 79, 1},
    {"83b060bae42e", "test_content_logprobs_events", "Foo!", nullptr, "stop", 9, 2},
    {"173417d55340", "test_parse_pydantic_model_refusal", nullptr,
     "declined to answer: I'm sorry, I can't assist with that request.", nullptr, 0, 0},
    {"569c877e6942", "test_refusal_logprobs_events", nullptr,
     "declined to answer: I'm very sorry, but I can't assist with that.", nullptr, 0, 0},
    {"c6aa7e397b71", "test_parse_pydantic_tool", nullptr, "tool call instead of text", nullptr, 0,
     0},
    {"f82268f2fefd", "test_parse_multiple_pydantic_tools", nullptr, "tool call", nullptr, 0, 0},
    {"a247c49c5fcd", "test_parse_strict_tools", nullptr, "tool call", nullptr, 0, 0},
    {"2018feb66ae1", "test_allows_non_strict_tools_but_no_parsing", nullptr, "tool call", nullptr,
     0, 0},
    {"d61558011839", "test_non_pydantic_response_format", nullptr, nullptr, "stop", 19, 177},
};

TEST(OpenAiStreamTest, RecordedStreamsDecodeToTheirKnownContent) {
  if (!std::filesystem::is_directory(recorded_dir())) GTEST_SKIP() << "no recorded streams";
  for (const RecordedCase& c : kRecorded) {
    SCOPED_TRACE(std::string(c.prefix) + " " + c.test);
    const std::string body = recorded(c.prefix);
    const Decoded whole = decode(body);
    if (c.error != nullptr) {
      ASSERT_FALSE(whole.reply.ok());
      EXPECT_EQ(whole.reply.error().code, ErrorCode::kLlm);
      EXPECT_NE(whole.reply.error().message.find(c.error), std::string::npos)
          << whole.reply.error().message;
      EXPECT_TRUE(whole.reply.error().message.starts_with(kWho));
      continue;
    }
    ASSERT_TRUE(whole.reply.ok()) << whole.reply.error().message;
    if (c.text != nullptr) {
      EXPECT_EQ(whole.reply->text, c.text);
    }
    EXPECT_EQ(joined(whole.pieces), whole.reply->text);
    EXPECT_EQ(whole.reply->stop_reason, c.stop_reason);
    EXPECT_EQ(whole.reply->model, "gpt-4o-2024-08-06");
    EXPECT_EQ(whole.reply->usage.prompt_tokens, c.prompt_tokens);
    EXPECT_EQ(whole.reply->usage.completion_tokens, c.completion_tokens);
  }
}

TEST(OpenAiStreamTest, RecordedStreamsGiveTheSameReplyInAnyPieces) {
  if (!std::filesystem::is_directory(recorded_dir())) GTEST_SKIP() << "no recorded streams";
  for (const RecordedCase& c : kRecorded) {
    SCOPED_TRACE(c.prefix);
    const std::string body = recorded(c.prefix);
    const Decoded whole = decode(body);
    std::vector<Decoded> others;
    others.push_back(decode(body, 0, /*byte_by_byte=*/true));
    for (uint32_t seed = 1; seed <= 8; ++seed) others.push_back(decode(body, seed));
    for (const Decoded& d : others) {
      ASSERT_EQ(d.reply.ok(), whole.reply.ok());
      if (!d.reply.ok()) {
        EXPECT_EQ(d.reply.error().message, whole.reply.error().message);
        continue;
      }
      EXPECT_EQ(d.reply->text, whole.reply->text);
      EXPECT_EQ(d.pieces, whole.pieces);  // the same deltas, in the same order
      EXPECT_EQ(d.reply->usage.completion_tokens, whole.reply->usage.completion_tokens);
    }
  }
}

TEST(OpenAiStreamTest, LongRecordedReplyKeepsEveryByte) {
  if (!std::filesystem::is_directory(recorded_dir())) GTEST_SKIP() << "no recorded streams";
  const Decoded d = decode(recorded("d61558011839"), 7);
  ASSERT_TRUE(d.reply.ok());
  EXPECT_EQ(d.reply->text.size(), 615u);  // bytes: 608 characters, seven of them "°"
  EXPECT_TRUE(d.reply->text.starts_with("\n  {\n    \"location\": \"San Francisco, CA\""));
  EXPECT_NE(d.reply->text.find("18°C"), std::string::npos);  // UTF-8 intact across pieces
}

std::string chunk(const std::string& delta_json, const char* finish = nullptr) {
  return std::string(
             R"(data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[)") +
         R"({"index":0,"delta":)" + delta_json + R"(,"finish_reason":)" +
         (finish ? std::string("\"") + finish + "\"" : "null") + "}]}\n\n";
}

TEST(OpenAiStreamTest, MalformedChunkIsAClearError) {
  const Decoded d = decode(chunk(R"({"content":"a"})") + "data: {\"id\":\"c\",\"choi\n\n" +
                           chunk("{}", "stop") + "data: [DONE]\n\n");
  ASSERT_FALSE(d.reply.ok());
  EXPECT_EQ(d.reply.error().code, ErrorCode::kLlm);
  EXPECT_NE(d.reply.error().message.find("malformed chunk"), std::string::npos);
  EXPECT_NE(d.reply.error().message.find("{\"id\":\"c\",\"choi"), std::string::npos);
}

TEST(OpenAiStreamTest, ErrorObjectInTheStreamIsReported) {
  const Decoded d = decode(
      chunk(R"({"content":"a"})") +
      R"(data: {"error":{"message":"The server had an error while processing your request.","type":"server_error"}})" +
      "\n\n");
  ASSERT_FALSE(d.reply.ok());
  EXPECT_NE(d.reply.error().message.find("in the middle of its reply: The server had an error"),
            std::string::npos);
}

TEST(OpenAiStreamTest, StreamWithoutDoneOrFinishReasonEndedEarly) {
  Decoded d = decode(chunk(R"({"content":"SELECT"})") + chunk(R"({"content":" 1"})"));
  ASSERT_FALSE(d.reply.ok());
  EXPECT_NE(d.reply.error().message.find("the stream ended early"), std::string::npos);
  EXPECT_EQ(joined(d.pieces), "SELECT 1");  // what arrived was still delivered

  d = decode(chunk(R"({"content":"SELECT"})") + "data: {\"id\":");
  ASSERT_FALSE(d.reply.ok());
  EXPECT_NE(d.reply.error().message.find("cut in the middle of an event"), std::string::npos);
}

TEST(OpenAiStreamTest, FinishReasonWithoutDoneIsAccepted) {
  const Decoded d = decode(chunk(R"({"content":"ok"})") + chunk("{}", "stop"));
  ASSERT_TRUE(d.reply.ok());
  EXPECT_EQ(d.reply->text, "ok");
}

TEST(OpenAiStreamTest, EmptyReplyAndContentFilterAreErrors) {
  Decoded d = decode(chunk(R"({"role":"assistant","content":""})") + chunk("{}", "stop") +
                     "data: [DONE]\n\n");
  ASSERT_FALSE(d.reply.ok());
  EXPECT_NE(d.reply.error().message.find("empty reply"), std::string::npos);

  d = decode(chunk("{}", "length") + "data: [DONE]\n\n");
  ASSERT_FALSE(d.reply.ok());
  EXPECT_NE(d.reply.error().message.find("ASKDB_LLM_MAX_TOKENS"), std::string::npos);

  d = decode(chunk(R"({"content":"part"})") + chunk("{}", "content_filter") + "data: [DONE]\n\n");
  ASSERT_FALSE(d.reply.ok());
  EXPECT_NE(d.reply.error().message.find("content filter"), std::string::npos);
}

TEST(OpenAiStreamTest, IgnoresOtherChoicesCommentsAndUnknownFields) {
  const std::string other =
      R"(data: {"choices":[{"index":1,"delta":{"content":"NO"},"finish_reason":null}]})"
      "\n\n";
  const Decoded d =
      decode(": OPENROUTER PROCESSING\n\n" + other + chunk(R"({"content":"yes","x":1})") +
             chunk("{}", "stop") + "data: [DONE]\n\n");
  ASSERT_TRUE(d.reply.ok()) << d.reply.error().message;
  EXPECT_EQ(d.reply->text, "yes");
}

TEST(OpenAiStreamTest, DecodesAPlainChatCompletion) {
  std::vector<std::string> pieces;
  ChatCompletionDecoder decoder(kWho, [&](std::string_view d) { pieces.emplace_back(d); });
  ASSERT_TRUE(decoder
                  .decode_body(R"({"id":"chatcmpl-1","object":"chat.completion","model":"llama3",
      "choices":[{"index":0,"message":{"role":"assistant","content":"SELECT 2;"},
      "finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}})")
                  .ok());
  Result<Reply> r = decoder.finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "SELECT 2;");
  EXPECT_EQ(r->model, "llama3");
  EXPECT_EQ(r->usage.prompt_tokens, 12);
  EXPECT_EQ(r->usage.completion_tokens, 3);
  EXPECT_EQ(pieces, std::vector<std::string>{"SELECT 2;"});
}

TEST(OpenAiStreamTest, PlainBodyErrorsAreClear) {
  ChatCompletionDecoder bad_json(kWho, {});
  Status st = bad_json.decode_body("{\"choices\": [");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("not valid JSON"), std::string::npos);

  ChatCompletionDecoder no_choices(kWho, {});
  st = no_choices.decode_body(R"({"object":"list","data":[]})");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("without choices"), std::string::npos);

  ChatCompletionDecoder error(kWho, {});
  st = error.decode_body(R"({"error":"model 'llama9' not found"})");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("model 'llama9' not found"), std::string::npos);
}

TEST(OpenAiStreamTest, PlainBodyThatIsAnEventStreamIsDecoded) {
  // A server that streams but labels it text/plain.
  ChatCompletionDecoder decoder(kWho, {});
  ASSERT_TRUE(
      decoder.decode_body(chunk(R"({"content":"hi"})") + chunk("{}", "stop") + "data: [DONE]\n\n")
          .ok());
  Result<Reply> r = decoder.finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "hi");
}

}  // namespace
}  // namespace askdb::llm
