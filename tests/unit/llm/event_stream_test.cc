// EventStreamDecoder over the aws-sdk-go event-stream vectors (shared/data/aws-eventstream):
// each encoded/positive message must decode to the JSON in decoded/positive, and each
// encoded/negative one must be refused with the error decoded/negative names, whether it is fed
// whole, split at every position, or byte by byte. Adding a vector is adding two files.
#include "llm/event_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace askdb::llm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path data_dir() { return fs::path(std::string(ASKDB_SHARED_DATA) + "/aws-eventstream"); }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> vector_names(const std::string& kind) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(data_dir() / "encoded" / kind, ec)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string base64_decode(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    const size_t v = kAlphabet.find(c);
    if (v == std::string::npos) continue;  // '=' padding
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Decoded {
  std::vector<EventStreamMessage> messages;
  Status status = ok_status();
};

// Feeds `bytes` in the pieces that `cuts` (ascending offsets) mark, then finishes.
Decoded decode(std::string_view bytes, const std::vector<size_t>& cuts) {
  Decoded out;
  EventStreamDecoder decoder;
  const auto sink = [&](const EventStreamMessage& m) {
    out.messages.push_back(m);
    return true;
  };
  size_t from = 0;
  for (size_t cut : cuts) {
    out.status = decoder.feed(bytes.substr(from, cut - from), sink);
    if (!out.status.ok()) return out;
    from = cut;
  }
  out.status = decoder.feed(bytes.substr(from), sink);
  if (out.status.ok()) out.status = decoder.finish();
  return out;
}

// Every way of feeding `bytes` the tests try: whole, split once at every position, byte by byte.
std::vector<std::vector<size_t>> feedings(size_t size) {
  std::vector<std::vector<size_t>> all = {{}};
  for (size_t i = 1; i < size; ++i) all.push_back({i});
  std::vector<size_t> each;
  for (size_t i = 1; i < size; ++i) each.push_back(i);
  all.push_back(each);
  return all;
}

void expect_matches(const EventStreamMessage& m, const json& want) {
  EXPECT_EQ(m.total_length, want.at("total_length").get<uint32_t>());
  EXPECT_EQ(m.headers_length, want.at("headers_length").get<uint32_t>());
  // The JSON writes the CRCs as signed 32-bit integers.
  EXPECT_EQ(static_cast<int32_t>(m.prelude_crc), want.at("prelude_crc").get<int32_t>());
  EXPECT_EQ(static_cast<int32_t>(m.message_crc), want.at("message_crc").get<int32_t>());
  EXPECT_EQ(m.payload, base64_decode(want.at("payload").get<std::string>()));
  const json& headers = want.at("headers");
  ASSERT_EQ(m.headers.size(), headers.size());
  for (size_t i = 0; i < headers.size(); ++i) {
    const EventStreamHeader& got = m.headers[i];
    const json& h = headers[i];
    SCOPED_TRACE("header " + h.at("name").get<std::string>());
    EXPECT_EQ(got.name, h.at("name").get<std::string>());
    const int type = h.at("type").get<int>();
    EXPECT_EQ(static_cast<int>(got.type), type);
    const json& value = h.at("value");
    if (value.is_boolean()) {
      EXPECT_EQ(got.int_value, value.get<bool>() ? 1 : 0);
    } else if (value.is_number()) {
      EXPECT_EQ(got.int_value, value.get<int64_t>());
    } else {
      EXPECT_EQ(got.bytes, base64_decode(value.get<std::string>()));
    }
  }
}

class EventStreamPositiveTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EventStreamPositiveTest, DecodesInEveryFeeding) {
  const std::string bytes = read_file(data_dir() / "encoded/positive" / GetParam());
  const json want = json::parse(read_file(data_dir() / "decoded/positive" / GetParam()));
  ASSERT_FALSE(bytes.empty());
  for (const auto& cuts : feedings(bytes.size())) {
    SCOPED_TRACE("pieces: " + std::to_string(cuts.size() + 1) +
                 (cuts.size() == 1 ? ", cut at " + std::to_string(cuts[0]) : ""));
    const Decoded got = decode(bytes, cuts);
    ASSERT_TRUE(got.status.ok()) << got.status.error().message;
    ASSERT_EQ(got.messages.size(), 1u);
    expect_matches(got.messages[0], want);
  }
}

class EventStreamNegativeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EventStreamNegativeTest, IsRefusedInEveryFeeding) {
  const std::string bytes = read_file(data_dir() / "encoded/negative" / GetParam());
  std::string want = read_file(data_dir() / "decoded/negative" / GetParam());
  while (!want.empty() && std::isspace(static_cast<unsigned char>(want.back()))) want.pop_back();
  for (const auto& cuts : feedings(bytes.size())) {
    SCOPED_TRACE("pieces: " + std::to_string(cuts.size() + 1));
    const Decoded got = decode(bytes, cuts);
    ASSERT_FALSE(got.status.ok());
    EXPECT_EQ(got.status.error().code, ErrorCode::kLlm);
    EXPECT_NE(lower(got.status.error().message).find(lower(want)), std::string::npos)
        << got.status.error().message;
    EXPECT_TRUE(got.messages.empty());
  }
}

const auto kName = [](const ::testing::TestParamInfo<std::string>& info) { return info.param; };

INSTANTIATE_TEST_SUITE_P(EventStreamAws, EventStreamPositiveTest,
                         ::testing::ValuesIn(vector_names("positive")), kName);
INSTANTIATE_TEST_SUITE_P(EventStreamAws, EventStreamNegativeTest,
                         ::testing::ValuesIn(vector_names("negative")), kName);

TEST(EventStreamVectors, AreAllThere) {
  EXPECT_EQ(vector_names("positive").size(), 5u);
  EXPECT_EQ(vector_names("negative").size(), 4u);
}

std::string all_positive() {
  std::string stream;
  for (const std::string& name : vector_names("positive")) {
    stream += read_file(data_dir() / "encoded/positive" / name);
  }
  return stream;
}

TEST(EventStreamDecoderTest, DecodesAStreamOfMessagesInEveryFeeding) {
  const std::string stream = all_positive();
  const std::vector<std::string> names = vector_names("positive");
  for (const auto& cuts : feedings(stream.size())) {
    const Decoded got = decode(stream, cuts);
    ASSERT_TRUE(got.status.ok()) << got.status.error().message;
    ASSERT_EQ(got.messages.size(), names.size());
    for (size_t i = 0; i < names.size(); ++i) {
      expect_matches(got.messages[i],
                     json::parse(read_file(data_dir() / "decoded/positive" / names[i])));
    }
  }
}

TEST(EventStreamDecoderTest, TruncatedStreamFailsAtFinish) {
  const std::string bytes = read_file(data_dir() / "encoded/positive/all_headers");
  for (size_t keep = 1; keep < bytes.size(); ++keep) {
    EventStreamDecoder decoder;
    size_t seen = 0;
    ASSERT_TRUE(decoder
                    .feed(std::string_view(bytes).substr(0, keep),
                          [&](const auto&) {
                            ++seen;
                            return true;
                          })
                    .ok());
    const Status st = decoder.finish();
    ASSERT_FALSE(st.ok()) << keep;
    EXPECT_NE(st.error().message.find("ended inside a message"), std::string::npos);
    EXPECT_EQ(seen, 0u);
  }
}

TEST(EventStreamDecoderTest, RefusesAnOversizedMessageBeforeBufferingIt) {
  const std::string bytes = read_file(data_dir() / "encoded/positive/all_headers");  // 204 bytes
  EventStreamDecoder decoder(100);
  const Status st = decoder.feed(std::string_view(bytes).substr(0, 12), nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("exceeds the limit of 100 bytes"), std::string::npos);
  EXPECT_FALSE(decoder.feed(bytes, nullptr).ok());  // stays rejected
}

TEST(EventStreamDecoderTest, ReportsLengthsOutOfRange) {
  // Valid prelude CRCs over impossible lengths.
  auto prelude = [](uint32_t total, uint32_t headers) {
    std::string p;
    for (uint32_t v : {total, headers}) {
      for (int shift = 24; shift >= 0; shift -= 8) p.push_back(static_cast<char>(v >> shift));
    }
    const uint32_t crc = crc32_ieee(p);
    for (int shift = 24; shift >= 0; shift -= 8) p.push_back(static_cast<char>(crc >> shift));
    return p;
  };
  EventStreamDecoder short_one;
  Status st = short_one.feed(prelude(15, 0), nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("total length of 15"), std::string::npos);
  EventStreamDecoder big_headers;
  st = big_headers.feed(prelude(32, 17), nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("17 bytes of headers"), std::string::npos);
  EventStreamDecoder huge;
  st = huge.feed(prelude(0xFFFFFFFFu, 0), nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("exceeds the limit"), std::string::npos);
}

TEST(EventStreamDecoderTest, SinkCanStop) {
  const std::string stream = all_positive();
  EventStreamDecoder decoder;
  size_t seen = 0;
  ASSERT_TRUE(decoder.feed(stream, [&](const auto&) { return ++seen < 2; }).ok());
  EXPECT_EQ(seen, 2u);
  EXPECT_TRUE(decoder.stopped());
  EXPECT_TRUE(decoder.feed(stream, [&](const auto&) { return ++seen, true; }).ok());
  EXPECT_EQ(seen, 2u);
}

TEST(EventStreamDecoderTest, HeaderLookup) {
  const Decoded got = decode(read_file(data_dir() / "encoded/positive/all_headers"), {});
  ASSERT_TRUE(got.status.ok());
  const EventStreamMessage& m = got.messages.at(0);
  EXPECT_EQ(m.string_header("content-type"), "application/json");
  EXPECT_EQ(m.string_header("event-type"), "");  // an int32 header
  ASSERT_NE(m.header("byte"), nullptr);
  EXPECT_EQ(m.header("byte")->int_value, -49);
  EXPECT_EQ(m.header("missing"), nullptr);
}

TEST(EventStreamDecoderTest, AcceptsAnEmptyHeaderName) {
  // The format allows a 0-byte name and AWS's decoders accept it (found by tests/aws-differential:
  // @smithy/eventstream-codec writes one for a header called "").
  const std::string headers = std::string("\x00\x07\x00\x01z", 5);
  std::string message;
  auto put32 = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) message.push_back(static_cast<char>(v >> shift));
  };
  put32(static_cast<uint32_t>(16 + headers.size() + 2));
  put32(static_cast<uint32_t>(headers.size()));
  put32(crc32_ieee(message));
  message += headers + "hi";
  put32(crc32_ieee(message));
  const Decoded got = decode(message, {});
  ASSERT_TRUE(got.status.ok()) << got.status.error().message;
  ASSERT_EQ(got.messages.size(), 1u);
  ASSERT_EQ(got.messages[0].headers.size(), 1u);
  EXPECT_EQ(got.messages[0].headers[0].name, "");
  EXPECT_EQ(got.messages[0].string_header(""), "z");
  EXPECT_EQ(got.messages[0].payload, "hi");
}

TEST(EventStreamDecoderTest, Crc32MatchesZlib) {
  EXPECT_EQ(crc32_ieee(""), 0u);
  EXPECT_EQ(crc32_ieee("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32_ieee("56789", crc32_ieee("1234")), 0xCBF43926u);
}

}  // namespace
}  // namespace askdb::llm
