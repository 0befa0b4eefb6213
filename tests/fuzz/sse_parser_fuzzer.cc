// libFuzzer target for SseParser (llm/sse.h). Any bytes must parse without a crash, a leak or
// undefined behaviour, and feeding them in pieces (cut where splits.h says, and byte by byte) must
// give exactly what feeding them whole gives: the same events, retry time, failure and pending
// state at finish(). Checked with the default size limit and with a tiny one (so the limit's
// failure is reached), and with a sink that stops after a few events.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llm/sse.h"
#include "splits.h"

namespace {

using askdb::llm::SseEvent;
using askdb::llm::SseParser;

struct Outcome {
  std::vector<SseEvent> events;
  bool failed = false;
  std::string error;
  bool stopped = false;
  std::optional<int64_t> retry_ms;
  size_t event_count = 0;
  bool pending = false;
};

Outcome parse(std::string_view data, const std::vector<size_t>& cuts, size_t max_bytes,
              size_t stop_after) {
  Outcome out;
  SseParser parser(max_bytes);
  const auto sink = [&](const SseEvent& event) {
    out.events.push_back(event);
    return stop_after == 0 || out.events.size() < stop_after;
  };
  askdb::fuzz::feed_in_pieces(data, cuts, [&](std::string_view piece) {
    const askdb::Status status = parser.feed(piece, sink);
    if (status.ok()) return true;
    out.failed = true;
    out.error = status.error().message;
    // A parser that failed stays failed.
    if (parser.feed("data: x\n\n", sink).ok()) std::abort();
    return false;
  });
  out.stopped = parser.stopped();
  out.retry_ms = parser.retry_ms();
  out.event_count = parser.event_count();
  out.pending = parser.finish();
  if (out.event_count != out.events.size()) {
    std::fprintf(stderr, "event_count() %zu, but the sink saw %zu events\n", out.event_count,
                 out.events.size());
    std::abort();
  }
  return out;
}

void expect_same(const Outcome& whole, const Outcome& split, const char* how) {
  auto differ = [&](const char* what) {
    std::fprintf(stderr, "SseParser fed %s differs from fed whole: %s\n", how, what);
    std::abort();
  };
  if (whole.events.size() != split.events.size()) differ("event count");
  for (size_t i = 0; i < whole.events.size(); ++i) {
    if (whole.events[i].type != split.events[i].type) differ("event type");
    if (whole.events[i].data != split.events[i].data) differ("event data");
    if (whole.events[i].last_event_id != split.events[i].last_event_id) differ("last event id");
  }
  if (whole.failed != split.failed || whole.error != split.error) differ("failure");
  if (whole.stopped != split.stopped) differ("stopped()");
  if (whole.retry_ms != split.retry_ms) differ("retry_ms()");
  if (whole.pending != split.pending) differ("finish()");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  const std::vector<size_t> cuts = askdb::fuzz::cuts_for(data);
  std::vector<size_t> every_byte;
  if (size <= 4096) {
    for (size_t i = 1; i < size; ++i) every_byte.push_back(i);
  }
  const size_t stop_after = size == 0 ? 0 : static_cast<unsigned char>(data.back()) % 4;
  for (size_t max_bytes : {size_t{16} * 1024 * 1024, size_t{24}}) {
    for (size_t stop : {size_t{0}, stop_after}) {
      const Outcome whole = parse(data, {}, max_bytes, stop);
      expect_same(whole, parse(data, cuts, max_bytes, stop), "in pieces");
      if (!every_byte.empty()) {
        expect_same(whole, parse(data, every_byte, max_bytes, stop), "byte by byte");
      }
    }
  }
  return 0;
}
