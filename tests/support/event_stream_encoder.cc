#include "support/event_stream_encoder.h"

#include <algorithm>
#include <cstdint>

namespace askdb::test {
namespace {

using llm::EventStreamHeader;
using llm::EventStreamHeaderType;

void put_be(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

std::string encode_headers(const std::vector<EventStreamHeader>& headers) {
  std::string out;
  for (const EventStreamHeader& h : headers) {
    out.push_back(static_cast<char>(h.name.size()));
    out += h.name;
    out.push_back(static_cast<char>(h.type));
    const auto value = static_cast<uint64_t>(h.int_value);
    switch (h.type) {
      case EventStreamHeaderType::kBoolTrue:
      case EventStreamHeaderType::kBoolFalse:
        break;
      case EventStreamHeaderType::kByte:
        put_be(out, value, 1);
        break;
      case EventStreamHeaderType::kInt16:
        put_be(out, value, 2);
        break;
      case EventStreamHeaderType::kInt32:
        put_be(out, value, 4);
        break;
      case EventStreamHeaderType::kInt64:
      case EventStreamHeaderType::kTimestamp:
        put_be(out, value, 8);
        break;
      case EventStreamHeaderType::kByteArray:
      case EventStreamHeaderType::kString:
        put_be(out, h.bytes.size(), 2);
        out += h.bytes;
        break;
      case EventStreamHeaderType::kUuid:
        out += h.bytes.substr(0, 16);
        out.append(16 - std::min<size_t>(16, h.bytes.size()), '\0');
        break;
    }
  }
  return out;
}

}  // namespace

std::string encode_event_stream_message(const std::vector<EventStreamHeader>& headers,
                                        std::string_view payload) {
  const std::string encoded_headers = encode_headers(headers);
  const uint64_t total = 12 + encoded_headers.size() + payload.size() + 4;
  std::string out;
  out.reserve(total);
  put_be(out, total, 4);
  put_be(out, encoded_headers.size(), 4);
  put_be(out, llm::crc32_ieee(out), 4);
  out += encoded_headers;
  out += payload;
  put_be(out, llm::crc32_ieee(out), 4);
  return out;
}

EventStreamHeader string_header(std::string name, std::string value) {
  EventStreamHeader h;
  h.name = std::move(name);
  h.type = EventStreamHeaderType::kString;
  h.bytes = std::move(value);
  return h;
}

std::string bedrock_event_frame(std::string_view event_type, std::string_view payload_json) {
  return encode_event_stream_message(
      {string_header(":event-type", std::string(event_type)),
       string_header(":content-type", "application/json"), string_header(":message-type", "event")},
      payload_json);
}

std::string bedrock_exception_frame(std::string_view exception_type,
                                    std::string_view payload_json) {
  return encode_event_stream_message({string_header(":message-type", "exception"),
                                      string_header(":exception-type", std::string(exception_type)),
                                      string_header(":content-type", "application/json")},
                                     payload_json);
}

std::string bedrock_error_frame(std::string_view code, std::string_view message) {
  return encode_event_stream_message(
      {string_header(":message-type", "error"), string_header(":error-code", std::string(code)),
       string_header(":error-message", std::string(message))},
      "");
}

}  // namespace askdb::test
