#include "llm/sse.h"

#include <limits>

namespace askdb::llm {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

SseParser::SseParser(size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

Status SseParser::feed(std::string_view bytes, const SseSink& sink) {
  if (failed_) return Error{ErrorCode::kLlm, "the event stream was already rejected"};
  if (stopped_) return ok_status();

  // A leading byte-order mark is dropped; hold the first bytes until we know.
  if (!bom_checked_) {
    while (!bytes.empty() && bom_prefix_.size() < kBom.size()) {
      bom_prefix_.push_back(bytes.front());
      bytes.remove_prefix(1);
      if (!kBom.starts_with(bom_prefix_)) break;
    }
    if (bom_prefix_ == kBom) {
      bom_checked_ = true;
      bom_prefix_.clear();
    } else if (!kBom.starts_with(bom_prefix_)) {
      bom_checked_ = true;
      std::string held;
      held.swap(bom_prefix_);
      Status st = feed(held, sink);
      if (!st.ok() || stopped_) return st;
    } else {
      return ok_status();  // still a possible BOM: wait for more bytes
    }
  }

  while (!bytes.empty()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes.front() == '\n') {
        bytes.remove_prefix(1);
        continue;
      }
    }
    const size_t end = bytes.find_first_of("\r\n");
    if (end == std::string_view::npos) {
      line_.append(bytes);
      break;
    }
    line_.append(bytes.substr(0, end));
    after_cr_ = bytes[end] == '\r';
    bytes.remove_prefix(end + 1);
    if (line_.size() > max_event_bytes_) break;
    std::string line;
    line.swap(line_);
    if (!process_line(line, sink)) {
      stopped_ = true;
      return ok_status();
    }
    if (data_.size() > max_event_bytes_) break;
  }
  if (line_.size() > max_event_bytes_ || data_.size() > max_event_bytes_) {
    failed_ = true;
    return Error{ErrorCode::kLlm, "an event in the stream is larger than " +
                                      std::to_string(max_event_bytes_) + " bytes"};
  }
  return ok_status();
}

bool SseParser::process_line(std::string_view line, const SseSink& sink) {
  if (line.empty()) return dispatch(sink);
  if (line.front() == ':') return true;  // a comment

  std::string_view field = line;
  std::string_view value;
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }

  if (field == "event") {
    event_type_.assign(value);
  } else if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
  } else if (field == "retry") {
    if (value.empty()) return true;
    int64_t ms = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return true;  // not all ASCII digits: ignored
      if (ms > (std::numeric_limits<int64_t>::max() - 9) / 10) return true;
      ms = ms * 10 + (c - '0');
    }
    retry_ms_ = ms;
  }
  // Any other field name is ignored.
  return true;
}

bool SseParser::dispatch(const SseSink& sink) {
  if (data_.empty()) {
    event_type_.clear();
    return true;
  }
  SseEvent event;
  data_.pop_back();  // the '\n' after the last data line
  event.data.swap(data_);
  if (!event_type_.empty()) event.type.swap(event_type_);
  event_type_.clear();
  event.last_event_id = last_event_id_;
  ++event_count_;
  return !sink || sink(event);
}

bool SseParser::finish() {
  const bool pending = !line_.empty() || !data_.empty() || !bom_prefix_.empty();
  line_.clear();
  data_.clear();
  event_type_.clear();
  bom_prefix_.clear();
  return pending;
}

}  // namespace askdb::llm
