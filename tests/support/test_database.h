// Helpers for integration tests that need databases of their own on the demo cluster: a
// connection whose failure is a test failure, names no other test uses, and a throwaway app
// store database with no extensions (what a store without pg_trgm does).
#pragma once

#include <string>

#include "pg/connection.h"

namespace askdb::testing {

// Opens `conninfo`; a failure fails the test and gives an unopened Connection.
pg::Connection connect(const std::string& conninfo);

// `prefix`, this process's id and a counter: a name no other test (or test process) uses.
std::string unique_name(const std::string& prefix);

// `conninfo` (key=value form, with a dbname) naming `database` instead.
std::string conninfo_for(std::string conninfo, const std::string& database);

// A database of its own on the demo cluster, holding an empty schema "store" that the owner
// role owns, and no extension: pg_trgm is not there and the owner may not create it. Dropped
// (with FORCE) when it goes.
class StoreDatabase {
 public:
  StoreDatabase();
  ~StoreDatabase();
  StoreDatabase(const StoreDatabase&) = delete;
  StoreDatabase& operator=(const StoreDatabase&) = delete;

  const std::string& name() const { return name_; }
  // As the cluster's admin (who may create extensions there), and as the owner role.
  std::string admin_conninfo() const;
  std::string owner_conninfo() const;

 private:
  std::string name_;
};

}  // namespace askdb::testing
