#include "llm/event_stream.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace askdb::llm {
namespace {

constexpr size_t kPreludeBytes = 12;  // total length, headers length, prelude CRC
constexpr size_t kCrcBytes = 4;
constexpr size_t kMinMessageBytes = kPreludeBytes + kCrcBytes;

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

uint64_t read_be(std::string_view bytes, size_t at, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

std::string hex32(uint32_t v) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

// Parses the headers section `h` into `out`; returns an error message, or "" on success.
std::string parse_headers(std::string_view h, std::vector<EventStreamHeader>& out) {
  size_t pos = 0;
  auto truncated = [&](const std::string& what) {
    return "an event-stream header is truncated: its " + what + " runs past the end of the " +
           std::to_string(h.size()) + "-byte headers section";
  };
  while (pos < h.size()) {
    EventStreamHeader header;
    // A name may be empty: the format allows it, and AWS's decoders (C, Go, Rust, JavaScript)
    // accept it.
    const size_t name_len = static_cast<unsigned char>(h[pos++]);
    if (h.size() - pos < name_len + 1) return truncated("name");
    header.name.assign(h.substr(pos, name_len));
    pos += name_len;
    const auto type = static_cast<unsigned char>(h[pos++]);
    size_t width = 0;  // fixed-width integer values
    switch (type) {
      case 0:
      case 1:
        header.int_value = type == 0 ? 1 : 0;
        break;
      case 2:
        width = 1;
        break;
      case 3:
        width = 2;
        break;
      case 4:
        width = 4;
        break;
      case 5:
      case 8:
        width = 8;
        break;
      case 6:
      case 7: {
        if (h.size() - pos < 2) return truncated("value length (header \"" + header.name + "\")");
        const size_t len = read_be(h, pos, 2);
        pos += 2;
        if (h.size() - pos < len) return truncated("value (header \"" + header.name + "\")");
        header.bytes.assign(h.substr(pos, len));
        pos += len;
        break;
      }
      case 9:
        if (h.size() - pos < 16) return truncated("UUID value (header \"" + header.name + "\")");
        header.bytes.assign(h.substr(pos, 16));
        pos += 16;
        break;
      default:
        return "event-stream header \"" + header.name + "\" has an unknown value type " +
               std::to_string(type);
    }
    if (width > 0) {
      if (h.size() - pos < width) return truncated("value (header \"" + header.name + "\")");
      const uint64_t raw = read_be(h, pos, width);
      pos += width;
      // Sign-extend from `width` bytes.
      const unsigned shift = static_cast<unsigned>(64 - 8 * width);
      header.int_value = static_cast<int64_t>(raw << shift) >> shift;
    }
    header.type = static_cast<EventStreamHeaderType>(type);
    out.push_back(std::move(header));
  }
  return "";
}

}  // namespace

uint32_t crc32_ieee(std::string_view data, uint32_t crc) {
  crc = ~crc;
  for (char ch : data) crc = kCrcTable[(crc ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

const EventStreamHeader* EventStreamMessage::header(std::string_view name) const {
  for (const EventStreamHeader& h : headers) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

std::string_view EventStreamMessage::string_header(std::string_view name) const {
  const EventStreamHeader* h = header(name);
  if (h == nullptr || h->type != EventStreamHeaderType::kString) return {};
  return h->bytes;
}

EventStreamDecoder::EventStreamDecoder(size_t max_message_bytes)
    : max_message_bytes_(max_message_bytes < kMinMessageBytes ? kMinMessageBytes
                                                              : max_message_bytes) {}

Status EventStreamDecoder::fail(std::string message) {
  failed_ = true;
  buffer_.clear();
  return Error{ErrorCode::kLlm, std::move(message)};
}

Status EventStreamDecoder::feed(std::string_view bytes, const EventStreamSink& sink) {
  if (failed_) return Error{ErrorCode::kLlm, "the event stream was already rejected"};
  if (stopped_) return ok_status();

  while (!bytes.empty()) {
    // Take the prelude first, then exactly the rest of the message it announces: the buffer
    // never holds more than one message, and never more than the limit.
    size_t want = kPreludeBytes;
    if (buffer_.size() >= kPreludeBytes) want = read_be(buffer_, 0, 4);
    const size_t take = std::min(want - buffer_.size(), bytes.size());
    buffer_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);

    if (buffer_.size() == kPreludeBytes && want == kPreludeBytes) {
      const auto total = static_cast<uint32_t>(read_be(buffer_, 0, 4));
      const auto headers_len = static_cast<uint32_t>(read_be(buffer_, 4, 4));
      const auto stated = static_cast<uint32_t>(read_be(buffer_, 8, 4));
      const uint32_t computed = crc32_ieee(std::string_view(buffer_).substr(0, 8));
      if (stated != computed) {
        return fail("event-stream prelude checksum mismatch: the message states " + hex32(stated) +
                    ", its bytes give " + hex32(computed) + " (corrupt or misaligned stream)");
      }
      if (total < kMinMessageBytes) {
        return fail("an event-stream message declares a total length of " + std::to_string(total) +
                    " bytes, less than the " + std::to_string(kMinMessageBytes) +
                    " of an empty message");
      }
      if (headers_len > total - kMinMessageBytes) {
        return fail("an event-stream message declares " + std::to_string(headers_len) +
                    " bytes of headers, more than its total length of " + std::to_string(total) +
                    " bytes allows");
      }
      if (total > max_message_bytes_) {
        return fail("an event-stream message of " + std::to_string(total) +
                    " bytes exceeds the limit of " + std::to_string(max_message_bytes_) + " bytes");
      }
      continue;  // now wait for the rest of the message
    }
    if (buffer_.size() < kPreludeBytes || buffer_.size() < want) continue;

    // A complete message.
    const std::string_view m = buffer_;
    EventStreamMessage message;
    message.total_length = static_cast<uint32_t>(want);
    message.headers_length = static_cast<uint32_t>(read_be(m, 4, 4));
    message.prelude_crc = static_cast<uint32_t>(read_be(m, 8, 4));
    message.message_crc = static_cast<uint32_t>(read_be(m, want - kCrcBytes, 4));
    const uint32_t computed = crc32_ieee(m.substr(0, want - kCrcBytes));
    if (message.message_crc != computed) {
      return fail("event-stream message checksum mismatch: the message states " +
                  hex32(message.message_crc) + ", its bytes give " + hex32(computed) +
                  " (corrupt stream)");
    }
    std::string error =
        parse_headers(m.substr(kPreludeBytes, message.headers_length), message.headers);
    if (!error.empty()) return fail(std::move(error));
    const size_t payload_at = kPreludeBytes + message.headers_length;
    message.payload.assign(m.substr(payload_at, want - kCrcBytes - payload_at));
    buffer_.clear();
    ++message_count_;
    if (sink && !sink(message)) {
      stopped_ = true;
      return ok_status();
    }
  }
  return ok_status();
}

Status EventStreamDecoder::finish() {
  if (failed_) return Error{ErrorCode::kLlm, "the event stream was already rejected"};
  if (buffer_.empty() || stopped_) return ok_status();
  std::string message =
      "the event stream ended inside a message (" + std::to_string(buffer_.size()) + " bytes of ";
  if (buffer_.size() < kPreludeBytes) {
    message += "its 12-byte prelude received)";
  } else {
    message += std::to_string(read_be(buffer_, 0, 4)) + " received)";
  }
  return fail(std::move(message));
}

}  // namespace askdb::llm
