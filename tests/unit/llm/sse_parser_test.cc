#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "llm/sse.h"

namespace askdb::llm {
namespace {

struct Seen {
  std::string type;
  std::string data;
  std::string id;
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << "{" << s.type << ", \"" << s.data << "\", id=" << s.id << "}";
}

// Parses `body` fed in the given pieces; returns the events and whether finish() saw leftovers.
std::vector<Seen> parse_pieces(const std::vector<std::string>& pieces, bool* incomplete = nullptr) {
  SseParser parser;
  std::vector<Seen> seen;
  for (const std::string& piece : pieces) {
    Status st = parser.feed(piece, [&](const SseEvent& e) {
      seen.push_back({e.type, e.data, e.last_event_id});
      return true;
    });
    EXPECT_TRUE(st.ok());
  }
  const bool pending = parser.finish();
  if (incomplete != nullptr) *incomplete = pending;
  return seen;
}

std::vector<Seen> parse_whole(const std::string& body, bool* incomplete = nullptr) {
  return parse_pieces({body}, incomplete);
}

std::vector<std::string> bytes_of(const std::string& body) {
  std::vector<std::string> out;
  for (char c : body) out.emplace_back(1, c);
  return out;
}

std::vector<std::string> random_pieces(const std::string& body, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> size(1, 97);
  std::vector<std::string> out;
  for (size_t at = 0; at < body.size();) {
    const size_t n = std::min(size(rng), body.size() - at);
    out.push_back(body.substr(at, n));
    at += n;
  }
  return out;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SseParserTest, DispatchesDataOnBlankLine) {
  EXPECT_EQ(parse_whole("data: hello\n\n"), (std::vector<Seen>{{"message", "hello", ""}}));
}

TEST(SseParserTest, JoinsMultiLineData) {
  // The standard's own example.
  EXPECT_EQ(parse_whole("data: YHOO\ndata: +2\ndata: 10\n\n"),
            (std::vector<Seen>{{"message", "YHOO\n+2\n10", ""}}));
}

TEST(SseParserTest, StripsOneSpaceAfterTheColonOnly) {
  EXPECT_EQ(parse_whole("data:test\n\ndata: test\n\ndata:  two\n\n"),
            (std::vector<Seen>{
                {"message", "test", ""}, {"message", "test", ""}, {"message", " two", ""}}));
}

TEST(SseParserTest, FieldWithoutColonHasEmptyValue) {
  // Also from the standard: "data\n\ndata\ndata\n\ndata:" gives "" then "\n"; the last is
  // discarded because no blank line ends it.
  bool incomplete = false;
  EXPECT_EQ(parse_whole("data\n\ndata\ndata\n\ndata:", &incomplete),
            (std::vector<Seen>{{"message", "", ""}, {"message", "\n", ""}}));
  EXPECT_TRUE(incomplete);
}

TEST(SseParserTest, EventTypeAndIdFields) {
  const std::string body =
      "event: add\ndata: 73857293\nid: 7\n\n"
      "data: no type\n\n"
      "event: remove\ndata: 2153\nid\n\n";
  EXPECT_EQ(parse_whole(body),
            (std::vector<Seen>{{"add", "73857293", "7"},
                               {"message", "no type", "7"},  // the id persists
                               {"remove", "2153", ""}}));    // "id" alone resets it
}

TEST(SseParserTest, IdWithNulIsIgnored) {
  static constexpr char kBody[] = "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n";
  const std::string body(kBody, sizeof kBody - 1);
  EXPECT_EQ(parse_whole(body), (std::vector<Seen>{{"message", "a", "1"}, {"message", "b", "1"}}));
}

TEST(SseParserTest, RetryTakesOnlyDigits) {
  SseParser parser;
  ASSERT_TRUE(parser.feed("retry: 1500\n\n", {}).ok());
  EXPECT_EQ(parser.retry_ms(), 1500);
  ASSERT_TRUE(parser.feed("retry: 2s\nretry: -1\nretry:\n\n", {}).ok());
  EXPECT_EQ(parser.retry_ms(), 1500);
}

TEST(SseParserTest, IgnoresCommentsUnknownFieldsAndEventsWithoutData) {
  EXPECT_EQ(parse_whole(": keep-alive\n\nevent: ping\n\nfoo: bar\ndata: x\n\n"),
            (std::vector<Seen>{{"message", "x", ""}}));
}

TEST(SseParserTest, EventTypeDoesNotLeakIntoTheNextEvent) {
  EXPECT_EQ(parse_whole("event: a\n\ndata: 1\n\n"), (std::vector<Seen>{{"message", "1", ""}}));
}

TEST(SseParserTest, AcceptsCrlfCrAndLfLineEndings) {
  const std::vector<Seen> want{{"message", "one\ntwo", ""}, {"e", "three", ""}};
  EXPECT_EQ(parse_whole("data: one\r\ndata: two\r\n\r\nevent: e\r\ndata: three\r\n\r\n"), want);
  EXPECT_EQ(parse_whole("data: one\rdata: two\r\revent: e\rdata: three\r\r"), want);
  EXPECT_EQ(parse_whole("data: one\r\ndata: two\n\revent: e\ndata: three\r\n\n"), want);
}

TEST(SseParserTest, CrlfSplitAcrossChunksIsOneLineEnd) {
  // "\r" ends a line; the "\n" arriving in the next chunk must not end a second (empty) one.
  EXPECT_EQ(parse_pieces({"data: a\r", "\ndata: b\r", "\n\r", "\n"}),
            (std::vector<Seen>{{"message", "a\nb", ""}}));
}

TEST(SseParserTest, StripsALeadingBomOnce) {
  EXPECT_EQ(parse_whole("\xEF\xBB\xBF"
                        "data: x\n\n"),
            (std::vector<Seen>{{"message", "x", ""}}));
  EXPECT_EQ(parse_pieces({"\xEF", "\xBB",
                          "\xBF"
                          "da",
                          "ta: x\n\n"}),
            (std::vector<Seen>{{"message", "x", ""}}));
  // A second BOM is part of the field name, which is then unknown.
  EXPECT_TRUE(parse_whole("\xEF\xBB\xBF\xEF\xBB\xBF"
                          "data: x\n\n")
                  .empty());
  // Bytes that only start like a BOM are kept.
  EXPECT_EQ(parse_pieces({"\xEF", "data: x\n\n"}).size(), 0u);
  EXPECT_EQ(parse_pieces({"d", "ata: x\n\n"}), (std::vector<Seen>{{"message", "x", ""}}));
}

TEST(SseParserTest, IncompleteEventAtEndIsDiscardedAndReported) {
  bool incomplete = false;
  EXPECT_EQ(parse_whole("data: a\n\ndata: [DONE]", &incomplete),
            (std::vector<Seen>{{"message", "a", ""}}));
  EXPECT_TRUE(incomplete);
  EXPECT_EQ(parse_whole("data: a\n\ndata: b\n", &incomplete).size(), 1u);
  EXPECT_TRUE(incomplete);
  parse_whole("data: a\n\n", &incomplete);
  EXPECT_FALSE(incomplete);
}

TEST(SseParserTest, SinkCanStopParsing) {
  SseParser parser;
  int calls = 0;
  ASSERT_TRUE(parser
                  .feed("data: 1\n\ndata: 2\n\ndata: 3\n\n",
                        [&](const SseEvent&) {
                          ++calls;
                          return false;
                        })
                  .ok());
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(parser.stopped());
  ASSERT_TRUE(parser.feed("data: 4\n\n", [&](const SseEvent&) { return ++calls, true; }).ok());
  EXPECT_EQ(calls, 1);
}

TEST(SseParserTest, RefusesAnEndlessLine) {
  SseParser parser(64);
  EXPECT_TRUE(parser.feed(std::string(40, 'x'), {}).ok());
  Status st = parser.feed(std::string(40, 'x'), {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kLlm);
  EXPECT_NE(st.error().message.find("larger than 64 bytes"), std::string::npos);
}

TEST(SseParserTest, RefusesAnEndlessEvent) {
  SseParser parser(64);
  Status st = ok_status();
  for (int i = 0; i < 20 && st.ok(); ++i) st = parser.feed("data: 0123456789\n", {});
  EXPECT_FALSE(st.ok());
}

TEST(SseParserTest, EverySplitPointGivesTheSameEvents) {
  const std::string body =
      "\xEF\xBB\xBF: comment\r\nevent: a\r\ndata: x\r\nid: 9\r\n\r\ndata:y\rdata: z\r\r"
      "retry: 10\ndata\n\ndata: last\n\n";
  const std::vector<Seen> whole = parse_whole(body);
  ASSERT_EQ(whole.size(), 4u);
  for (size_t i = 0; i <= body.size(); ++i) {
    for (size_t j = i; j <= body.size(); j += 3) {
      EXPECT_EQ(parse_pieces({body.substr(0, i), body.substr(i, j - i), body.substr(j)}), whole)
          << "split at " << i << " and " << j;
    }
  }
  EXPECT_EQ(parse_pieces(bytes_of(body)), whole);
}

// Every recorded real stream (OpenAI chat completions, Anthropic messages) parses to the same
// events whole, byte by byte, in random pieces, and with its line ends rewritten to CRLF or CR.
TEST(SseParserTest, RecordedStreamsParseTheSameInAnyPieces) {
  const std::filesystem::path root = std::filesystem::path(ASKDB_SHARED_DATA) / "llm-streams";
  std::vector<std::filesystem::path> files;
  for (const char* dir : {"openai-python/chat-completions-sse", "anthropic-sdk-python/sse",
                          "anthropic-sdk-python/sse-history"}) {
    if (!std::filesystem::is_directory(root / dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(root / dir)) {
      const std::string ext = entry.path().extension().string();
      if (ext == ".bin" || ext == ".sse" ||
          (ext == ".txt" && entry.path().stem() != "SOURCE_COMMITS")) {
        files.push_back(entry.path());
      }
    }
  }
  if (files.empty()) GTEST_SKIP() << "no recorded streams under " << root;
  EXPECT_GE(files.size(), 12u);

  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    const std::string body = read_bytes(path);
    bool incomplete = true;
    const std::vector<Seen> whole = parse_whole(body, &incomplete);
    ASSERT_FALSE(whole.empty());
    // OpenAI's recorded bodies end with a blank line; the Anthropic SDK fixtures omit the last
    // one (their last event, message_stop, is then incomplete by the standard).
    if (path.extension() == ".bin") {
      EXPECT_FALSE(incomplete);
    }
    bool incomplete_bytewise = !incomplete;
    EXPECT_EQ(parse_pieces(bytes_of(body), &incomplete_bytewise), whole);
    EXPECT_EQ(incomplete_bytewise, incomplete);
    for (uint32_t seed = 1; seed <= 5; ++seed)
      EXPECT_EQ(parse_pieces(random_pieces(body, seed)), whole);
    const std::string crlf = replace_all(body, "\n", "\r\n");
    EXPECT_EQ(parse_whole(crlf), whole);
    EXPECT_EQ(parse_pieces(random_pieces(crlf, 42)), whole);
    EXPECT_EQ(parse_whole(replace_all(body, "\n", "\r")), whole);
    EXPECT_EQ(parse_whole("\xEF\xBB\xBF" + body), whole);
  }
}

}  // namespace
}  // namespace askdb::llm
