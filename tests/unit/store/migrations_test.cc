#include "store/migrations.h"

#include <gtest/gtest.h>

namespace askdb::store {
namespace {

TEST(StoreMigrationsTest, EmbeddedInVersionOrderFromOne) {
  const auto migrations = embedded_migrations();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations.front().version, 1);
  EXPECT_EQ(migrations.front().name, "initial");
  for (size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_LT(migrations[i - 1].version, migrations[i].version);
  }
  for (const auto& m : migrations) {
    EXPECT_FALSE(m.sql.empty()) << m.version;
    EXPECT_NE(m.sql.find("{{schema}}."), std::string_view::npos)
        << "migration " << m.version << " must name its tables through {{schema}}";
  }
}

TEST(StoreMigrationsTest, PlaceholderBecomesTheQuotedSchema) {
  const Migration m{7, "x", "CREATE TABLE {{schema}}.a (); CREATE INDEX ON {{schema}}.a ();"};
  EXPECT_EQ(migration_sql(m, "askdb"),
            "CREATE TABLE \"askdb\".a (); CREATE INDEX ON \"askdb\".a ();");
  EXPECT_EQ(migration_sql(m, "we\"ird"),
            "CREATE TABLE \"we\"\"ird\".a (); CREATE INDEX ON \"we\"\"ird\".a ();");
  const std::string sql = migration_sql(embedded_migrations().front(), "app");
  EXPECT_EQ(sql.find("{{schema}}"), std::string::npos);
  EXPECT_NE(sql.find("CREATE TABLE \"app\".messages"), std::string::npos);
}

}  // namespace
}  // namespace askdb::store
