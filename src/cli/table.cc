#include "cli/table.h"

#include <algorithm>
#include <string>
#include <vector>

namespace askdb::cli {
namespace {

// Characters on screen: UTF-8 code points (continuation bytes do not count).
size_t width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string pad(const std::string& s, size_t w, bool right) {
  const size_t fill = w > width(s) ? w - width(s) : 0;
  return right ? std::string(fill, ' ') + s : s + std::string(fill, ' ');
}

// One line per cell, and nothing a terminal would obey: control characters (newlines, tabs,
// escape sequences stored in the data) become spaces.
std::string one_line(const std::string& s) {
  std::string out = s;
  for (auto& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  return out;
}

}  // namespace

void print_table(std::ostream& out, const chat::AskResult& r) {
  const size_t ncols = r.columns.size();
  if (ncols == 0) return;
  std::vector<size_t> widths(ncols);
  std::vector<bool> right(ncols);
  for (size_t c = 0; c < ncols; ++c) {
    widths[c] = width(r.columns[c].name);
    right[c] = pg::json_kind(r.columns[c].type_oid) == pg::JsonKind::kNumber;
  }
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : r.rows) {
    std::vector<std::string> line;
    for (size_t c = 0; c < ncols; ++c) {
      line.push_back(row[c] ? one_line(*row[c]) : "");
      widths[c] = std::max(widths[c], width(line.back()));
    }
    cells.push_back(std::move(line));
  }
  for (size_t c = 0; c < ncols; ++c) {
    const std::string& name = r.columns[c].name;
    const size_t left = (widths[c] - width(name)) / 2;
    out << (c ? "|" : "") << " " << pad(std::string(left, ' ') + name, widths[c], false) << " ";
  }
  out << "\n";
  for (size_t c = 0; c < ncols; ++c) {
    out << (c ? "+" : "") << std::string(widths[c] + 2, '-');
  }
  out << "\n";
  for (const auto& line : cells) {
    for (size_t c = 0; c < ncols; ++c) {
      std::string cell = pad(line[c], widths[c], right[c]);
      if (c + 1 == ncols && !right[c]) {
        while (!cell.empty() && cell.back() == ' ') cell.pop_back();
        out << (c ? "|" : "") << " " << cell << "\n";
      } else {
        out << (c ? "|" : "") << " " << cell << (c + 1 == ncols ? "\n" : " ");
      }
    }
  }
  const size_t n = r.rows.size();
  out << "(" << n << (n == 1 ? " row" : " rows");
  if (r.truncated) out << "; the row cap was reached, more may exist";
  out << ")\n";
}

}  // namespace askdb::cli
