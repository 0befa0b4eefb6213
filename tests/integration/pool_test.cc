// pg::Pool against the demo cluster: stats() counts what is open, idle, in use and waited
// for, as leases come and go.
#include "pg/pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include "support/demo_cluster.h"

namespace askdb {
namespace {

using testing::DemoCluster;

bool wait_for(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST(PoolTest, StatsCountOpenIdleInUseAndWaiting) {
  pg::Pool pool(DemoCluster::get().cluster().reader_conninfo(), "the demo database", 2);
  pg::Pool::Stats s = pool.stats();
  EXPECT_EQ(s.size, 2);
  EXPECT_EQ(s.open, 0);
  EXPECT_EQ(s.idle, 0);
  EXPECT_EQ(s.in_use, 0);
  EXPECT_EQ(s.waiting, 0);

  std::optional<Result<pg::Pool::Lease>> first;
  std::optional<Result<pg::Pool::Lease>> second;
  first.emplace(pool.acquire());
  second.emplace(pool.acquire());
  ASSERT_TRUE(first->ok()) << first->error().message;
  ASSERT_TRUE(second->ok()) << second->error().message;
  s = pool.stats();
  EXPECT_EQ(s.open, 2);
  EXPECT_EQ(s.idle, 0);
  EXPECT_EQ(s.in_use, 2);
  EXPECT_EQ(s.waiting, 0);

  // A third caller waits for one of the two.
  std::atomic<bool> got{false};
  std::thread third([&] {
    auto lease = pool.acquire();
    EXPECT_TRUE(lease.ok());
    got = true;
  });
  EXPECT_TRUE(wait_for([&] { return pool.stats().waiting == 1; }));
  EXPECT_FALSE(got);
  first.reset();
  third.join();
  EXPECT_TRUE(got);
  s = pool.stats();
  EXPECT_EQ(s.waiting, 0);
  EXPECT_EQ(s.open, 2);
  EXPECT_EQ(s.idle, 1);  // the third caller's lease is back
  EXPECT_EQ(s.in_use, 1);

  second.reset();
  s = pool.stats();
  EXPECT_EQ(s.idle, 2);
  EXPECT_EQ(s.in_use, 0);
}

TEST(PoolTest, AFailedOpenIsNotCounted) {
  pg::Pool pool("postgresql://127.0.0.1:1/nothing?connect_timeout=2", "nowhere", 2);
  auto lease = pool.acquire();
  EXPECT_FALSE(lease.ok());
  const pg::Pool::Stats s = pool.stats();
  EXPECT_EQ(s.open, 0);
  EXPECT_EQ(s.in_use, 0);
}

}  // namespace
}  // namespace askdb
