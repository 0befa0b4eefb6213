// libFuzzer target for EventStreamDecoder (llm/event_stream.h). Any bytes must decode without a
// crash, a leak or undefined behaviour; feeding them in pieces (cut where splits.h says, and byte
// by byte) must give exactly the messages, failure and finish() of feeding them whole; and every
// message delivered must be exactly the bytes it came from: encoding it again from its decoded
// headers and payload gives those bytes back (and header()/string_header() find its headers).
// Checked with the default size limit and a small one, and with a sink that stops after a few
// messages.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "llm/event_stream.h"
#include "splits.h"

namespace {

using askdb::llm::EventStreamDecoder;
using askdb::llm::EventStreamHeader;
using askdb::llm::EventStreamHeaderType;
using askdb::llm::EventStreamMessage;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "EventStreamDecoder: %s\n", what);
  std::abort();
}

struct Outcome {
  std::vector<EventStreamMessage> messages;
  bool failed = false;
  std::string error;
  bool stopped = false;
  size_t buffered = 0;
  bool finish_ok = true;
  std::string finish_error;
};

Outcome decode(std::string_view data, const std::vector<size_t>& cuts, size_t max_bytes,
               size_t stop_after) {
  Outcome out;
  EventStreamDecoder decoder(max_bytes);
  const auto sink = [&](const EventStreamMessage& message) {
    out.messages.push_back(message);
    return stop_after == 0 || out.messages.size() < stop_after;
  };
  askdb::fuzz::feed_in_pieces(data, cuts, [&](std::string_view piece) {
    const askdb::Status status = decoder.feed(piece, sink);
    if (status.ok()) return true;
    out.failed = true;
    out.error = status.error().message;
    if (decoder.feed(std::string(16, '\0'), sink).ok()) fail("a failed decoder accepted more");
    return false;
  });
  out.stopped = decoder.stopped();
  out.buffered = decoder.buffered_bytes();
  if (decoder.message_count() != out.messages.size()) fail("message_count() disagrees with sink");
  if (out.buffered > max_bytes) fail("buffers more than the limit");
  const askdb::Status finished = decoder.finish();
  out.finish_ok = finished.ok();
  if (!finished.ok()) out.finish_error = finished.error().message;
  return out;
}

bool same_header(const EventStreamHeader& a, const EventStreamHeader& b) {
  return a.name == b.name && a.type == b.type && a.int_value == b.int_value && a.bytes == b.bytes;
}

bool same_message(const EventStreamMessage& a, const EventStreamMessage& b) {
  if (a.total_length != b.total_length || a.headers_length != b.headers_length ||
      a.prelude_crc != b.prelude_crc || a.message_crc != b.message_crc || a.payload != b.payload ||
      a.headers.size() != b.headers.size()) {
    return false;
  }
  for (size_t i = 0; i < a.headers.size(); ++i) {
    if (!same_header(a.headers[i], b.headers[i])) return false;
  }
  return true;
}

void expect_same(const Outcome& whole, const Outcome& split) {
  if (whole.messages.size() != split.messages.size()) fail("split feeding: message count differs");
  for (size_t i = 0; i < whole.messages.size(); ++i) {
    if (!same_message(whole.messages[i], split.messages[i]))
      fail("split feeding: a message differs");
  }
  if (whole.failed != split.failed || whole.error != split.error) fail("split feeding: failure");
  if (whole.stopped != split.stopped) fail("split feeding: stopped() differs");
  if (whole.buffered != split.buffered) fail("split feeding: buffered_bytes() differs");
  if (whole.finish_ok != split.finish_ok || whole.finish_error != split.finish_error) {
    fail("split feeding: finish() differs");
  }
}

void put_be(std::string& out, uint64_t v, size_t width) {
  for (size_t i = width; i-- > 0;) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// The wire bytes of `m`, from its decoded fields; checks each value is in its type's range.
std::string encode(const EventStreamMessage& m) {
  std::string headers;
  for (const EventStreamHeader& h : m.headers) {
    if (h.name.size() > 255) fail("a header name longer than 255 bytes");
    headers.push_back(static_cast<char>(h.name.size()));
    headers += h.name;
    headers.push_back(static_cast<char>(h.type));
    auto fixed = [&](size_t width) {
      const int64_t lo = width == 8 ? INT64_MIN : -(int64_t{1} << (8 * width - 1));
      const int64_t hi = width == 8 ? INT64_MAX : (int64_t{1} << (8 * width - 1)) - 1;
      if (h.int_value < lo || h.int_value > hi) fail("an integer header out of its type's range");
      put_be(headers, static_cast<uint64_t>(h.int_value), width);
    };
    switch (h.type) {
      case EventStreamHeaderType::kBoolTrue:
        if (h.int_value != 1) fail("a true header whose value is not 1");
        break;
      case EventStreamHeaderType::kBoolFalse:
        if (h.int_value != 0) fail("a false header whose value is not 0");
        break;
      case EventStreamHeaderType::kByte:
        fixed(1);
        break;
      case EventStreamHeaderType::kInt16:
        fixed(2);
        break;
      case EventStreamHeaderType::kInt32:
        fixed(4);
        break;
      case EventStreamHeaderType::kInt64:
      case EventStreamHeaderType::kTimestamp:
        fixed(8);
        break;
      case EventStreamHeaderType::kByteArray:
      case EventStreamHeaderType::kString:
        if (h.bytes.size() > 0xFFFF) fail("a header value longer than 65535 bytes");
        put_be(headers, h.bytes.size(), 2);
        headers += h.bytes;
        break;
      case EventStreamHeaderType::kUuid:
        if (h.bytes.size() != 16) fail("a UUID that is not 16 bytes");
        headers += h.bytes;
        break;
      default:
        fail("a header of an unknown type was delivered");
    }
  }
  std::string out;
  put_be(out, 16 + headers.size() + m.payload.size(), 4);
  put_be(out, headers.size(), 4);
  put_be(out, askdb::llm::crc32_ieee(out), 4);
  out += headers;
  out += m.payload;
  put_be(out, askdb::llm::crc32_ieee(out), 4);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  const std::vector<size_t> cuts = askdb::fuzz::cuts_for(data);
  std::vector<size_t> every_byte;
  if (size <= 4096) {
    for (size_t i = 1; i < size; ++i) every_byte.push_back(i);
  }
  const size_t stop_after = size == 0 ? 0 : static_cast<unsigned char>(data.back()) % 3;
  for (size_t max_bytes : {EventStreamDecoder::kDefaultMaxMessageBytes, size_t{64}}) {
    for (size_t stop : {size_t{0}, stop_after}) {
      const Outcome whole = decode(data, {}, max_bytes, stop);
      expect_same(whole, decode(data, cuts, max_bytes, stop));
      if (!every_byte.empty()) expect_same(whole, decode(data, every_byte, max_bytes, stop));
      // Each message is the bytes it was decoded from, back to back from the start.
      size_t at = 0;
      for (const EventStreamMessage& m : whole.messages) {
        if (m.total_length > max_bytes) fail("delivered a message over the limit");
        for (const EventStreamHeader& h : m.headers) {  // lookups find the first of a name
          const EventStreamHeader* first = m.header(h.name);
          if (first == nullptr || first->name != h.name) fail("header() misses a header");
          const bool is_string = first->type == EventStreamHeaderType::kString;
          if (m.string_header(h.name) != (is_string ? first->bytes : "")) {
            fail("string_header() disagrees with header()");
          }
        }
        if (encode(m) != data.substr(at, m.total_length)) {
          fail("a message encodes to other bytes than it was decoded from");
        }
        at += m.total_length;
      }
    }
  }
  return 0;
}
