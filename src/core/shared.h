// Shared<T>: the value in use now, for data that is read by many requests and replaced now and
// then as a whole (the catalog after a schema change, the knowledge after a thumbs up).
//
// current() is a snapshot: a request keeps the value it started with while a newer one is
// swapped in. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace askdb {

template <class T>
class Shared {
 public:
  explicit Shared(T value = {}) : current_(std::make_shared<const T>(std::move(value))) {}

  std::shared_ptr<const T> current() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void replace(T value) {
    auto next = std::make_shared<const T>(std::move(value));
    std::lock_guard lock(mu_);
    current_ = std::move(next);
  }
  // Puts `value` in use as it is, so a caller that keeps the pointer can tell it from others.
  void replace(std::shared_ptr<const T> value) {
    std::lock_guard lock(mu_);
    current_ = std::move(value);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const T> current_;
};

}  // namespace askdb
