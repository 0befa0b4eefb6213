// Runs a slice of PostgreSQL's own regression SQL (ASKDB_SHARED_DATA/pg-regress) through the
// guard: nothing may crash, and every statement it accepts must, parsed again on its own, be one
// plain SELECT with no write, INTO, lock or deny-listed call anywhere, capped at the row cap.
// The slice (every other statement of two dozen files) covers queries and every kind of
// statement the guard refuses, in about 2 s in a Debug sanitizer build; the whole corpus (40,000
// statements) is too slow for the unit suite.
#include <gtest/gtest.h>
#include <pg_query.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "core/text.h"
#include "sqlguard/function_policy.h"
#include "sqlguard/guard.h"
#include "sqlguard/parse_tree.h"

namespace askdb::sqlguard {
namespace {

const std::string kCorpusDir = std::string(ASKDB_SHARED_DATA) + "/pg-regress";
const std::string kSnapshot = std::string(ASKDB_SOURCE_DIR) + "/tests/cases/guard/pg_proc.tsv";

constexpr const char* kFiles[] = {
    "select",       "with",         "window",  "aggregates",     "subselect",     "union",
    "groupingsets", "limit",        "insert",  "update",         "delete",        "merge",
    "copy2",        "transactions", "prepare", "portals",        "advisory_lock", "sequence",
    "select_into",  "largeobject",  "xmlmap",  "misc_functions", "dbsize",        "rangefuncs",
};

// The statements of `text`, as pg_query splits them (by the parser, else the scanner).
std::vector<std::string> split_statements(const std::string& text) {
  std::vector<std::string> out;
  PgQuerySplitResult split = pg_query_split_with_parser(text.c_str());
  if (split.error != nullptr) {
    pg_query_free_split_result(split);
    split = pg_query_split_with_scanner(text.c_str());
  }
  if (split.error == nullptr) {
    for (int i = 0; i < split.n_stmts; ++i) {
      out.push_back(text.substr(static_cast<size_t>(split.stmts[i]->stmt_location),
                                static_cast<size_t>(split.stmts[i]->stmt_len)));
    }
  }
  pg_query_free_split_result(split);
  return out;
}

// Why the parse tree of an accepted statement is not plainly read-only, or "" when it is.
// Written independently of the guard's own walk, recursively: accepted trees are shallow.
std::string forbidden_in(const nlohmann::json& node) {
  if (node.is_array()) {
    for (const auto& element : node) {
      if (auto why = forbidden_in(element); !why.empty()) return why;
    }
  } else if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string& key = it.key();
      if (key.size() > 4 && key.substr(key.size() - 4) == "Stmt" && key != "SelectStmt") {
        return key;
      }
      if (key == "intoClause" || key == "lockingClause") return key;
      if (key == "FuncCall") {
        const std::string name = it->value("funcname", nlohmann::json::array())
                                     .back()
                                     .value("String", nlohmann::json::object())
                                     .value("sval", "");
        if (denied_function_reason(name)) return "call to " + name;
      }
      if (auto why = forbidden_in(*it); !why.empty()) return why;
    }
  }
  return {};
}

TEST(GuardRegressCorpusTest, AcceptsOnlyReadOnlyQueries) {
  if (!std::filesystem::is_directory(kCorpusDir)) GTEST_SKIP() << "no " << kCorpusDir;
  auto catalog = FunctionCatalog::from_tsv_file(kSnapshot);
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;

  std::map<std::string, int> verdicts;
  int statements = 0;
  for (const char* file : kFiles) {
    std::string text;
    const std::string path = kCorpusDir + "/" + file + ".sql";
    ASSERT_TRUE(read_file(path, text)) << path;
    const std::vector<std::string> all = split_statements(text);
    for (size_t i = 0; i < all.size(); i += 2) {
      const std::string& sql = all[i];
      ++statements;
      const Verdict verdict = check(sql, *catalog, GuardOptions{});
      ASSERT_NE(verdict.accepted.has_value(), verdict.rejected.has_value()) << sql;
      if (verdict.rejected) {
        ++verdicts[refusal_name(verdict.rejected->refusal)];
        EXPECT_FALSE(verdict.rejected->message.empty()) << sql;
        continue;
      }
      ++verdicts["accepted"];
      const std::string& out = verdict.accepted->sql;
      const ParseTree tree = parse_sql(out);
      ASSERT_FALSE(tree.error) << file << ": the guarded SQL does not parse: " << out;
      ASSERT_EQ(tree.root["stmts"].size(), 1u) << file << ": " << out;
      EXPECT_EQ(forbidden_in(tree.root), "") << file << ": accepted:\n" << sql;
      const Verdict again = check(out, *catalog, GuardOptions{});
      ASSERT_TRUE(again.accepted) << file << ": " << out;
      EXPECT_FALSE(again.accepted->limit_applied) << file << ": not capped:\n" << out;
    }
  }
  std::cout << "[ corpus   ] " << statements << " statements:";
  for (const auto& [name, count] : verdicts) std::cout << " " << name << "=" << count;
  std::cout << "\n";
  EXPECT_GT(verdicts["accepted"], 500);
  EXPECT_GT(verdicts["not_a_query"], 500);
  for (const char* refusal : {"data_modifying_cte", "select_into", "locking", "denied_function",
                              "unknown_function", "parse_error"}) {
    EXPECT_GT(verdicts[refusal], 0) << refusal;
  }
}

}  // namespace
}  // namespace askdb::sqlguard
