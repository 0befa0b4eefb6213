#include "server/request_target.h"

#include <algorithm>
#include <cctype>

namespace askdb::server {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

std::optional<RequestTarget> parse_request_target(std::string_view target) {
  // Absolute form (RFC 9112 3.2.2): a server must accept it; the authority is ignored here.
  for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
    if (target.size() >= scheme.size() &&
        std::equal(scheme.begin(), scheme.end(), target.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      target.remove_prefix(scheme.size());
      const size_t slash = target.find_first_of("/?");
      if (slash == std::string_view::npos) {
        target = "/";
      } else if (target[slash] == '?') {
        return parse_request_target("/" + std::string(target.substr(slash)));
      } else {
        target.remove_prefix(slash);
      }
      break;
    }
  }
  if (target.empty() || target[0] != '/') return std::nullopt;
  if (target.find('#') != std::string_view::npos) return std::nullopt;

  RequestTarget out;
  const size_t question = target.find('?');
  out.raw_path = std::string(target.substr(0, question));
  std::optional<std::string> path = percent_decode(out.raw_path, false);
  if (!path) return std::nullopt;
  out.path = std::move(*path);

  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      const size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      std::optional<std::string> name = percent_decode(pair.substr(0, eq), true);
      std::optional<std::string> value = percent_decode(
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
      if (!name || !value) return std::nullopt;
      out.query.emplace_back(std::move(*name), std::move(*value));
    }
  }
  return out;
}

}  // namespace askdb::server
