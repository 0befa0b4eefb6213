// RateLimiter: token buckets keyed by a string (a client address, a user name), for answering
// 429 with Retry-After. A key's bucket holds at most `burst` tokens and refills at
// `rate_per_second`; each request takes `cost` tokens (1 by default; a question may cost more).
//
// Memory is bounded: buckets that have refilled completely are forgotten (a new key gets a
// full bucket anyway, so forgetting one changes nothing), and when `max_keys` buckets are held
// the least recently used one is dropped. Thread-safe: one mutex, held for a few map
// operations.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace askdb::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    double rate_per_second = 2.0;  // tokens added per second; REQUIRES > 0
    double burst = 10.0;           // bucket size; REQUIRES >= 1
    size_t max_keys = 100000;      // buckets kept at most; REQUIRES >= 1
  };

  struct Decision {
    bool allowed = true;
    // When refused: whole seconds (at least 1) until the request would be allowed; the value
    // for Retry-After. 0 when allowed.
    std::chrono::seconds retry_after{0};
  };

  explicit RateLimiter(Options options);

  // Takes `cost` tokens from `key`'s bucket when it holds that many. REQUIRES cost <= burst.
  Decision take(std::string_view key, double cost = 1.0);
  // The same at a given time (tests); times before a bucket's last update count as that time.
  Decision take(std::string_view key, double cost, Clock::time_point now);

  // Buckets held now (tests and metrics).
  size_t size() const;

 private:
  struct Bucket {
    std::string key;
    double tokens = 0;
    Clock::time_point updated;
  };
  using List = std::list<Bucket>;

  double refilled(const Bucket& bucket, Clock::time_point now) const;
  // Forgets up to `max_checks` of the least recently used buckets that are full again.
  void sweep(Clock::time_point now, size_t max_checks);

  const Options options_;
  mutable std::mutex mu_;
  List lru_;                                                    // most recently used first
  std::unordered_map<std::string_view, List::iterator> index_;  // views into lru_'s keys
  size_t takes_since_sweep_ = 0;
};

}  // namespace askdb::server
