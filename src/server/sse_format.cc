#include "server/sse_format.h"

namespace askdb::server {
namespace {

// Appends `prefix` + line + "\n" for each line of `text` (split at CRLF, LF or CR).
void append_lines(std::string& out, std::string_view prefix, std::string_view text) {
  size_t start = 0;
  for (;;) {
    const size_t end = text.find_first_of("\r\n", start);
    out.append(prefix);
    out.append(text.substr(start, end == std::string_view::npos ? text.npos : end - start));
    out.push_back('\n');
    if (end == std::string_view::npos) return;
    start = end + 1;
    if (text[end] == '\r' && start < text.size() && text[start] == '\n') ++start;
  }
}

}  // namespace

std::string format_sse_event(std::string_view name, std::string_view data) {
  std::string out;
  out.reserve(name.size() + data.size() + 16);
  if (!name.empty()) {
    out.append("event: ");
    for (char c : name) {
      if (c != '\r' && c != '\n') out.push_back(c);
    }
    out.push_back('\n');
  }
  append_lines(out, "data: ", data);
  out.push_back('\n');
  return out;
}

std::string format_sse_comment(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 4);
  append_lines(out, ": ", text);
  out.push_back('\n');
  return out;
}

}  // namespace askdb::server
