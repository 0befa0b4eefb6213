// EmbeddedCluster: askdb's private PostgreSQL cluster in $ASKDB_HOME, made and run with the
// machine's own PostgreSQL binaries (initdb, pg_ctl), for use with no database configured.
//
// open() creates the cluster on first use (initdb, an admin role, an owner role for data and
// askdb's own schema, a read-only role for queries, a database, then `populate`), starts it
// when it is not running, and registers this object as a user of it. The destructor (or
// release()) unregisters and stops the server when no other registered askdb user is alive,
// so a cluster left running by a killed askdb is stopped by the next askdb to leave.
// When askdb runs as root, the cluster runs as EmbeddedOptions::run_as.
//
// Layout of home: pgdata/ (the cluster), cluster.json (port and passwords, mode 0600; written
// last, so a home without it holds at most a half-made cluster, which open() removes and
// redoes), run/ (postgres.log, lock, one file per askdb process using the cluster).
// Thread-safety: release() may be called from a signal-handling thread once.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.h"
#include "core/result.h"

namespace askdb::pg {

struct ClusterCredentials {
  int port = 0;
  std::string admin_password;
  std::string owner_password;
  std::string reader_password;
};

inline constexpr const char* kEmbeddedDatabase = "askdb_demo";
inline constexpr const char* kEmbeddedAdmin = "askdb_admin";
inline constexpr const char* kEmbeddedOwner = "askdb_owner";
inline constexpr const char* kEmbeddedReader = "askdb_reader";

class EmbeddedCluster {
 public:
  // Fills the new database; gets the owner's conninfo. Runs once, when the cluster is made.
  using Populate = std::function<Status(const std::string& owner_conninfo)>;

  static Result<std::unique_ptr<EmbeddedCluster>> open(const EmbeddedConfig& config,
                                                       const Populate& populate);
  ~EmbeddedCluster();
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  // Unregisters this object; stops the server if no other live askdb user is registered.
  // Idempotent.
  void release();

  std::string admin_conninfo() const;
  std::string owner_conninfo() const;
  std::string reader_conninfo() const;
  int port() const { return credentials_.port; }
  const std::string& home() const { return home_; }
  bool created() const { return created_; }  // true when open() made the cluster just now
  bool started() const { return started_; }  // true when open() started the server

 private:
  EmbeddedCluster() = default;
  std::string conninfo(const char* user, const std::string& password) const;

  std::string home_;
  std::string bin_dir_;
  std::string registration_;  // run/users/<pid>.<random>: this object's claim on the server
  ClusterCredentials credentials_;
  bool created_ = false;
  bool started_ = false;
  bool released_ = false;
  std::mutex mu_;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Finds the folder holding initdb and pg_ctl: `configured` if set, else pg_config --bindir,
// else the newest /usr/lib/postgresql/*/bin.
Result<std::string> find_pg_bin_dir(const std::string& configured);

}  // namespace askdb::pg
