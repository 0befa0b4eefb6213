#include "store/sql_support.h"

#include <gtest/gtest.h>

namespace askdb::store::detail {
namespace {

TEST(StoreSqlSupportTest, CleanTextKeepsValidUtf8AndRepairsTheRest) {
  EXPECT_EQ(clean_text("S\xC3\xA3o Paulo \xF0\x9F\x93\x88"), "S\xC3\xA3o Paulo \xF0\x9F\x93\x88");
  EXPECT_EQ(clean_text("S\xE3o"), "S\xEF\xBF\xBDo");
  EXPECT_EQ(clean_text(std::string("a\0b", 3)), "ab");
  EXPECT_EQ(clean_text("\xC3"), "\xEF\xBF\xBD");
  EXPECT_EQ(clean_text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(StoreSqlSupportTest, JsonbParamIsTextPostgresAccepts) {
  EXPECT_EQ(jsonb_param(nullptr), std::nullopt);
  EXPECT_EQ(jsonb_param(nlohmann::json::array({1, "x"})), "[1,\"x\"]");
  // jsonb refuses \u0000 and invalid UTF-8, in values and keys alike.
  const nlohmann::json j = {{std::string("k\0", 2), std::string("v\0w", 3)}, {"s", "S\xE3o"}};
  EXPECT_EQ(*jsonb_param(j), "{\"k\":\"vw\",\"s\":\"S\xEF\xBF\xBDo\"}");
}

TEST(StoreSqlSupportTest, IsoTimestampSql) {
  EXPECT_EQ(iso_utc("m.created_at"),
            "to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')");
}

TEST(StoreSqlSupportTest, ErrorsSayWhatFailedAndWhatToDo) {
  const Error e =
      store_error("list conversations",
                  Error{ErrorCode::kDatabase,
                        "relation \"askdb.conversations\" does not exist (SQLSTATE 42P01)"});
  EXPECT_EQ(e.code, ErrorCode::kDatabase);
  EXPECT_NE(e.message.find("could not list conversations in the app store"), std::string::npos);
  EXPECT_NE(e.message.find("askdb migrate"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace askdb::store::detail
