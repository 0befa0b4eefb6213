// The test side of AWS's event-stream framing (application/vnd.amazon.eventstream): encodes
// messages (prelude, typed headers, payload, both CRC32s, big-endian) the way Amazon Bedrock
// sends them, so the fake Bedrock server and the decoder tests can produce real frames.
// The production code only decodes (llm/event_stream.h); this is its mirror image.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "llm/event_stream.h"

namespace askdb::test {

// One whole message: every header type of EventStreamHeaderType is written with its value
// (int_value for the integer kinds, bytes for byte arrays, strings and UUIDs).
std::string encode_event_stream_message(const std::vector<llm::EventStreamHeader>& headers,
                                        std::string_view payload);

// A string header.
llm::EventStreamHeader string_header(std::string name, std::string value);

// A ConverseStream event as Bedrock frames it: headers ":event-type" `event_type`,
// ":content-type" "application/json", ":message-type" "event"; `payload_json` as the payload.
std::string bedrock_event_frame(std::string_view event_type, std::string_view payload_json);

// An exception inside the stream: ":exception-type" `exception_type` (lower camel case, as
// Bedrock sends it: "throttlingException"), ":content-type" "application/json",
// ":message-type" "exception"; `payload_json` as the payload ({"message": ...}).
std::string bedrock_exception_frame(std::string_view exception_type, std::string_view payload_json);

// An error message: ":error-code", ":error-message", ":message-type" "error"; no payload.
std::string bedrock_error_frame(std::string_view code, std::string_view message);

}  // namespace askdb::test
