// EventStreamDecoder: an incremental decoder of AWS's binary event-stream framing
// (application/vnd.amazon.eventstream), in which Amazon Bedrock streams model output.
//
// Each message is a prelude (total length, headers length, CRC32 of those 8 bytes), typed
// headers, a payload and a CRC32 of everything before it, all big-endian. Callers feed the body
// bytes as they arrive, split anywhere; the decoder checks both CRCs and every length and calls
// back with each complete message. Corrupt input is an error value, never a crash, and a message
// over the size limit is refused before it is buffered. Thread-compatible: one decoder per
// stream, used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace askdb::llm {

// The wire type byte of a header value.
enum class EventStreamHeaderType : uint8_t {
  kBoolTrue = 0,
  kBoolFalse = 1,
  kByte = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kByteArray = 6,
  kString = 7,
  kTimestamp = 8,  // milliseconds since the Unix epoch
  kUuid = 9,
};

struct EventStreamHeader {
  std::string name;
  EventStreamHeaderType type = EventStreamHeaderType::kString;
  // Bool (0 or 1), byte, int16, int32, int64 and timestamp values, sign-extended.
  int64_t int_value = 0;
  // Byte array and string values, and the 16 bytes of a UUID.
  std::string bytes;
};

struct EventStreamMessage {
  uint32_t total_length = 0;
  uint32_t headers_length = 0;
  uint32_t prelude_crc = 0;
  uint32_t message_crc = 0;
  std::vector<EventStreamHeader> headers;
  std::string payload;

  // The first header called `name`, or nullptr.
  const EventStreamHeader* header(std::string_view name) const;
  // The value of the string header `name` (":event-type", ":message-type" …), or "" when there
  // is none or it is not a string.
  std::string_view string_header(std::string_view name) const;
};

// Receives each message; returns false to stop decoding (feed() then returns at once).
using EventStreamSink = std::function<bool(const EventStreamMessage& message)>;

class EventStreamDecoder {
 public:
  static constexpr size_t kDefaultMaxMessageBytes = 16 * 1024 * 1024;

  // Messages whose total length exceeds `max_message_bytes` are refused.
  explicit EventStreamDecoder(size_t max_message_bytes = kDefaultMaxMessageBytes);

  // Decodes `bytes`, calling `sink` for each message they complete. Returns an error (kLlm) on a
  // checksum mismatch, a length out of range, a malformed header or an oversized message; the
  // decoder is then unusable and every later feed() fails. After the sink returns false,
  // stopped() is true and further input is ignored.
  Status feed(std::string_view bytes, const EventStreamSink& sink);

  // Marks the end of the stream: an error (kLlm) when it ended inside a message.
  Status finish();

  bool stopped() const { return stopped_; }
  // Messages delivered so far.
  size_t message_count() const { return message_count_; }
  // Bytes held for a message not yet complete.
  size_t buffered_bytes() const { return buffer_.size(); }

 private:
  Status fail(std::string message);

  size_t max_message_bytes_;
  std::string buffer_;  // bytes of the current, incomplete message
  bool stopped_ = false;
  bool failed_ = false;
  size_t message_count_ = 0;
};

// CRC-32 (IEEE 802.3, as zlib's crc32) of `data`, continuing from `crc` (0 to start).
uint32_t crc32_ieee(std::string_view data, uint32_t crc = 0);

}  // namespace askdb::llm
