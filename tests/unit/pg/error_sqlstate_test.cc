// pg::error_sqlstate: the SQLSTATE Connection appends to its error messages, read back.
#include <gtest/gtest.h>

#include "pg/connection.h"

namespace askdb::pg {
namespace {

std::string of(std::string message) {
  return error_sqlstate(Error{ErrorCode::kDatabase, std::move(message)});
}

TEST(ErrorSqlstateTest, ReadsTheLastMark) {
  EXPECT_EQ(of("column \"x\" does not exist (SQLSTATE 42703)"), "42703");
  EXPECT_EQ(of("canceling statement due to statement timeout (SQLSTATE 57014)\nThe query ran "
               "longer than query.statement_timeout_ms (100 ms)."),
            "57014");
  // A mark quoted inside the message comes before the real one.
  EXPECT_EQ(of("syntax error at \"(SQLSTATE 12345)\" (SQLSTATE 42601)"), "42601");
  EXPECT_EQ(of("relation does not exist (SQLSTATE 42P01)"), "42P01");
}

TEST(ErrorSqlstateTest, EmptyWithoutOne) {
  EXPECT_EQ(of("could not connect to server: Connection refused"), "");
  EXPECT_EQ(of("cut short (SQLSTATE 4270"), "");
  EXPECT_EQ(of("(SQLSTATE 42-03)"), "");
  EXPECT_EQ(of(""), "");
}

}  // namespace
}  // namespace askdb::pg
