#include "chat/prompt_template.h"

namespace askdb::chat {
namespace {

Error template_error(const std::string& name, const std::string& what) {
  return make_error(ErrorCode::kConfig, "prompt template " + name + ": " + what +
                                            ". Fix the file or restore it from askdb's prompts/.");
}

Result<std::string> render_range(const std::string& text, size_t begin, size_t end,
                                 const PromptValues& values, const std::string& name) {
  std::string out;
  size_t pos = begin;
  while (pos < end) {
    const size_t open = text.find("{{", pos);
    if (open == std::string::npos || open >= end) {
      out.append(text, pos, end - pos);
      break;
    }
    out.append(text, pos, open - pos);
    const size_t close = text.find("}}", open);
    if (close == std::string::npos || close >= end) {
      return template_error(name, "a \"{{\" is never closed");
    }
    const std::string tag = text.substr(open + 2, close - open - 2);
    if (tag.empty()) return template_error(name, "an empty {{}} tag");
    if (tag[0] == '#' || tag[0] == '^') {
      const std::string key = tag.substr(1);
      const std::string end_tag = "{{/" + key + "}}";
      const size_t inner_end = text.find(end_tag, close + 2);
      if (inner_end == std::string::npos || inner_end >= end) {
        return template_error(name, "section {{" + tag + "}} has no " + end_tag);
      }
      auto it = values.find(key);
      const bool non_empty = it != values.end() && !it->second.empty();
      if (non_empty == (tag[0] == '#')) {
        auto inner = render_range(text, close + 2, inner_end, values, name);
        if (!inner) return inner;
        out += *inner;
      }
      pos = inner_end + end_tag.size();
    } else if (tag[0] == '/') {
      return template_error(name, "{{" + tag + "}} closes a section that was never opened");
    } else {
      auto it = values.find(tag);
      if (it == values.end()) return template_error(name, "unknown value {{" + tag + "}}");
      out += it->second;
      pos = close + 2;
    }
  }
  return out;
}

}  // namespace

Result<std::string> render_template(const std::string& text, const PromptValues& values,
                                    const std::string& name) {
  auto out = render_range(text, 0, text.size(), values, name);
  if (!out) return out;
  std::string folded;
  size_t newlines = 0;
  for (char c : *out) {
    newlines = c == '\n' ? newlines + 1 : 0;
    if (newlines <= 2) folded += c;
  }
  while (!folded.empty() && (folded.back() == '\n' || folded.back() == ' ')) folded.pop_back();
  return folded + "\n";
}

}  // namespace askdb::chat
