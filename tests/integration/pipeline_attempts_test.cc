// What the pipeline records of each SQL attempt for metrics: the guard's refusal by name, or
// the database's failure with its SQLSTATE (SQL a person wrote, on the demo database, no LLM).
#include <gtest/gtest.h>

#include <memory>

#include "chat/workspace.h"
#include "support/demo_cluster.h"

namespace askdb {
namespace {

using testing::DemoCluster;

class PipelineAttemptsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Config config = DemoCluster::get().config();
    config.store.schema = "attempts_test";
    config.store.url = DemoCluster::get().cluster().owner_conninfo();
    auto ws = chat::Workspace::open(config);
    ASSERT_TRUE(ws.ok()) << ws.error().message;
    workspace_ = std::move(*ws);
  }
  static void TearDownTestSuite() {
    if (workspace_ == nullptr) return;
    workspace_->release();
    workspace_.reset();
    auto conn = pg::Connection::open(DemoCluster::get().cluster().owner_conninfo(), "store");
    if (conn) (void)conn->exec("DROP SCHEMA IF EXISTS attempts_test CASCADE");
  }
  static std::unique_ptr<chat::Workspace> workspace_;
};

std::unique_ptr<chat::Workspace> PipelineAttemptsTest::workspace_;

TEST_F(PipelineAttemptsTest, ARefusalIsNamed) {
  const chat::AskResult r = workspace_->pipeline().run_sql("DELETE FROM orders");
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(r.attempts[0].refusal, "not_a_query");
  EXPECT_FALSE(r.attempts[0].database_error);
  EXPECT_FALSE(r.attempts[0].error.empty());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ErrorCode::kGuard);
}

TEST_F(PipelineAttemptsTest, ADatabaseErrorKeepsItsSqlstate) {
  const chat::AskResult r = workspace_->pipeline().run_sql("SELECT no_such_column FROM orders");
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_TRUE(r.attempts[0].refusal.empty());
  EXPECT_TRUE(r.attempts[0].database_error);
  EXPECT_EQ(r.attempts[0].sqlstate, "42703");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, ErrorCode::kDatabase);
}

TEST_F(PipelineAttemptsTest, AQueryThatRanHasNeither) {
  const chat::AskResult r = workspace_->pipeline().run_sql("SELECT count(*) FROM orders");
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_TRUE(r.attempts[0].error.empty());
  EXPECT_TRUE(r.attempts[0].refusal.empty());
  EXPECT_FALSE(r.attempts[0].database_error);
  EXPECT_TRUE(r.attempts[0].sqlstate.empty());
  EXPECT_FALSE(r.error);
}

}  // namespace
}  // namespace askdb
