// FunctionCatalog: function names and volatilities, read from a pg_proc snapshot.
#include <cerrno>
#include <cstring>
#include <string>

#include "core/text.h"
#include "sqlguard/guard.h"

namespace askdb::sqlguard {
namespace {

int rank(Volatility v) {
  switch (v) {
    case Volatility::kImmutable:
      return 0;
    case Volatility::kStable:
      return 1;
    case Volatility::kVolatile:
      return 2;
  }
  return 2;
}

}  // namespace

void FunctionCatalog::add(std::string_view name, Volatility volatility) {
  auto [it, inserted] = functions_.try_emplace(std::string(name), volatility);
  if (!inserted && rank(volatility) > rank(it->second)) it->second = volatility;
}

std::optional<Volatility> FunctionCatalog::lookup(std::string_view name) const {
  const auto it = functions_.find(std::string(name));
  if (it == functions_.end()) return std::nullopt;
  return it->second;
}

Result<FunctionCatalog> FunctionCatalog::from_tsv_file(const std::string& path) {
  std::string text;
  errno = 0;
  if (!read_file(path, text)) {
    const std::string why = errno != 0 ? std::string(": ") + std::strerror(errno) : "";
    return make_error(ErrorCode::kConfig, "Cannot read the function catalog " + path + why +
                                              ". Check the path and its permissions.");
  }
  FunctionCatalog catalog;
  size_t line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const auto fail = [&](const std::string& what) {
      return make_error(ErrorCode::kConfig,
                        path + ":" + std::to_string(line_no) + ": " + what +
                            "; expected \"name<TAB>volatility\" with volatility i, s or v "
                            "(as printed by SELECT proname, provolatile FROM pg_proc).");
    };
    const auto tab = line.find('\t');
    if (tab == std::string_view::npos) return fail("no tab");
    const std::string_view name = line.substr(0, tab);
    const std::string_view letter = line.substr(tab + 1);
    if (name.empty()) return fail("empty function name");
    if (letter.size() != 1) return fail("bad volatility \"" + std::string(letter) + "\"");
    switch (letter.front()) {
      case 'i':
        catalog.add(name, Volatility::kImmutable);
        break;
      case 's':
        catalog.add(name, Volatility::kStable);
        break;
      case 'v':
        catalog.add(name, Volatility::kVolatile);
        break;
      default:
        return fail("bad volatility \"" + std::string(letter) + "\"");
    }
  }
  return catalog;
}

}  // namespace askdb::sqlguard
