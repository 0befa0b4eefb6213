// `askdb setup-role` as an operator runs it: the printed SQL, and --apply against the demo
// cluster as its administrator; then the role it made is used for real: it reads the demo
// tables, and it can write, create, lock or change nothing, whatever a client asks for.
#include <gtest/gtest.h>

#include <sstream>

#include "pg/read_only_role.h"
#include "support/demo_cluster.h"
#include "support/subprocess.h"
#include "support/test_database.h"

namespace askdb {
namespace {

using testing::DemoCluster;

class SetupRoleTest : public ::testing::Test {
 protected:
  void TearDown() override {
    auto admin = testing::connect(DemoCluster::get().cluster().admin_conninfo());
    (void)admin.exec("DROP OWNED BY " + pg::quote_ident(role_) + "; DROP ROLE IF EXISTS " +
                     pg::quote_ident(role_));
  }

  std::map<std::string, std::string> env() {
    auto e = testing::isolated_askdb_env(DemoCluster::get().home());
    e["ASKDB_ADMIN_URL"] = DemoCluster::get().cluster().admin_conninfo();
    e["READER_SECRET"] = password_;
    return e;
  }

  // key=value conninfo of the demo cluster, as `role_` with `password`.
  std::string role_conninfo(const std::string& password) const {
    std::string conninfo = DemoCluster::get().cluster().reader_conninfo();
    std::istringstream words(conninfo);
    std::string word;
    std::string out;
    while (words >> word) {
      if (word.starts_with("user=") || word.starts_with("password=")) continue;
      out += word + " ";
    }
    return out + "user=" + role_ + " password=" + password;
  }

  const std::string role_ = testing::unique_name("reader");
  const std::string password_ = "a-Reader-passw0rd-" + testing::unique_name("p");
};

TEST_F(SetupRoleTest, PrintsTheStatementsWithoutThePassword) {
  auto r = testing::run_subprocess({ASKDB_BINARY, "setup-role", "--role", role_, "--schemas",
                                    "public", "--password-env", "READER_SECRET"},
                                   env(), 60);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CREATE ROLE \"" + role_ + "\" LOGIN"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SET default_transaction_read_only = on"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SET statement_timeout = '30000ms'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("SET work_mem = '64MB'"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(password_), std::string::npos) << "the password was printed";
  // Nothing was run.
  auto admin = testing::connect(DemoCluster::get().cluster().admin_conninfo());
  auto found = admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", {role_});
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->rows.empty());
}

TEST_F(SetupRoleTest, AppliedRoleReadsAndCannotWrite) {
  const std::vector<std::string> argv = {ASKDB_BINARY,   "setup-role", "--apply", "--role",
                                         role_,          "--schemas",  "public",  "--password-env",
                                         "READER_SECRET"};
  auto r = testing::run_subprocess(argv, env(), 60);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("write 0; create in nothing; default_transaction_read_only on"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find(password_), std::string::npos);
  EXPECT_EQ(r.err.find(password_), std::string::npos);
  // Idempotent: a second run changes nothing and succeeds.
  auto again = testing::run_subprocess(argv, env(), 60);
  EXPECT_EQ(again.exit_code, 0) << again.err << again.out;

  auto reader = pg::Connection::open(role_conninfo(password_), "the new role");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto count = reader->query("SELECT count(*) FROM orders");
  ASSERT_TRUE(count.ok()) << count.error().message;
  EXPECT_GT(std::stoi(count->rows[0][0].value_or("0")), 0);
  auto setting = reader->query(
      "SELECT current_setting('statement_timeout'), current_setting('work_mem'), "
      "current_setting('transaction_read_only')");
  ASSERT_TRUE(setting.ok());
  EXPECT_EQ(setting->rows[0][0].value_or(""), "30s");
  EXPECT_EQ(setting->rows[0][1].value_or(""), "64MB");
  EXPECT_EQ(setting->rows[0][2].value_or(""), "on");
  // Even a client that turns the read-only default off cannot write: no privilege.
  ASSERT_TRUE(reader->exec("SET default_transaction_read_only = off").ok());
  for (const char* sql :
       {"INSERT INTO orders SELECT * FROM orders LIMIT 1", "UPDATE orders SET status = status",
        "DELETE FROM orders", "TRUNCATE orders", "CREATE TABLE public.sneaky (x int)",
        "CREATE SCHEMA sneaky", "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE"}) {
    auto st = reader->exec(sql);
    EXPECT_FALSE(st.ok()) << sql << " was allowed";
  }
  ASSERT_TRUE(reader->exec("ROLLBACK").ok());
  // The wrong password is refused (the verifier was set, not some other password).
  EXPECT_FALSE(pg::Connection::open(role_conninfo("wrong"), "the new role").ok());

  // A table made later by the administrator is readable without running setup-role again.
  auto admin = testing::connect(DemoCluster::get().cluster().admin_conninfo());
  const std::string table = "public." + testing::unique_name("later");
  ASSERT_TRUE(admin.exec("CREATE TABLE " + table + " AS SELECT 1 AS x").ok());
  EXPECT_TRUE(reader->query("SELECT x FROM " + table).ok());
  (void)admin.exec("DROP TABLE " + table);
}

TEST_F(SetupRoleTest, ClearErrors) {
  auto e = env();
  auto missing = testing::run_subprocess(
      {ASKDB_BINARY, "setup-role", "--apply", "--role", role_, "--password-env", "NO_SUCH_VAR"}, e,
      60);
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("NO_SUCH_VAR"), std::string::npos) << missing.err;

  auto bad_mem = testing::run_subprocess(
      {ASKDB_BINARY, "setup-role", "--role", role_, "--work-mem", "lots"}, e, 60);
  EXPECT_EQ(bad_mem.exit_code, 2) << bad_mem.err;
  EXPECT_NE(bad_mem.err.find("work_mem \"lots\""), std::string::npos) << bad_mem.err;

  // Not an administrator: nothing changes, and the message says whom to connect as.
  e["ASKDB_ADMIN_URL"] = DemoCluster::get().cluster().reader_conninfo();
  auto weak =
      testing::run_subprocess({ASKDB_BINARY, "setup-role", "--apply", "--role", role_}, e, 60);
  EXPECT_NE(weak.exit_code, 0);
  EXPECT_NE(weak.err.find("Nothing was changed"), std::string::npos) << weak.err;
}

}  // namespace
}  // namespace askdb
