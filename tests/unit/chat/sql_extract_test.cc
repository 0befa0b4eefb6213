#include "chat/sql_extract.h"

#include <gtest/gtest.h>

namespace askdb::chat {
namespace {

std::string sql_of(const std::string& reply) {
  auto e = extract_sql(reply);
  return e ? e->sql : "<none>";
}

TEST(SqlExtract, SqlFence) {
  EXPECT_EQ(sql_of("Here you go:\n```sql\nSELECT 1\n```\nThis counts."), "SELECT 1");
  EXPECT_EQ(sql_of("```SQL\nSELECT a\nFROM t;\n```"), "SELECT a\nFROM t;");
  EXPECT_EQ(sql_of("```postgresql\nSELECT 2\n```"), "SELECT 2");
}

TEST(SqlExtract, SqlFenceWinsOverEarlierPlainFence) {
  EXPECT_EQ(sql_of("```\nsome text\n```\n```sql\nSELECT 3\n```"), "SELECT 3");
}

TEST(SqlExtract, PlainFence) {
  EXPECT_EQ(sql_of("```\nWITH x AS (SELECT 1) SELECT * FROM x\n```"),
            "WITH x AS (SELECT 1) SELECT * FROM x");
}

TEST(SqlExtract, LeadingProseAndTrailingExplanation) {
  EXPECT_EQ(sql_of("Sure! The query is:\n\nSELECT name\nFROM products\nORDER BY name;\n\nThis "
                   "lists every product."),
            "SELECT name\nFROM products\nORDER BY name;");
}

TEST(SqlExtract, BlankLineInsideStatement) {
  EXPECT_EQ(sql_of("SELECT a\n\nFROM t\n\nWHERE a > 1\n\nThat filters."),
            "SELECT a\n\nFROM t\n\nWHERE a > 1");
}

TEST(SqlExtract, SqlQueryPrefix) {
  EXPECT_EQ(sql_of("SQLQuery: SELECT count(*) FROM orders\nSQLResult: 5\nAnswer: five"),
            "SELECT count(*) FROM orders");
  EXPECT_EQ(sql_of("SQLQuery:\nSELECT 1"), "SELECT 1");
}

TEST(SqlExtract, TwoStatementsAreKeptForTheGuardToRefuse) {
  EXPECT_EQ(sql_of("SELECT 1;\nDELETE FROM t;"), "SELECT 1;\nDELETE FROM t;");
}

TEST(SqlExtract, DmlIsExtractedNotJudged) {
  EXPECT_EQ(sql_of("```sql\nDELETE FROM orders\n```"), "DELETE FROM orders");
}

TEST(SqlExtract, NoSql) {
  EXPECT_FALSE(extract_sql("I am not sure what you mean.").has_value());
  EXPECT_FALSE(extract_sql("").has_value());
  EXPECT_FALSE(extract_sql("```sql\n\n```").has_value());
}

TEST(SqlExtract, CannotAnswer) {
  auto e = extract_sql("```sql\n-- cannot answer: there is no weather data\n```");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->cannot_answer, "there is no weather data");
  EXPECT_TRUE(e->sql.empty());
}

}  // namespace
}  // namespace askdb::chat
