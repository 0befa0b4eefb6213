// Pool: a bounded set of connections to one database, shared by the threads of one process.
//
// acquire() hands out an idle connection or opens a new one while fewer than `size` exist,
// else waits. The lease returns the connection when it goes out of scope; a connection that
// broke is dropped instead of returned. stats() tells how full it is (for metrics).
// Thread-safe.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "pg/connection.h"

namespace askdb::pg {

class Pool {
 public:
  // `what` names the database in messages ("the target database"). `on_connect`, when not
  // empty, runs on every new connection before it is handed out (session settings).
  Pool(std::string conninfo, std::string what, int size, std::string on_connect = "");

  class Lease {
   public:
    Lease(Pool* pool, Connection conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() { return conn_; }
    Connection* operator->() { return &conn_; }

   private:
    Pool* pool_;
    Connection conn_;
  };

  // How full the pool is, all counts read together under its lock.
  struct Stats {
    int size = 0;     // the most connections it may have open
    int open = 0;     // open, or being opened by an acquire()
    int idle = 0;     // open and not leased
    int in_use = 0;   // open - idle: leased, or being opened for a lease
    int waiting = 0;  // acquire() calls waiting because `size` are open and none is idle
  };

  Result<Lease> acquire();
  Stats stats() const;
  const std::string& what() const { return what_; }

 private:
  void release(Connection conn);

  const std::string conninfo_;
  const std::string what_;
  const int size_;
  const std::string on_connect_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Connection> idle_;
  int open_ = 0;
  int waiting_ = 0;
};

}  // namespace askdb::pg
