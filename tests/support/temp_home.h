// TempHome: a fresh folder for one test's $ASKDB_HOME under /tmp, removed afterwards. When the
// tests run as root it is made reachable for the account the embedded cluster runs under.
#pragma once

#include <string>

namespace askdb::testing {

class TempHome {
 public:
  explicit TempHome(const std::string& tag = "askdb-test");
  ~TempHome();
  TempHome(const TempHome&) = delete;
  TempHome& operator=(const TempHome&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A demo/ folder with a two-table data set, for cluster tests that need no real demo data.
// Returns its path (inside `parent`).
std::string write_tiny_demo(const std::string& parent);

}  // namespace askdb::testing
