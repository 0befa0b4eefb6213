// Visiting every object of a libpg_query JSON parse tree, without recursion (a parse tree may
// nest as deeply as PostgreSQL's parser allows). Internal to sqlguard.
//
// In that JSON, most nodes are wrapped: {"FuncCall": {...}}, {"SelectStmt": {...}}. Some typed
// fields are not (a set operation's "larg"/"rarg" SelectStmt, "intoClause", "withClause"), so
// checks that must see every SELECT look at field names ("lockingClause"), not only wrappers.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

namespace askdb::sqlguard {

// Calls visit(key, value) for every member of every object in `tree`, in no promised order.
// A wrapped node shows up as key = its type ("FuncCall"), value = its fields.
template <class Visit>
void for_each_member(const nlohmann::json& tree, Visit&& visit) {
  std::vector<const nlohmann::json*> pending{&tree};
  while (!pending.empty()) {
    const nlohmann::json* node = pending.back();
    pending.pop_back();
    if (node->is_object()) {
      for (auto it = node->begin(); it != node->end(); ++it) {
        visit(std::string_view(it.key()), it.value());
        if (it.value().is_structured()) pending.push_back(&it.value());
      }
    } else if (node->is_array()) {
      for (const auto& element : *node) {
        if (element.is_structured()) pending.push_back(&element);
      }
    }
  }
}

// The integer in a JSON number field, or `fallback` when absent or not an integer
// (libpg_query leaves out zero-valued fields).
inline long long json_int(const nlohmann::json& object, std::string_view key, long long fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (it->is_number_integer()) return it->get<long long>();
  return fallback;
}

// The boolean in a JSON field, or false when absent or not a boolean.
inline bool json_bool(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return false;
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

// The string in a JSON string field, or "" when absent or not a string.
inline std::string_view json_string(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

}  // namespace askdb::sqlguard
