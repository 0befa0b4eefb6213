#include "pg/conninfo.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <map>
#include <memory>

namespace askdb::pg {
namespace {

// What libpq itself reads from `conninfo`: keyword → value, for the keywords that are set.
std::map<std::string, std::string> parsed(const std::string& conninfo) {
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), nullptr), &PQconninfoFree);
  std::map<std::string, std::string> out;
  if (!options) return out;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val != nullptr) out[o->keyword] = o->val;
  }
  return out;
}

TEST(ConninfoWithPassword, NoPasswordLeavesTheUrlAlone) {
  auto c = conninfo_with_password("postgres://u@h:5433/db?sslmode=require", "", "database.url");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, "postgres://u@h:5433/db?sslmode=require");
}

TEST(ConninfoWithPassword, JoinsToAUrlKeepingEverythingElse) {
  auto c = conninfo_with_password("postgresql://reader@db.internal:5433/shop?sslmode=verify-full",
                                  "s3cr'et\\ with space", "database.url");
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto kv = parsed(*c);
  EXPECT_EQ(kv["user"], "reader");
  EXPECT_EQ(kv["host"], "db.internal");
  EXPECT_EQ(kv["port"], "5433");
  EXPECT_EQ(kv["dbname"], "shop");
  EXPECT_EQ(kv["sslmode"], "verify-full");
  EXPECT_EQ(kv["password"], "s3cr'et\\ with space");
}

TEST(ConninfoWithPassword, JoinsToKeywordValueAndToNothing) {
  auto c = conninfo_with_password("host=h dbname='my db'", "pw", "store.url");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(parsed(*c)["dbname"], "my db");
  EXPECT_EQ(parsed(*c)["password"], "pw");
  // PG* variables name the server: only the password is added.
  auto empty = conninfo_with_password("", "pw", "database.url");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(parsed(*empty), (std::map<std::string, std::string>{{"password", "pw"}}));
}

TEST(ConninfoWithPassword, TwoPasswordsAreRefused) {
  auto c = conninfo_with_password("postgres://u:inurl@h/db", "pw", "database.url");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kConfig);
  EXPECT_NE(c.error().message.find("database.password"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("inurl"), std::string::npos) << "a password was repeated";
}

TEST(ConninfoWithPassword, UnreadableUrlSaysWhichSetting) {
  auto c = conninfo_with_password("postgres://h/db?nosuchoption=1", "pw", "store.url");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("store.url"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace askdb::pg
