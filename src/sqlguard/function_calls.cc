// Finds every FuncCall in a parse tree and judges it against the catalog and the policy.
#include "sqlguard/function_calls.h"

#include <climits>
#include <string>
#include <string_view>

#include "sqlguard/function_policy.h"
#include "sqlguard/tree_walk.h"

namespace askdb::sqlguard {
namespace {

// The last part of a FuncCall's funcname list: [{"String": {"sval": "pg_catalog"}}, ...].
std::string last_name_part(const nlohmann::json& func_call) {
  const auto it = func_call.find("funcname");
  if (it == func_call.end() || !it->is_array() || it->empty()) return {};
  const auto& last = it->back();
  if (!last.is_object() || !last.contains("String")) return {};
  return std::string(json_string(last["String"], "sval"));
}

struct Finding {
  int severity = 0;  // 3 denied, 2 volatile, 1 unknown; 0 none
  long long location = LLONG_MAX;
  Rejection rejection{Refusal::kUnknownFunction, {}};
};

}  // namespace

std::optional<Rejection> check_function_calls(const nlohmann::json& tree,
                                              const FunctionCatalog& functions) {
  Finding worst;
  const auto consider = [&](int severity, long long location, Refusal refusal,
                            const std::string& message) {
    if (location < 0) location = LLONG_MAX - 1;
    if (severity > worst.severity || (severity == worst.severity && location < worst.location)) {
      worst = Finding{severity, location, Rejection{refusal, message}};
    }
  };
  for_each_member(tree, [&](std::string_view key, const nlohmann::json& value) {
    if (key != "FuncCall" || !value.is_object()) return;
    const std::string name = last_name_part(value);
    const long long location = json_int(value, "location", -1);
    if (name.empty()) {
      consider(1, location, Refusal::kUnknownFunction,
               "A function call has a name the guard cannot read. Call functions by their plain "
               "name, such as date_trunc(...).");
      return;
    }
    if (const auto reason = denied_function_reason(name)) {
      consider(3, location, Refusal::kDeniedFunction,
               name + " is not allowed: it " + std::string(*reason) +
                   ". Rewrite the query without " + name + ".");
      return;
    }
    const auto volatility = functions.lookup(name);
    if (!volatility) {
      consider(1, location, Refusal::kUnknownFunction,
               "Function " + name +
                   " does not exist in this database. Use only PostgreSQL's built-in functions "
                   "(or ones this database defines), and check the name and spelling.");
      return;
    }
    if (*volatility == Volatility::kVolatile && !is_harmless_volatile_function(name)) {
      consider(2, location, Refusal::kVolatileFunction,
               name +
                   " is not allowed: it is a volatile function, which may change the database "
                   "or the session. Rewrite the query without " +
                   name + ".");
    }
  });
  if (worst.severity == 0) return std::nullopt;
  return worst.rejection;
}

}  // namespace askdb::sqlguard
