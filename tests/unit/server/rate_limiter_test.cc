// RateLimiter: buckets, Retry-After, independent keys, bounded memory, threads.

#include "server/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace askdb::server {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

RateLimiter::Options options(double rate, double burst, size_t max_keys = 1000) {
  RateLimiter::Options o;
  o.rate_per_second = rate;
  o.burst = burst;
  o.max_keys = max_keys;
  return o;
}

TEST(RateLimiterTest, AllowsTheBurstThenLimitsWithRetryAfter) {
  RateLimiter limiter(options(1, 3));
  const auto t0 = Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.take("alice", 1, t0).allowed) << i;
  const auto refused = limiter.take("alice", 1, t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 1s);
  EXPECT_FALSE(limiter.take("alice", 1, t0 + 500ms).allowed);
  EXPECT_TRUE(limiter.take("alice", 1, t0 + 1s).allowed);
  EXPECT_FALSE(limiter.take("alice", 1, t0 + 1s).allowed);
}

TEST(RateLimiterTest, RetryAfterRoundsUpToWholeSeconds) {
  RateLimiter limiter(options(0.5, 1));  // one request every two seconds
  const auto t0 = Clock::now();
  EXPECT_TRUE(limiter.take("k", 1, t0).allowed);
  EXPECT_EQ(limiter.take("k", 1, t0).retry_after, 2s);
  EXPECT_EQ(limiter.take("k", 1, t0 + 1500ms).retry_after, 1s);
}

TEST(RateLimiterTest, CostlyRequestsTakeMore) {
  RateLimiter limiter(options(1, 10));
  const auto t0 = Clock::now();
  EXPECT_TRUE(limiter.take("k", 8, t0).allowed);
  const auto refused = limiter.take("k", 5, t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 3s);
  EXPECT_TRUE(limiter.take("k", 2, t0).allowed);
}

TEST(RateLimiterTest, KeysAreIndependent) {
  RateLimiter limiter(options(1, 1));
  const auto t0 = Clock::now();
  EXPECT_TRUE(limiter.take("a", 1, t0).allowed);
  EXPECT_FALSE(limiter.take("a", 1, t0).allowed);
  EXPECT_TRUE(limiter.take("b", 1, t0).allowed);
}

TEST(RateLimiterTest, BucketsNeverHoldMoreThanTheBurst) {
  RateLimiter limiter(options(100, 2));
  const auto t0 = Clock::now();
  EXPECT_TRUE(limiter.take("k", 1, t0).allowed);
  const auto later = t0 + 1h;
  EXPECT_TRUE(limiter.take("k", 1, later).allowed);
  EXPECT_TRUE(limiter.take("k", 1, later).allowed);
  EXPECT_FALSE(limiter.take("k", 1, later).allowed);
}

TEST(RateLimiterTest, HoldsAtMostMaxKeysDroppingTheLeastRecentlyUsed) {
  RateLimiter limiter(options(0.001, 1, 3));
  const auto t0 = Clock::now();
  for (const char* key : {"a", "b", "c"}) EXPECT_TRUE(limiter.take(key, 1, t0).allowed);
  EXPECT_FALSE(limiter.take("a", 1, t0).allowed);  // "a" is now the most recently used
  EXPECT_TRUE(limiter.take("d", 1, t0).allowed);   // drops "b"
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_FALSE(limiter.take("a", 1, t0).allowed);  // kept
  EXPECT_FALSE(limiter.take("c", 1, t0).allowed);  // kept
  EXPECT_TRUE(limiter.take("b", 1, t0).allowed);   // forgotten: a fresh bucket
}

TEST(RateLimiterTest, ForgetsKeysWhoseBucketsRefilled) {
  RateLimiter limiter(options(1, 5));
  const auto t0 = Clock::now();
  for (int i = 0; i < 100; ++i)
    EXPECT_TRUE(limiter.take("idle" + std::to_string(i), 1, t0).allowed);
  EXPECT_EQ(limiter.size(), 100u);
  const auto later = t0 + 1h;  // every idle bucket is full again
  for (int i = 0; i < 1000; ++i) (void)limiter.take("busy", 1, later);
  EXPECT_EQ(limiter.size(), 1u);
}

TEST(RateLimiterTest, IsSafeAcrossThreads) {
  RateLimiter limiter(options(0.001, 100));
  const auto t0 = Clock::now();
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (limiter.take("k" + std::to_string(i % 5), 1, t0).allowed) ++allowed;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 5 * 100);  // each of the 5 keys let exactly its burst through
}

}  // namespace
}  // namespace askdb::server
