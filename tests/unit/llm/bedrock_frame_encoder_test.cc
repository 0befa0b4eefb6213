// The test-side event-stream encoder (tests/support/event_stream_encoder.h) that the fake
// Bedrock server and the decoder tests frame their events with: it must reproduce, byte for
// byte, every positive aws-sdk-go vector (shared/data/aws-eventstream) from its decoded headers
// and payload, and the real Bedrock exception frame from its headers and payload.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "llm/event_stream.h"
#include "support/event_stream_encoder.h"

namespace askdb::llm {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<EventStreamMessage> decode_all(std::string_view bytes) {
  std::vector<EventStreamMessage> out;
  EventStreamDecoder decoder;
  const Status st = decoder.feed(bytes, [&](const EventStreamMessage& m) {
    out.push_back(m);
    return true;
  });
  EXPECT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(decoder.finish().ok());
  return out;
}

TEST(BedrockFrameEncoderTest, ReproducesEveryPositiveVector) {
  const fs::path dir = fs::path(ASKDB_SHARED_DATA) / "aws-eventstream/encoded/positive";
  size_t checked = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    SCOPED_TRACE(entry.path().filename().string());
    const std::string bytes = read_file(entry.path());
    const auto messages = decode_all(bytes);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(test::encode_event_stream_message(messages[0].headers, messages[0].payload), bytes);
    ++checked;
  }
  EXPECT_GE(checked, 5u) << "no vectors under " << dir;
}

TEST(BedrockFrameEncoderTest, ReproducesTheRealBedrockExceptionFrame) {
  const std::string real = read_file(
      fs::path(ASKDB_SHARED_DATA) /
      "llm-streams/vercel-ai/bedrock-converse-stream/model-stream-error-exception.eventstream.bin");
  ASSERT_FALSE(real.empty());
  EXPECT_EQ(
      test::bedrock_exception_frame("modelStreamErrorException",
                                    R"({"message":"Model Stream Error","originalStatusCode":500,)"
                                    R"("originalMessage":"The model stream failed."})"),
      real);
}

TEST(BedrockFrameEncoderTest, EventFramesDecodeToTheirHeaders) {
  const std::string frame =
      test::bedrock_event_frame("contentBlockDelta", R"({"delta":{"text":"hi"}})") +
      test::bedrock_error_frame("InternalFailure", "boom");
  const auto messages = decode_all(frame);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].string_header(":event-type"), "contentBlockDelta");
  EXPECT_EQ(messages[0].string_header(":message-type"), "event");
  EXPECT_EQ(messages[0].string_header(":content-type"), "application/json");
  EXPECT_EQ(messages[0].payload, R"({"delta":{"text":"hi"}})");
  EXPECT_EQ(messages[1].string_header(":message-type"), "error");
  EXPECT_EQ(messages[1].string_header(":error-code"), "InternalFailure");
  EXPECT_EQ(messages[1].string_header(":error-message"), "boom");
  EXPECT_TRUE(messages[1].payload.empty());
}

}  // namespace
}  // namespace askdb::llm
