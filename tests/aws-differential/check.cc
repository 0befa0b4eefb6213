// aws_differential_check: askdb's SigV4 signer and event-stream decoder against the AWS SDK for
// JavaScript, on cases that gen-sigv4.mjs and gen-eventstream.mjs (beside this file) drew at random
// and had the SDK sign and encode.
//
//   aws_differential_check [--sigv4 FILE] [--eventstream FILE] [--seed N]
//
// SigV4: each request is signed with sign_with_headers and its Authorization header must equal
// the SDK's byte for byte; a mismatch prints both canonical requests from the first line that
// differs. Event stream: each stream is fed to an EventStreamDecoder whole, byte by byte (when
// small), in random pieces and in random small pieces (split points from --seed); every feeding
// must deliver exactly the SDK's messages, with the same headers (name, type, value) and payload,
// and end as the case says (ok, refused, or cut short). Prints the counts and every mismatch;
// exits 1 when there is one, 2 on a usage or file error.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "llm/event_stream.h"
#include "llm/sigv4.h"

namespace {

using askdb::llm::AwsCredentials;
using askdb::llm::EventStreamDecoder;
using askdb::llm::EventStreamMessage;
using askdb::llm::SigV4Params;
using askdb::llm::SigV4Request;
using nlohmann::json;

std::string base64_decode(std::string_view in) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    const size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) continue;  // '=' padding
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

// `s` with control and non-ASCII bytes escaped, for messages.
std::string printable(std::string_view s, size_t limit = 200) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (s.size() > limit) out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

bool read_json(const std::string& path, json& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "aws_differential_check: cannot read " << path << "\n";
    return false;
  }
  try {
    out = json::parse(in);
  } catch (const json::exception& e) {
    std::cerr << "aws_differential_check: " << path << " is not valid JSON: " << e.what() << "\n";
    return false;
  }
  return true;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Prints both canonical requests from the first line where they differ.
void print_canonical_diff(const std::string& sdk, const std::string& askdb) {
  const auto a = split_lines(sdk);
  const auto b = split_lines(askdb);
  size_t first = 0;
  while (first < a.size() && first < b.size() && a[first] == b[first]) ++first;
  std::cout << "    canonical requests differ from line " << first + 1 << ":\n";
  for (size_t i = first; i < a.size() && i < first + 4; ++i) {
    std::cout << "      sdk   | " << printable(a[i]) << "\n";
  }
  for (size_t i = first; i < b.size() && i < first + 4; ++i) {
    std::cout << "      askdb | " << printable(b[i]) << "\n";
  }
}

struct Tally {
  size_t cases = 0;
  size_t failed = 0;
};

Tally check_sigv4(const json& file) {
  Tally tally;
  for (const json& c : file.at("cases")) {
    ++tally.cases;
    const std::string name = c.at("name").get<std::string>();
    SigV4Request request;
    request.method = c.at("method").get<std::string>();
    request.path = c.at("path").get<std::string>();
    request.query = c.at("query").get<std::string>();
    for (const json& header : c.at("headers")) {
      request.headers.emplace_back(header.at(0).get<std::string>(),
                                   header.at(1).get<std::string>());
    }
    request.body = base64_decode(c.at("body_b64").get<std::string>());
    AwsCredentials credentials{c.at("access_key_id").get<std::string>(),
                               c.at("secret_access_key").get<std::string>(),
                               c.at("session_token").get<std::string>()};
    SigV4Params params;
    params.region = c.at("region").get<std::string>();
    params.service = c.at("service").get<std::string>();
    params.amz_date = c.at("amz_date").get<std::string>();
    params.normalize_path = true;
    params.add_content_sha256_header = c.at("add_content_sha256_header").get<bool>();

    const json& sdk = c.at("sdk");
    const std::string want = sdk.at("authorization").get<std::string>();
    const auto signature = sign_with_headers(request, credentials, params);
    if (!signature.ok()) {
      ++tally.failed;
      std::cout << "sigv4 MISMATCH " << name
                << ": askdb refused to sign: " << signature.error().message << "\n";
      continue;
    }
    if (signature->authorization == want) continue;
    ++tally.failed;
    std::cout << "sigv4 MISMATCH " << name << ": " << request.method << " "
              << printable(request.path) << (request.query.empty() ? "" : "?")
              << printable(request.query) << "\n"
              << "    sdk   Authorization: " << want << "\n"
              << "    askdb Authorization: " << signature->authorization << "\n";
    print_canonical_diff(sdk.at("canonical_request").get<std::string>(),
                         signature->canonical_request);
  }
  return tally;
}

struct Decoded {
  std::vector<EventStreamMessage> messages;
  bool feed_failed = false;
  bool finish_failed = false;
  std::string error;
};

// Feeds `bytes` to a fresh decoder in pieces ending at `cuts` (increasing offsets), then finishes.
Decoded decode(const std::string& bytes, const std::vector<size_t>& cuts) {
  Decoded out;
  EventStreamDecoder decoder;
  const auto sink = [&](const EventStreamMessage& m) {
    out.messages.push_back(m);
    return true;
  };
  size_t at = 0;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const size_t end = i < cuts.size() ? cuts[i] : bytes.size();
    const askdb::Status status = decoder.feed(std::string_view(bytes).substr(at, end - at), sink);
    at = end;
    if (!status.ok()) {
      out.feed_failed = true;
      out.error = status.error().message;
      return out;
    }
  }
  const askdb::Status finished = decoder.finish();
  if (!finished.ok()) {
    out.finish_failed = true;
    out.error = finished.error().message;
  }
  return out;
}

// Returns "" when `got` is the message `want` describes, else what differs.
std::string compare_message(const EventStreamMessage& got, const json& want) {
  auto differ = [](const std::string& what, const std::string& sdk, const std::string& askdb) {
    return what + ": sdk " + sdk + ", askdb " + askdb;
  };
  if (got.total_length != want.at("total_length").get<uint32_t>()) {
    return differ("total length", want.at("total_length").dump(), std::to_string(got.total_length));
  }
  if (got.headers_length != want.at("headers_length").get<uint32_t>()) {
    return differ("headers length", want.at("headers_length").dump(),
                  std::to_string(got.headers_length));
  }
  const json& headers = want.at("headers");
  if (got.headers.size() != headers.size()) {
    return differ("header count", std::to_string(headers.size()),
                  std::to_string(got.headers.size()));
  }
  for (size_t i = 0; i < headers.size(); ++i) {
    const json& h = headers[i];
    const auto& g = got.headers[i];
    const std::string name = base64_decode(h.at("name_b64").get<std::string>());
    const std::string where = "header " + std::to_string(i) + " (\"" + printable(name, 40) + "\")";
    if (g.name != name) return differ(where + " name", printable(name), printable(g.name));
    const int type = h.at("type").get<int>();
    if (static_cast<int>(g.type) != type) {
      return differ(where + " type", std::to_string(type),
                    std::to_string(static_cast<int>(g.type)));
    }
    if (h.contains("int")) {
      const int64_t value = std::stoll(h.at("int").get<std::string>());
      if (g.int_value != value) {
        return differ(where + " value", std::to_string(value), std::to_string(g.int_value));
      }
    } else {
      const std::string bytes = base64_decode(h.at("bytes_b64").get<std::string>());
      if (g.bytes != bytes) return differ(where + " value", printable(bytes), printable(g.bytes));
    }
  }
  const std::string payload = base64_decode(want.at("payload_b64").get<std::string>());
  if (got.payload != payload) return differ("payload", printable(payload), printable(got.payload));
  return "";
}

// Returns "" when the decoding matches the case, else what differs.
std::string compare_stream(const Decoded& got, const json& c) {
  const std::string outcome = c.at("outcome").get<std::string>();
  const json& messages = c.at("messages");
  if (outcome == "ok" && (got.feed_failed || got.finish_failed)) {
    return "the SDK decodes this stream, askdb refuses it after " +
           std::to_string(got.messages.size()) + " messages: " + got.error;
  }
  if (outcome == "error" && !got.feed_failed) {
    return "the SDK refuses a damaged message (" + c.value("damage", "") +
           "), askdb's feed() accepted the stream" +
           (got.finish_failed ? " (only finish() failed: " + got.error + ")" : "");
  }
  if (outcome == "truncated" && (got.feed_failed || !got.finish_failed)) {
    return "a stream cut short (" + c.value("damage", "") +
           ") should pass feed() and fail finish()" +
           (got.feed_failed ? "; feed() failed: " + got.error : "; finish() passed");
  }
  if (got.messages.size() != messages.size()) {
    return "the SDK has " + std::to_string(messages.size()) + " messages, askdb delivered " +
           std::to_string(got.messages.size());
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string diff = compare_message(got.messages[i], messages[i]);
    if (!diff.empty()) return "message " + std::to_string(i) + ": " + diff;
  }
  return "";
}

// The ways a stream of `size` bytes is fed: whole, byte by byte when small, in a few random
// pieces, and in random pieces of 1 to 16 bytes when not too large.
std::vector<std::pair<std::string, std::vector<size_t>>> feedings(size_t size,
                                                                  std::mt19937_64& rng) {
  std::vector<std::pair<std::string, std::vector<size_t>>> out;
  out.emplace_back("whole", std::vector<size_t>{});
  if (size < 2) return out;
  if (size <= 4096) {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < size; ++i) cuts.push_back(i);
    out.emplace_back("byte by byte", cuts);
  }
  for (int round = 0; round < 6; ++round) {
    std::uniform_int_distribution<size_t> count(1, std::min<size_t>(size - 1, 40));
    std::uniform_int_distribution<size_t> at(1, size - 1);
    std::vector<size_t> cuts(count(rng));
    for (size_t& cut : cuts) cut = at(rng);
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    out.emplace_back("random pieces (" + std::to_string(cuts.size() + 1) + ")", cuts);
  }
  if (size <= 256 * 1024) {
    std::uniform_int_distribution<size_t> step(1, 16);
    std::vector<size_t> cuts;
    for (size_t at = step(rng); at < size; at += step(rng)) cuts.push_back(at);
    out.emplace_back("small random pieces", cuts);
  }
  return out;
}

Tally check_eventstream(const json& file, uint64_t seed, size_t& messages_compared,
                        size_t& feedings_run) {
  Tally tally;
  std::mt19937_64 rng(seed);
  for (const json& c : file.at("cases")) {
    ++tally.cases;
    const std::string name = c.at("name").get<std::string>();
    const std::string bytes = base64_decode(c.at("stream_b64").get<std::string>());
    bool failed = false;
    for (const auto& [how, cuts] : feedings(bytes.size(), rng)) {
      ++feedings_run;
      const Decoded got = decode(bytes, cuts);
      messages_compared += c.at("messages").size();
      const std::string diff = compare_stream(got, c);
      if (diff.empty()) continue;
      failed = true;
      std::cout << "event stream MISMATCH " << name << " (" << bytes.size() << " bytes, fed " << how
                << "): " << diff << "\n";
    }
    if (failed) ++tally.failed;
  }
  return tally;
}

}  // namespace

int main(int argc, char** argv) {
  std::string sigv4_file;
  std::string eventstream_file;
  uint64_t seed = 20250604;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--sigv4" && i + 1 < argc) {
      sigv4_file = argv[++i];
    } else if (arg == "--eventstream" && i + 1 < argc) {
      eventstream_file = argv[++i];
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = std::stoull(argv[++i]);
    } else {
      std::cerr << "usage: aws_differential_check [--sigv4 FILE] [--eventstream FILE] [--seed N]\n";
      return 2;
    }
  }
  if (sigv4_file.empty() && eventstream_file.empty()) {
    std::cerr << "aws_differential_check: nothing to check; give --sigv4 and/or --eventstream\n";
    return 2;
  }

  size_t passed = 0;
  size_t failed = 0;
  if (!sigv4_file.empty()) {
    json file;
    if (!read_json(sigv4_file, file)) return 2;
    const Tally t = check_sigv4(file);
    std::cout << "sigv4: " << t.cases << " requests signed by " << file.value("generator", "?")
              << ": " << t.cases - t.failed << " identical Authorization headers, " << t.failed
              << " mismatches\n";
    passed += t.cases - t.failed;
    failed += t.failed;
  }
  if (!eventstream_file.empty()) {
    json file;
    if (!read_json(eventstream_file, file)) return 2;
    size_t messages = 0;
    size_t runs = 0;
    const Tally t = check_eventstream(file, seed, messages, runs);
    std::cout << "event stream: " << t.cases << " streams encoded by "
              << file.value("generator", "?") << ", " << runs << " feedings, " << messages
              << " messages compared: " << t.cases - t.failed << " streams identical, " << t.failed
              << " with mismatches\n";
    passed += t.cases - t.failed;
    failed += t.failed;
  }
  std::cout << "aws_differential: " << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}
