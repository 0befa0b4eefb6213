// Focused tests of check() and guard() beyond the data-driven cases: the Result form, names,
// messages, the row cap's edges, and concurrent use.
#include "sqlguard/guard.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace askdb::sqlguard {
namespace {

// A small catalog: what these tests call, and nothing else.
FunctionCatalog small_catalog() {
  FunctionCatalog catalog;
  catalog.add("count", Volatility::kImmutable);
  catalog.add("lower", Volatility::kImmutable);
  catalog.add("now", Volatility::kStable);
  catalog.add("random", Volatility::kVolatile);
  catalog.add("setseed", Volatility::kVolatile);
  catalog.add("pg_sleep", Volatility::kVolatile);
  return catalog;
}

TEST(GuardTest, GuardReturnsTheCappedQuery) {
  const FunctionCatalog catalog = small_catalog();
  auto result = guard("SELECT count(*) FROM t;", catalog, GuardOptions{});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->sql, "SELECT count(*) FROM t\nLIMIT 1000");
  EXPECT_TRUE(result->limit_applied);
  EXPECT_EQ(result->row_cap, 1000);
}

TEST(GuardTest, GuardRefusesWithCodeGuard) {
  const FunctionCatalog catalog = small_catalog();
  auto result = guard("DELETE FROM t", catalog, GuardOptions{});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kGuard);
  EXPECT_NE(result.error().message.find("DELETE is not allowed"), std::string::npos);
}

TEST(GuardTest, VerdictHoldsExactlyOneSide) {
  const FunctionCatalog catalog = small_catalog();
  for (const char* sql : {"SELECT 1", "SELECT pg_sleep(1)", "", "SELEC 1", "COMMIT"}) {
    const Verdict verdict = check(sql, catalog, GuardOptions{});
    EXPECT_NE(verdict.accepted.has_value(), verdict.rejected.has_value()) << sql;
  }
}

TEST(GuardTest, RefusalNamesAreDistinct) {
  std::set<std::string> names;
  for (Refusal r :
       {Refusal::kParseError, Refusal::kEmpty, Refusal::kMultipleStatements, Refusal::kNotAQuery,
        Refusal::kSelectInto, Refusal::kLocking, Refusal::kDataModifyingCte,
        Refusal::kDeniedFunction, Refusal::kVolatileFunction, Refusal::kUnknownFunction}) {
    names.insert(refusal_name(r));
  }
  EXPECT_EQ(names.size(), 10u);
  EXPECT_STREQ(refusal_name(Refusal::kDeniedFunction), "denied_function");
}

TEST(GuardTest, ParseErrorGivesPostgresMessageAndPosition) {
  const FunctionCatalog catalog = small_catalog();
  // "é" is two bytes but one character: the column counts characters, as PostgreSQL does.
  const Verdict verdict = check("SELECT 'é',\n  1 FROM FROM t", catalog, GuardOptions{});
  ASSERT_TRUE(verdict.rejected);
  EXPECT_EQ(verdict.rejected->refusal, Refusal::kParseError);
  EXPECT_NE(verdict.rejected->message.find("syntax error at or near \"FROM\" at line 2, column 10 "
                                           "(character 22)"),
            std::string::npos)
      << verdict.rejected->message;
}

TEST(GuardTest, NulByteIsRefused) {
  const FunctionCatalog catalog = small_catalog();
  const std::string sql("SELECT 1\0; DROP TABLE t", 23);
  const Verdict verdict = check(sql, catalog, GuardOptions{});
  ASSERT_TRUE(verdict.rejected);
  EXPECT_EQ(verdict.rejected->refusal, Refusal::kParseError);
}

TEST(GuardTest, KeptQueryEndingInLineCommentGetsANewline) {
  const FunctionCatalog catalog = small_catalog();
  const Verdict verdict = check("SELECT 1 LIMIT 5 -- five rows\n;", catalog, GuardOptions{});
  ASSERT_TRUE(verdict.accepted);
  EXPECT_EQ(verdict.accepted->sql, "SELECT 1 LIMIT 5 -- five rows\n");
  EXPECT_FALSE(verdict.accepted->limit_applied);
  // So a caller may append safely: the result still parses as one capped query.
  const Verdict again = check(verdict.accepted->sql + "OFFSET 1", catalog, GuardOptions{});
  ASSERT_TRUE(again.accepted);
  EXPECT_FALSE(again.accepted->limit_applied);
}

TEST(GuardTest, ZeroRowCapLeavesTheQueryAlone) {
  const FunctionCatalog catalog = small_catalog();
  GuardOptions options;
  options.row_cap = 0;
  const Verdict verdict = check("  SELECT * FROM t LIMIT ALL ;  ", catalog, options);
  ASSERT_TRUE(verdict.accepted);
  EXPECT_EQ(verdict.accepted->sql, "SELECT * FROM t LIMIT ALL");
  EXPECT_FALSE(verdict.accepted->limit_applied);
  EXPECT_EQ(verdict.accepted->row_cap, 0);
}

TEST(GuardTest, DeniedBeatsVolatileBeatsUnknown) {
  const FunctionCatalog catalog = small_catalog();
  const Verdict v1 = check("SELECT nope(1), setseed(0.1), pg_sleep(1)", catalog, GuardOptions{});
  ASSERT_TRUE(v1.rejected);
  EXPECT_EQ(v1.rejected->refusal, Refusal::kDeniedFunction);
  const Verdict v2 = check("SELECT nope(1), setseed(0.1)", catalog, GuardOptions{});
  ASSERT_TRUE(v2.rejected);
  EXPECT_EQ(v2.rejected->refusal, Refusal::kVolatileFunction);
  // Among equals, the first in the text.
  const Verdict v3 = check("SELECT first_unknown(second_unknown(1))", catalog, GuardOptions{});
  ASSERT_TRUE(v3.rejected);
  EXPECT_NE(v3.rejected->message.find("first_unknown"), std::string::npos);
}

TEST(GuardTest, DeniedFunctionWinsEvenWhenTheCatalogCallsItImmutable) {
  FunctionCatalog catalog = small_catalog();
  catalog.add("nextval", Volatility::kImmutable);  // a lying catalog does not let it through
  const Verdict verdict = check("SELECT nextval('s')", catalog, GuardOptions{});
  ASSERT_TRUE(verdict.rejected);
  EXPECT_EQ(verdict.rejected->refusal, Refusal::kDeniedFunction);
}

TEST(GuardTest, SafeFromManyThreads) {
  const FunctionCatalog catalog = small_catalog();
  std::vector<std::thread> threads;
  std::vector<int> good(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&catalog, &good, t] {
      for (int i = 0; i < 100; ++i) {
        const Verdict a = check("SELECT lower('x'), now() FROM t WHERE id = " + std::to_string(i),
                                catalog, GuardOptions{});
        const Verdict b =
            check("SELECT pg_sleep(" + std::to_string(i) + ")", catalog, GuardOptions{});
        if (a.accepted && b.rejected && b.rejected->refusal == Refusal::kDeniedFunction) {
          ++good[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(good[t], 100) << "thread " << t;
}

}  // namespace
}  // namespace askdb::sqlguard
