// The executor's own defences, below the guard: even SQL that never went through the guard
// cannot write, cannot hide a second statement, and cannot run past its timeout.
#include "pg/read_only.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/demo_cluster.h"

namespace askdb {
namespace {

using testing::DemoCluster;

pg::Connection owner() {
  // The owner role may write: only the transaction stops it here.
  auto conn = pg::Connection::open(DemoCluster::get().cluster().owner_conninfo(), "owner");
  EXPECT_TRUE(conn.ok()) << conn.error().message;
  return std::move(*conn);
}

TEST(ReadOnly, WritesFailEvenForARoleThatMayWrite) {
  auto conn = owner();
  auto r = pg::run_read_only(conn, "UPDATE stores SET store_name = 'x'", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDatabase);
  EXPECT_NE(r.error().message.find("read-only transaction"), std::string::npos)
      << r.error().message;
  auto after = conn.query("SELECT count(*) FROM stores WHERE store_name = 'x'");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after->rows[0][0], "0");
}

TEST(ReadOnly, SecondStatementIsRefusedByTheProtocol) {
  auto conn = owner();
  auto r = pg::run_read_only(conn, "SELECT 1; DELETE FROM stores", {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("multiple commands"), std::string::npos) << r.error().message;
}

TEST(ReadOnly, StatementTimeoutSaysWhichSetting) {
  auto conn = owner();
  pg::QueryLimits limits;
  limits.statement_timeout_ms = 100;
  auto r = pg::run_read_only(conn, "SELECT pg_sleep(5)", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("query.statement_timeout_ms"), std::string::npos)
      << r.error().message;
  // The connection is usable again afterwards: the transaction was rolled back.
  auto ok = pg::run_read_only(conn, "SELECT 42", {});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok->rows[0][0], "42");
}

TEST(ReadOnly, AStatementIsCancelledFromAnotherThread) {
  auto conn = owner();
  const auto canceller = conn.canceller();
  ASSERT_NE(canceller, nullptr);
  std::thread cancelling([&canceller] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    canceller->cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = conn.query("SELECT pg_sleep(30)");
  const auto took = std::chrono::steady_clock::now() - start;
  cancelling.join();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("canceling statement due to user request"), std::string::npos)
      << r.error().message;
  EXPECT_LT(took, std::chrono::seconds(20));  // not the whole sleep
  // The connection goes on; cancelling it while idle does nothing.
  canceller->cancel();
  auto again = conn.query("SELECT 1");
  ASSERT_TRUE(again.ok()) << again.error().message;
}

TEST(ReadOnly, TypedColumns) {
  auto conn = owner();
  auto r = pg::run_read_only(
      conn,
      "SELECT 1::int AS i, 2.5::numeric(4,1) AS n, true AS b, DATE '2025-01-02' AS d, "
      "NULL::text AS t, ARRAY[1,2] AS a, '{\"k\": 1}'::jsonb AS j",
      {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::vector<std::string> types = {"integer", "numeric",   "boolean", "date",
                                          "text",    "integer[]", "jsonb"};
  ASSERT_EQ(r->columns.size(), types.size());
  for (size_t i = 0; i < types.size(); ++i) EXPECT_EQ(r->columns[i].type, types[i]);
  EXPECT_FALSE(r->rows[0][4].has_value());
}

}  // namespace
}  // namespace askdb
