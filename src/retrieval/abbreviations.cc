#include "retrieval/abbreviations.h"

#include <algorithm>
#include <array>
#include <utility>

namespace askdb::retrieval {
namespace {

// Sorted by abbreviation, for binary search. Only abbreviations that read one way in a name:
// not "cat" (category, or a cat), "min" (minimum, or minutes) or "hr" (hour, or human
// resources).
constexpr std::array<std::pair<std::string_view, std::string_view>, 52> kAbbreviations = {{
    {"acct", "account"},
    {"addr", "address"},
    {"amt", "amount"},
    {"avg", "average"},
    {"bal", "balance"},
    {"bdate", "birth date"},
    {"cnt", "count"},
    {"cust", "customer"},
    {"dept", "department"},
    {"desc", "description"},
    {"descr", "description"},
    {"dest", "destination"},
    {"dob", "date of birth"},
    {"dst", "destination"},
    {"dt", "date"},
    {"emp", "employee"},
    {"fname", "first name"},
    {"hq", "headquarters"},
    {"img", "image"},
    {"info", "information"},
    {"lat", "latitude"},
    {"lname", "last name"},
    {"lng", "longitude"},
    {"loc", "location"},
    {"lon", "longitude"},
    {"mgr", "manager"},
    {"mname", "middle name"},
    {"msg", "message"},
    {"nbr", "number"},
    {"no", "number"},
    {"num", "number"},
    {"org", "organization"},
    {"pct", "percent"},
    {"pos", "position"},
    {"prod", "product"},
    {"qty", "quantity"},
    {"ref", "reference"},
    {"sal", "salary"},
    {"seq", "sequence"},
    {"src", "source"},
    {"ssn", "social security number"},
    {"stu", "student"},
    {"tel", "telephone"},
    {"tot", "total"},
    {"txn", "transaction"},
    {"univ", "university"},
    {"usr", "user"},
    {"val", "value"},
    {"yn", "yes no"},
    {"yr", "year"},
    {"zip", "postal code"},
    {"zipcode", "zip postal code"},
}};
static_assert(std::is_sorted(kAbbreviations.begin(), kAbbreviations.end()));

std::string_view lookup(std::string_view word) {
  const auto it =
      std::lower_bound(kAbbreviations.begin(), kAbbreviations.end(), word,
                       [](const auto& entry, std::string_view w) { return entry.first < w; });
  return it != kAbbreviations.end() && it->first == word ? it->second : std::string_view();
}

}  // namespace

std::string expand_abbreviation(std::string_view word) {
  if (const auto whole = lookup(word); !whole.empty()) return std::string(whole);
  // "custid", "deptno": an abbreviation run together with the key word after it.
  for (const std::string_view end : {"id", "no", "num"}) {
    if (word.size() <= end.size() + 1 || word.substr(word.size() - end.size()) != end) continue;
    const auto head = lookup(word.substr(0, word.size() - end.size()));
    if (head.empty()) continue;
    const auto tail = lookup(end);  // "no" and "num" are "number"; "id" stays
    return std::string(head) + " " + std::string(tail.empty() ? end : tail);
  }
  return "";
}

}  // namespace askdb::retrieval
