// KnownConversations: the conversations this server has recently seen to exist, with their
// owner — made, read, listed or asked in here. A question in a known conversation starts its
// event stream at once, before the app store has stored it; an unknown one is checked in the
// store first (404 when absent). A conversation deleted through another replica meanwhile is
// caught when the question is stored (an `error` event). Bounded (least recently used entries
// go); thread-safe.
#pragma once

#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace askdb::server {

class KnownConversations {
 public:
  explicit KnownConversations(size_t capacity = 50000) : capacity_(capacity) {}

  void add(std::string_view owner, std::string_view id);
  void remove(std::string_view owner, std::string_view id);
  bool contains(std::string_view owner, std::string_view id);

 private:
  static std::string key(std::string_view owner, std::string_view id);

  const size_t capacity_;
  std::mutex mu_;
  std::list<std::string> order_;  // most recently used first
  std::unordered_map<std::string, std::list<std::string>::iterator> index_;
};

}  // namespace askdb::server
