// App: `askdb serve` and `askdb demo` — the HTTP server with the web chat's files and the
// /api/v1 routes, over a Workspace (target database, catalog, knowledge, LLM), with the app
// store migrated at start and an event loop on a few threads.
//
// start() does the slow work (migrations, binding the port) and returns a running server;
// shutdown() stops it gracefully: no new connections, answers in flight get up to
// server.shutdown_grace_s to finish, then are stopped (their partial answers stored as
// interrupted). Thread-safety: shutdown() may be called from any thread except the server's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "chat/workspace.h"
#include "config/config.h"
#include "core/result.h"

namespace askdb::server {

class App {
 public:
  // `workspace` must outlive the App.
  static Result<std::unique_ptr<App>> start(const Config& config, chat::Workspace& workspace);
  ~App();  // shutdown() if not done yet

  uint16_t port() const;
  // "http://127.0.0.1:8080/": where the web chat is (a wildcard host shows as 127.0.0.1).
  std::string url() const;
  std::string auth_mode() const;

  // See above. Idempotent; blocks until the server has stopped.
  void shutdown();

  struct Impl;

 private:
  explicit App(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace askdb::server
