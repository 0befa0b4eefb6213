// The Server-Sent Events wire format (WHATWG HTML, "Server-sent events"): one event is an
// optional "event:" line, one "data:" line per line of its data, and a blank line. Pure
// functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace askdb::server {

// "event: <name>\ndata: <line>\n...\n\n". Data is split at CRLF, LF and CR, so a client joins
// the lines back with "\n"; empty data still yields one "data:" line (an event with no data
// line is never dispatched). An empty name leaves out the "event:" line (a "message" event).
// Line breaks in `name` are removed.
std::string format_sse_event(std::string_view name, std::string_view data);

// ": <line>\n...\n\n": a comment clients ignore (keeps proxies and idle timers from closing
// the stream).
std::string format_sse_comment(std::string_view text);

}  // namespace askdb::server
