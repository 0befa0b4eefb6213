// SseParser: an incremental Server-Sent Events parser, as the WHATWG HTML standard defines the
// event-stream format (section 9.2, "Server-sent events").
//
// Providers feed it the body bytes as they arrive, split anywhere (even inside a CRLF or a UTF-8
// sequence); it calls back with each complete event. It handles the event/data/id/retry fields,
// comments, multi-line data, CRLF/LF/CR line endings and a leading byte-order mark. Bytes are
// passed through as they are (no UTF-8 validation or replacement). Thread-compatible: one
// parser per stream, used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace askdb::llm {

struct SseEvent {
  std::string type = "message";  // the "event" field, "message" when absent
  std::string data;              // "data" lines joined with '\n' (no trailing '\n')
  std::string last_event_id;     // the last "id" seen so far in the stream (it persists)
};

// Receives each event; returns false to stop parsing (feed() then returns at once).
using SseSink = std::function<bool(const SseEvent& event)>;

class SseParser {
 public:
  // `max_event_bytes` bounds one line and one event's data, so a server that never ends a line
  // cannot exhaust memory; feed() fails once it is passed.
  explicit SseParser(size_t max_event_bytes = 16 * 1024 * 1024);

  // Parses `bytes`, calling `sink` for each event completed by them. Returns an error (kLlm)
  // when a line or an event grows past max_event_bytes; the parser is then unusable.
  // After the sink returns false, stopped() is true and further input is ignored.
  Status feed(std::string_view bytes, const SseSink& sink);

  // Marks the end of the stream. Per the standard an event not ended by a blank line is
  // discarded, not dispatched; returns true when such an incomplete event (or line) was
  // pending, so callers can report a stream that was cut off.
  bool finish();

  bool stopped() const { return stopped_; }
  // The reconnection time last set by a "retry" field, in milliseconds.
  std::optional<int64_t> retry_ms() const { return retry_ms_; }
  // Events dispatched so far.
  size_t event_count() const { return event_count_; }

 private:
  // Processes one complete line (without its terminator). Returns false when the sink stopped.
  bool process_line(std::string_view line, const SseSink& sink);
  bool dispatch(const SseSink& sink);

  size_t max_event_bytes_;
  std::string line_;           // the current, unfinished line
  bool bom_checked_ = false;   // the first bytes were checked for a BOM
  std::string bom_prefix_;     // up to 3 leading bytes held while deciding on a BOM
  bool after_cr_ = false;      // the previous byte was CR: a following LF belongs to it
  std::string data_;           // data buffer, each value followed by '\n' as the standard says
  std::string event_type_;     // event type buffer
  std::string last_event_id_;  // last event ID buffer (persists between events)
  std::optional<int64_t> retry_ms_;
  bool stopped_ = false;
  bool failed_ = false;
  size_t event_count_ = 0;
};

}  // namespace askdb::llm
