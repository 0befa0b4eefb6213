#include "server/known_conversations.h"

namespace askdb::server {

std::string KnownConversations::key(std::string_view owner, std::string_view id) {
  std::string k(id);
  k += '\n';
  k += owner;
  return k;
}

void KnownConversations::add(std::string_view owner, std::string_view id) {
  std::string k = key(owner, id);
  std::lock_guard lock(mu_);
  if (auto it = index_.find(k); it != index_.end()) {
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  order_.push_front(k);
  index_.emplace(std::move(k), order_.begin());
  if (index_.size() > capacity_) {
    index_.erase(order_.back());
    order_.pop_back();
  }
}

void KnownConversations::remove(std::string_view owner, std::string_view id) {
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key(owner, id)); it != index_.end()) {
    order_.erase(it->second);
    index_.erase(it);
  }
}

bool KnownConversations::contains(std::string_view owner, std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key(owner, id));
  if (it == index_.end()) return false;
  order_.splice(order_.begin(), order_, it->second);
  return true;
}

}  // namespace askdb::server
