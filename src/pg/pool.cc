#include "pg/pool.h"

namespace askdb::pg {

Pool::Pool(std::string conninfo, std::string what, int size, std::string on_connect)
    : conninfo_(std::move(conninfo)),
      what_(std::move(what)),
      size_(size < 1 ? 1 : size),
      on_connect_(std::move(on_connect)) {}

Pool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->release(std::move(conn_));
}

Result<Pool::Lease> Pool::acquire() {
  std::unique_lock lock(mu_);
  if (idle_.empty() && open_ >= size_) {
    ++waiting_;
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    --waiting_;
  }
  if (!idle_.empty()) {
    Connection conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  auto conn = Connection::open(conninfo_, what_);
  if (conn && !on_connect_.empty()) {
    if (auto st = conn->exec(on_connect_); !st) conn = st.error();
  }
  if (!conn) {
    lock.lock();
    --open_;
    cv_.notify_one();
    return conn.error();
  }
  return Lease(this, std::move(*conn));
}

Pool::Stats Pool::stats() const {
  std::lock_guard lock(mu_);
  Stats s;
  s.size = size_;
  s.open = open_;
  s.idle = static_cast<int>(idle_.size());
  s.in_use = open_ - s.idle;
  s.waiting = waiting_;
  return s;
}

void Pool::release(Connection conn) {
  std::lock_guard lock(mu_);
  if (conn.healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  cv_.notify_one();
}

}  // namespace askdb::pg
