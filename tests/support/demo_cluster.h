// DemoCluster: the demo database for integration tests — one private PostgreSQL cluster per
// test process, made in a temporary $ASKDB_HOME with askdb's own launcher and the real demo
// data set on first use, stopped (by its postmaster's PID, through pg_ctl) when the tests end.
#pragma once

#include <string>

#include "config/config.h"
#include "pg/embedded_cluster.h"

namespace askdb::testing {

class DemoCluster {
 public:
  // Creates the cluster on first call; a failure aborts the test program with the reason.
  static DemoCluster& get();

  const std::string& home() const { return home_; }
  pg::EmbeddedCluster& cluster() { return *cluster_; }
  // A configuration that targets this cluster, with no LLM.
  Config config() const;

  void shutdown();

 private:
  DemoCluster() = default;
  std::string home_;
  std::unique_ptr<pg::EmbeddedCluster> cluster_;
};

}  // namespace askdb::testing
