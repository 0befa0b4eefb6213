#include "retrieval/privacy.h"

#include <gtest/gtest.h>

namespace askdb::retrieval {
namespace {

CatalogTable table(std::string schema, std::string name, std::vector<std::string> columns) {
  CatalogTable t;
  t.schema = std::move(schema);
  t.name = std::move(name);
  t.kind = "table";
  for (auto& c : columns) t.columns.push_back({c, "text", "", false});
  t.primary_key = {t.columns.front().name};
  return t;
}

TEST(Privacy, ParsesTablesAndColumnsAndRefusesOtherShapes) {
  auto rules = parse_privacy_rules(" public.customers.email,hr.*  *.*.ssn ");
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  EXPECT_EQ(rules->tables.size(), 1u);
  EXPECT_EQ(rules->columns.size(), 2u);
  EXPECT_TRUE(rules->column_is_private("public", "customers", "email"));
  EXPECT_FALSE(rules->column_is_private("public", "customers", "city"));
  EXPECT_TRUE(rules->column_is_private("sales", "people", "ssn"));
  EXPECT_TRUE(rules->table_is_private("hr", "salaries"));
  EXPECT_TRUE(rules->column_is_private("hr", "salaries", "amount"));  // its table is private
  EXPECT_FALSE(rules->table_is_private("public", "customers"));
  EXPECT_TRUE(parse_privacy_rules("").ok());
  for (const char* bad : {"customers", "a.b.c.d", "public..email", ".x"}) {
    auto r = parse_privacy_rules(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("schema.table.column"), std::string::npos);
  }
}

TEST(Privacy, RemovesPrivateTablesColumnsAndTheKeysThatNameThem) {
  Catalog c;
  c.tables.push_back(table("public", "customers", {"customer_id", "email", "city"}));
  c.tables.push_back(table("public", "orders", {"order_id", "customer_id", "email"}));
  c.tables.back().foreign_keys.push_back({{"customer_id"}, "public", "customers", {"customer_id"}});
  c.tables.push_back(table("hr", "salaries", {"employee_id", "amount"}));
  c.tables.push_back(table("public", "payroll_links", {"link_id", "employee_id"}));
  c.tables.back().foreign_keys.push_back({{"employee_id"}, "hr", "salaries", {"employee_id"}});
  c.tables.push_back(table("public", "logins", {"email", "at"}));  // the key is private

  auto rules = parse_privacy_rules("*.*.email, hr.*");
  ASSERT_TRUE(rules.ok());
  const Removed removed = remove_private(c, *rules);
  EXPECT_EQ(removed.tables, 1u);
  EXPECT_EQ(removed.columns, 2u + 3u);  // salaries' two, then three email columns
  ASSERT_EQ(c.tables.size(), 4u);
  for (const auto& t : c.tables) {
    EXPECT_NE(t.schema, "hr");
    for (const auto& col : t.columns) EXPECT_NE(col.name, "email") << t.name;
  }
  EXPECT_EQ(c.tables[1].foreign_keys.size(), 1u);  // orders → customers stays
  EXPECT_TRUE(c.tables[2].foreign_keys.empty());   // → hr.salaries is gone
  EXPECT_TRUE(c.tables[3].primary_key.empty());    // logins' key named email
  EXPECT_EQ(c.tables[0].primary_key, std::vector<std::string>{"customer_id"});
  EXPECT_TRUE(removed.unmatched.empty());
}

TEST(Privacy, UnreadablePrivateNamesAreNotListed) {
  Catalog c;
  c.tables.push_back(table("public", "customers", {"customer_id", "city"}));
  c.skipped.push_back({"hr", "salaries", "table", {}, "no SELECT privilege for role r"});
  c.skipped.push_back({"public", "customers", "table", {"ssn", "note"}, "no SELECT privilege"});
  c.skipped.push_back({"public", "people", "table", {"ssn"}, "no SELECT privilege"});
  c.skipped.push_back({"sales", "deals", "table", {}, "no SELECT privilege for role r"});
  auto rules = parse_privacy_rules("hr.*, *.*.ssn");
  ASSERT_TRUE(rules.ok());
  const Removed removed = remove_private(c, *rules);
  ASSERT_EQ(c.skipped.size(), 2u);
  EXPECT_EQ(c.skipped[0].name, "customers");
  EXPECT_EQ(c.skipped[0].columns, std::vector<std::string>{"note"});
  EXPECT_EQ(c.skipped[1].name, "deals");
  // A rule that matches only what cannot be read still matches: it is not a typo.
  EXPECT_EQ(removed.unmatched, std::vector<std::string>{});
}

TEST(Privacy, RulesIgnoreCaseAndTheOnesThatMatchNothingAreNamed) {
  Catalog c;
  c.tables.push_back(table("public", "customers", {"customer_id", "email"}));
  auto rules = parse_privacy_rules("Public.Customers.EMAIL, public.custmers.phone");
  ASSERT_TRUE(rules.ok());
  const Removed removed = remove_private(c, *rules);
  EXPECT_EQ(removed.columns, 1u);
  EXPECT_EQ(c.tables[0].columns.size(), 1u);
  EXPECT_EQ(removed.unmatched, std::vector<std::string>{"public.custmers.phone"});
}

}  // namespace
}  // namespace askdb::retrieval
