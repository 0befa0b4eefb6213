#include "support/test_database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>

#include "support/demo_cluster.h"

namespace askdb::testing {

pg::Connection connect(const std::string& conninfo) {
  auto conn = pg::Connection::open(conninfo, "the test database");
  EXPECT_TRUE(conn.ok()) << conn.error().message;
  return conn.ok() ? std::move(*conn) : pg::Connection();
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> n{0};
  return prefix + std::to_string(getpid()) + "_" + std::to_string(++n);
}

std::string conninfo_for(std::string conninfo, const std::string& database) {
  const auto at = conninfo.find("dbname=");
  const auto end = conninfo.find(' ', at);
  return conninfo.replace(at, end - at, "dbname=" + database);
}

StoreDatabase::StoreDatabase() : name_(unique_name("store_db_")) {
  auto& cluster = DemoCluster::get().cluster();
  pg::Connection admin = connect(cluster.admin_conninfo());
  const Status created = admin.exec("CREATE DATABASE " + name_ + " OWNER " + pg::kEmbeddedAdmin);
  EXPECT_TRUE(created.ok()) << created.error().message;
  pg::Connection in_it = connect(admin_conninfo());
  const Status schema =
      in_it.exec(std::string("CREATE SCHEMA store AUTHORIZATION ") + pg::kEmbeddedOwner +
                 "; GRANT CONNECT ON DATABASE " + name_ + " TO " + pg::kEmbeddedOwner);
  EXPECT_TRUE(schema.ok()) << schema.error().message;
}

StoreDatabase::~StoreDatabase() {
  pg::Connection admin = connect(DemoCluster::get().cluster().admin_conninfo());
  const Status dropped = admin.exec("DROP DATABASE " + name_ + " WITH (FORCE)");
  EXPECT_TRUE(dropped.ok()) << dropped.error().message;
}

std::string StoreDatabase::admin_conninfo() const {
  return conninfo_for(DemoCluster::get().cluster().admin_conninfo(), name_);
}

std::string StoreDatabase::owner_conninfo() const {
  return conninfo_for(DemoCluster::get().cluster().owner_conninfo(), name_);
}

}  // namespace askdb::testing
