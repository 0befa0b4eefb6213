#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace askdb::server {
namespace {

constexpr size_t kSweepEvery = 64;   // takes between two sweeps of the idle tail
constexpr size_t kSweepChecks = 64;  // buckets looked at per sweep (at most one per take)

}  // namespace

RateLimiter::RateLimiter(Options options) : options_(options) {}

double RateLimiter::refilled(const Bucket& bucket, Clock::time_point now) const {
  if (now <= bucket.updated) return bucket.tokens;
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  return std::min(options_.burst, bucket.tokens + elapsed * options_.rate_per_second);
}

void RateLimiter::sweep(Clock::time_point now, size_t max_checks) {
  auto it = lru_.end();
  for (size_t checked = 0; checked < max_checks && it != lru_.begin(); ++checked) {
    --it;
    if (refilled(*it, now) >= options_.burst) {
      index_.erase(it->key);
      it = lru_.erase(it);
    }
  }
}

RateLimiter::Decision RateLimiter::take(std::string_view key, double cost) {
  return take(key, cost, Clock::now());
}

RateLimiter::Decision RateLimiter::take(std::string_view key, double cost, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (++takes_since_sweep_ >= kSweepEvery) {
    takes_since_sweep_ = 0;
    sweep(now, kSweepChecks);
  }

  List::iterator bucket;
  auto found = index_.find(key);
  if (found != index_.end()) {
    bucket = found->second;
    bucket->tokens = refilled(*bucket, now);
    bucket->updated = std::max(bucket->updated, now);
    lru_.splice(lru_.begin(), lru_, bucket);
  } else {
    if (index_.size() >= options_.max_keys) sweep(now, kSweepChecks);
    while (!lru_.empty() && index_.size() >= options_.max_keys) {
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
    lru_.push_front(Bucket{std::string(key), options_.burst, now});
    bucket = lru_.begin();
    index_.emplace(bucket->key, bucket);
  }

  if (bucket->tokens >= cost) {
    bucket->tokens -= cost;
    return Decision{};
  }
  const double missing = cost - bucket->tokens;
  const auto seconds = static_cast<long long>(std::ceil(missing / options_.rate_per_second - 1e-9));
  return Decision{false, std::chrono::seconds(std::max(1LL, seconds))};
}

size_t RateLimiter::size() const {
  std::lock_guard lock(mu_);
  return index_.size();
}

}  // namespace askdb::server
