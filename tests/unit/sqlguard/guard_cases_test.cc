// Runs the guard's data-driven cases: every tests/cases/guard/*.sql file, one gtest per case,
// named <file>_<line>, judged with the function catalog in tests/cases/guard/pg_proc.tsv.
// The file format is described in tests/cases/guard/README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "core/text.h"
#include "sqlguard/guard.h"

namespace askdb::sqlguard {
namespace {

const std::string kCaseDir = std::string(ASKDB_SOURCE_DIR) + "/tests/cases/guard";

struct GuardCase {
  std::string file;  // file name, e.g. "reject_functions.sql"
  int line = 0;      // line of the verdict
  bool accept = false;
  std::string refusal;  // reject: the expected refusal_name()
  int64_t row_cap = GuardOptions{}.row_cap;
  std::string sql;
  bool has_rewritten = false;
  bool unchanged = false;  // "-- rewritten: unchanged"
  std::string rewritten;
  std::vector<std::string> message_parts;
  std::string format_error;  // set when the block is malformed

  std::string where() const { return file + ":" + std::to_string(line); }
};

// gtest prints a failing parameter with this: where the case is.
void PrintTo(const GuardCase& c, std::ostream* os) { *os << c.where(); }

std::string strip_cr(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string join_lines(std::vector<std::string> lines) {
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
  while (!lines.empty() && trim(lines.front()).empty()) lines.erase(lines.begin());
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += '\n';
    out += lines[i];
  }
  return out;
}

// Parses one block (lines [begin, end) of the file, 1-based `first_line`).
GuardCase parse_block(const std::string& file, const std::vector<std::string>& lines, size_t begin,
                      size_t end) {
  GuardCase c;
  c.file = file;
  c.line = static_cast<int>(begin) + 1;
  size_t i = begin;
  // Leading blank and comment lines (a file's preamble) come before the verdict.
  while (i < end) {
    const std::string t(trim(lines[i]));
    if (t == "-- accept" || t.rfind("-- reject:", 0) == 0) break;
    if (!t.empty() && t.rfind("--", 0) != 0) {
      c.line = static_cast<int>(i) + 1;
      c.format_error = "expected \"-- accept\" or \"-- reject: <refusal>\" before the SQL";
      return c;
    }
    ++i;
  }
  if (i == end) {
    c.format_error = "block without a verdict line";
    return c;
  }
  c.line = static_cast<int>(i) + 1;
  const std::string verdict(trim(lines[i]));
  c.accept = verdict == "-- accept";
  if (!c.accept) c.refusal = std::string(trim(verdict.substr(std::string("-- reject:").size())));
  ++i;
  if (i < end && lines[i].rfind("-- row_cap:", 0) == 0) {
    c.row_cap = std::stoll(lines[i].substr(std::string("-- row_cap:").size()));
    ++i;
  }
  std::vector<std::string> sql;
  std::vector<std::string> rewritten;
  enum { kSql, kRewritten, kMessages } part = kSql;
  for (; i < end; ++i) {
    const std::string& l = lines[i];
    if (l == "-- rewritten:" || l == "-- rewritten: unchanged") {
      if (part != kSql || !c.accept) {
        c.format_error = "\"-- rewritten:\" belongs once in an accept case, after the SQL";
        return c;
      }
      c.has_rewritten = true;
      c.unchanged = l == "-- rewritten: unchanged";
      part = kRewritten;
    } else if (l.rfind("-- message:", 0) == 0) {
      if (c.accept) {
        c.format_error = "\"-- message:\" belongs in a reject case";
        return c;
      }
      c.message_parts.emplace_back(trim(l.substr(std::string("-- message:").size())));
      part = kMessages;
    } else if (part == kSql) {
      sql.push_back(l);
    } else if (part == kRewritten) {
      rewritten.push_back(l);
    } else if (!trim(l).empty()) {
      c.format_error = "only \"-- message:\" lines may follow a message";
      return c;
    }
  }
  c.sql = join_lines(sql);
  c.rewritten = join_lines(rewritten);
  if (c.unchanged && !c.rewritten.empty()) {
    c.format_error = "\"-- rewritten: unchanged\" takes no text";
  } else if (c.has_rewritten && !c.unchanged && c.rewritten.empty()) {
    c.format_error = "\"-- rewritten:\" without the expected SQL";
  }
  return c;
}

std::vector<GuardCase> load_cases() {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kCaseDir, ec)) {
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<GuardCase> cases;
  for (const auto& path : files) {
    std::string text;
    const std::string name = path.filename().string();
    if (!read_file(path.string(), text)) {
      GuardCase c;
      c.file = name;
      c.format_error = "cannot read the file";
      cases.push_back(c);
      continue;
    }
    std::vector<std::string> lines;
    for (auto& l : split(text, '\n')) lines.push_back(strip_cr(std::move(l)));
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    size_t begin = 0;
    for (size_t i = 0; i <= lines.size(); ++i) {
      if (i == lines.size() || lines[i] == "----") {
        bool blank = true;
        for (size_t k = begin; k < i; ++k) blank = blank && trim(lines[k]).empty();
        if (!blank) cases.push_back(parse_block(name, lines, begin, i));
        begin = i + 1;
      }
    }
  }
  if (cases.empty()) {
    GuardCase c;
    c.file = "(none)";
    c.format_error = "no cases found in " + kCaseDir;
    cases.push_back(c);
  }
  return cases;
}

std::string case_name(const testing::TestParamInfo<GuardCase>& info) {
  std::string name = info.param.file + "_" + std::to_string(info.param.line);
  for (auto& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

// The input as the guard returns it when it leaves it unchanged.
std::string trimmed_statement(std::string_view sql) {
  std::string_view s = trim(sql);
  while (!s.empty() && s.back() == ';') s = trim(s.substr(0, s.size() - 1));
  return std::string(s);
}

class GuardCaseTest : public testing::TestWithParam<GuardCase> {
 protected:
  static void SetUpTestSuite() {
    auto loaded = FunctionCatalog::from_tsv_file(kCaseDir + "/pg_proc.tsv");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    catalog_ = new FunctionCatalog(std::move(*loaded));
  }
  static void TearDownTestSuite() {
    delete catalog_;
    catalog_ = nullptr;
  }
  static const FunctionCatalog* catalog_;
};
const FunctionCatalog* GuardCaseTest::catalog_ = nullptr;

TEST_P(GuardCaseTest, Verdict) {
  const GuardCase& c = GetParam();
  SCOPED_TRACE(c.where());
  ASSERT_TRUE(c.format_error.empty()) << c.where() << ": " << c.format_error;
  ASSERT_NE(catalog_, nullptr);
  GuardOptions options;
  options.row_cap = c.row_cap;
  const Verdict verdict = check(c.sql, *catalog_, options);
  ASSERT_NE(verdict.accepted.has_value(), verdict.rejected.has_value()) << c.where();

  if (!c.accept) {
    ASSERT_TRUE(verdict.rejected) << c.where() << ": expected reject: " << c.refusal
                                  << ", but it was accepted as:\n"
                                  << verdict.accepted->sql;
    EXPECT_EQ(refusal_name(verdict.rejected->refusal), c.refusal)
        << c.where() << ": message: " << verdict.rejected->message;
    for (const auto& part : c.message_parts) {
      EXPECT_NE(verdict.rejected->message.find(part), std::string::npos)
          << c.where() << ": message lacks \"" << part << "\":\n"
          << verdict.rejected->message;
    }
    EXPECT_FALSE(verdict.rejected->message.empty()) << c.where();
    return;
  }

  ASSERT_TRUE(verdict.accepted) << c.where() << ": expected accept, but refused as "
                                << refusal_name(verdict.rejected->refusal) << ": "
                                << verdict.rejected->message;
  const GuardedSql& out = *verdict.accepted;
  EXPECT_EQ(out.row_cap, c.row_cap) << c.where();
  if (c.unchanged) {
    EXPECT_FALSE(out.limit_applied) << c.where();
    EXPECT_EQ(out.sql, trimmed_statement(c.sql)) << c.where();
  } else if (c.has_rewritten) {
    EXPECT_TRUE(out.limit_applied) << c.where();
    EXPECT_EQ(out.sql, c.rewritten) << c.where();
  }
  // Idempotent: the guarded SQL is accepted again, as it is.
  const Verdict again = check(out.sql, *catalog_, options);
  ASSERT_TRUE(again.accepted) << c.where()
                              << ": the rewritten SQL was refused: " << again.rejected->message
                              << "\n"
                              << out.sql;
  EXPECT_FALSE(again.accepted->limit_applied) << c.where() << ":\n" << out.sql;
  EXPECT_EQ(again.accepted->sql, out.sql) << c.where();
}

INSTANTIATE_TEST_SUITE_P(Files, GuardCaseTest, testing::ValuesIn(load_cases()), case_name);

}  // namespace
}  // namespace askdb::sqlguard
