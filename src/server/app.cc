#include "server/app.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "config/paths.h"
#include "core/text.h"
#include "llm/from_config.h"
#include "server/api_conversations.h"
#include "server/api_examples.h"
#include "server/api_messages.h"
#include "server/api_notes.h"
#include "server/auth.h"
#include "server/http_server.h"
#include "server/router.h"
#include "server/server_context.h"
#include "server/server_metrics.h"
#include "server/static_files.h"
#include "store/migrations.h"

// askdb's version, for askdb_build_info (src/CMakeLists.txt defines it).
#ifndef ASKDB_VERSION
#define ASKDB_VERSION "unknown"
#endif

namespace askdb::server {
namespace {

using Handler = HttpServer::Handler;
using Route = asio::awaitable<void> (*)(Exchange&, ServerContext&);

Handler bind(Route route, ServerContext& ctx) {
  return [route, &ctx](Exchange& ex) { return route(ex, ctx); };
}

int thread_count(const ServerConfig& c) {
  if (c.threads > 0) return c.threads;
  return std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
}

Router make_router(ServerContext& ctx, const StaticFiles& files,
                   std::shared_ptr<const std::string> openapi) {
  Router r;
  r.get("/healthz", bind(handle_healthz, ctx));
  r.get("/readyz", bind(handle_readyz, ctx));
  // Prometheus scrapes without a login; a deployment keeps it off the internet (docs/api.md).
  if (ctx.metrics != nullptr) {
    r.get("/metrics", [metrics = ctx.metrics](Exchange& ex) -> asio::awaitable<void> {
      // Only as spelled: a load balancer that refuses "/metrics" from the internet compares the
      // path as sent, and "/%6Detrics" (decoded to the same route) must not get past it.
      if (ex.raw_path() != "/metrics") {
        ex.respond_error(404, "not_found", "no such page: /metrics is spelled without escapes.");
        co_return;
      }
      ex.respond(200, metrics->render(), kMetricsContentType);
      co_return;
    });
  }
  r.get("/api/v1/session", bind(handle_session, ctx));
  r.post("/api/v1/login", bind(handle_login, ctx));
  r.post("/api/v1/logout", bind(handle_logout, ctx));
  r.get("/api/v1/conversations", bind(handle_list_conversations, ctx));
  r.post("/api/v1/conversations", bind(handle_create_conversation, ctx));
  r.get("/api/v1/conversations/{id}", bind(handle_get_conversation, ctx));
  r.patch("/api/v1/conversations/{id}", bind(handle_rename_conversation, ctx));
  r.del("/api/v1/conversations/{id}", bind(handle_delete_conversation, ctx));
  r.post("/api/v1/conversations/{id}/messages", bind(handle_post_message, ctx));
  r.post("/api/v1/messages/{id}/feedback", bind(handle_feedback, ctx));
  r.get("/api/v1/schema", bind(handle_schema, ctx));
  r.get("/api/v1/examples", bind(handle_list_examples, ctx));
  r.post("/api/v1/examples", bind(handle_add_example, ctx));
  r.get("/api/v1/notes", bind(handle_list_notes, ctx));
  r.post("/api/v1/notes", bind(handle_add_note, ctx));
  // The API's description is one of the web files.
  r.get("/api/v1/openapi.json", [openapi](Exchange& ex) -> asio::awaitable<void> {
    if (openapi->empty()) {
      ex.respond_error(404, "not_found", "openapi.json is missing from the web folder.");
    } else {
      ex.respond(200, *openapi, "application/json");
    }
    co_return;
  });
  r.set_fallback([files](Exchange& ex) -> asio::awaitable<void> {
    if (ex.path().starts_with("/api/")) {
      ex.respond_error(404, "not_found",
                       "no such API route: " + std::string(ex.method()) + " " +
                           std::string(ex.path()) + " (see /api/v1/openapi.json).");
      co_return;
    }
    if (files.serve(ex)) {
      ex.set_route("static");
    } else {
      ex.respond_error(404, "not_found", "no such page.");
    }
  });
  return r;
}

// The LLM provider's name for the metrics' labels ("openai"), "" when there is none.
std::string llm_provider_name(const Config& config, chat::Workspace& workspace) {
  return workspace.has_llm() ? llm::effective_provider(config.llm) : "";
}

}  // namespace

struct App::Impl {
  Impl(const Config& config, chat::Workspace& workspace, AuthMode auth,
       std::vector<Network> trusted)
      : config(config),
        metrics(llm_provider_name(config, workspace), ASKDB_VERSION),
        io(thread_count(config.server)),
        ctx(this->config, workspace, auth, std::move(trusted),
            config.server.metrics == "on" ? &metrics : nullptr) {
    metrics.watch_pool("target", workspace.pool());
    metrics.watch_pool("store", workspace.store_pool());
  }

  Config config;
  // Before the event loop: connections it still holds when it is destroyed report to it.
  // Recorded into only when server.metrics is on (ctx.metrics).
  ServerMetrics metrics;
  asio::io_context io;
  ServerContext ctx;
  std::unique_ptr<HttpServer> http;
  std::vector<std::thread> threads;         // the HTTP event loop's
  std::vector<std::thread> answer_threads;  // the answers' event loop's
  std::thread refresher;                    // see refresh_catalog()
  std::mutex refresher_mu;
  std::condition_variable refresher_wake;
  bool refresher_stop = false;  // under refresher_mu
  bool stopped = false;

  // Checks the catalog every `every` and re-indexes when it changed (Workspace::refresh), so a
  // new table or column reaches the LLM without a restart. On a thread of its own: a re-index
  // of a big catalog takes seconds to minutes and must hold no request or database thread.
  // shutdown() wakes it and stops the re-index under way.
  void refresh_catalog(std::chrono::seconds every);
};

void App::Impl::refresh_catalog(std::chrono::seconds every) {
  // After a failure the next try waits twice as long, up to an hour: a re-index that fails
  // (the embedding provider down, say) is not repeated every minute.
  std::chrono::seconds wait = every;
  for (;;) {
    {
      std::unique_lock lock(refresher_mu);
      if (refresher_wake.wait_for(lock, wait, [this] { return refresher_stop; })) return;
    }
    auto report = ctx.workspace.refresh();
    if (!report) {
      {
        std::lock_guard lock(refresher_mu);
        if (refresher_stop) return;
      }
      wait = std::min<std::chrono::seconds>(wait * 2, std::chrono::hours(1));
      spdlog::warn(
          "could not check the catalog for changes: {}. askdb keeps answering with what it "
          "has, and tries again in {} s; askdb index shows the problem.",
          report.error().message, wait.count());
      continue;
    }
    wait = every;
    if (report->rewritten) {
      spdlog::info("the catalog changed: indexed {} tables, {} columns and {} values in {:.0f} ms",
                   report->tables, report->columns, report->values, report->ms);
    }
  }
}

App::App(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
App::~App() { shutdown(); }

Result<std::unique_ptr<App>> App::start(const Config& config, chat::Workspace& workspace) {
  auto auth = resolve_auth_mode(config.server);
  if (!auth) return auth.error();
  std::vector<Network> trusted;
  if (*auth == AuthMode::kProxy) {
    auto nets = parse_networks(config.server.proxy_trusted);
    if (!nets) return nets.error();
    trusted = std::move(*nets);
  }
  auto web_dir = find_data_dir("web", config.paths.web_dir, "paths.web_dir");
  if (!web_dir) return web_dir.error();
  StaticFilesOptions file_options;
  // The web folder also holds its build and test files; only the app is served.
  file_options.skip_names = {"node_modules",      "tests",    "scripts", "package.json",
                             "package-lock.json", "README.md"};
  auto files = StaticFiles::load(*web_dir, file_options);
  if (!files) return files.error();

  auto impl = std::make_unique<Impl>(config, workspace, *auth, std::move(trusted));
  ServerContext& ctx = impl->ctx;
  {
    auto lease = ctx.store_pool.acquire();
    if (!lease) return lease.error();
    if (auto st = store::migrate(**lease, config.store.schema); !st) return st.error();
    if (auto removed = ctx.sessions.delete_expired_sessions(**lease); !removed) {
      spdlog::warn("could not remove expired sessions: {}", removed.error().message);
    }
  }

  HttpServerOptions options;
  options.host = config.server.host;
  options.port = static_cast<uint16_t>(config.server.port);
  options.max_body_bytes = static_cast<size_t>(config.server.max_body_bytes);
  options.idle_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(config.server.idle_timeout_s * 1000));
  options.observer = ctx.metrics;
  // Each chat may hold a client socket and an LLM socket; leave room for files and PostgreSQL.
  rlimit fds{};
  if (getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur != RLIM_INFINITY) {
    const size_t usable = fds.rlim_cur > 200 ? (fds.rlim_cur - 100) / 2 : 50;
    options.max_connections = std::min(options.max_connections, usable);
  }
  std::string openapi_text;
  if (!read_file(*web_dir + "/openapi.json", openapi_text)) openapi_text.clear();
  auto openapi = std::make_shared<const std::string>(std::move(openapi_text));
  const Router router = make_router(ctx, *files, openapi);
  auto http = HttpServer::start(impl->io, options, router.handler());
  if (!http) return http.error();
  impl->http = std::move(*http);

  const int n = thread_count(config.server);
  for (int i = 0; i < n; ++i) {
    impl->threads.emplace_back([io = &impl->io] { io->run(); });
    impl->answer_threads.emplace_back([io = &impl->ctx.answers_io] {
      // Reading requests and writing events comes first: under a burst, answers being written
      // yield the cores to the HTTP loop (nice +5 for these threads only).
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 5);
      io->run();
    });
  }
  if (config.retrieval.refresh_seconds > 0) {
    impl->refresher = std::thread([s = impl.get(), every = config.retrieval.refresh_seconds] {
      s->refresh_catalog(std::chrono::seconds(every));
    });
  }
  spdlog::info(
      "askdb serve: listening on {}:{}, {} threads for requests and {} for answers, "
      "auth {}",
      config.server.host, impl->http->local_port(), n, n, auth_mode_name(*auth));
  return std::unique_ptr<App>(new App(std::move(impl)));
}

uint16_t App::port() const { return impl_->http ? impl_->http->local_port() : 0; }

std::string App::url() const {
  std::string host = impl_->config.server.host;
  if (host == "0.0.0.0" || host == "::" || host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port()) + "/";
}

std::string App::auth_mode() const { return auth_mode_name(impl_->ctx.auth); }

void App::shutdown() {
  Impl& s = *impl_;
  if (s.stopped) return;
  s.stopped = true;
  using namespace std::chrono;
  s.ctx.begin_stopping();
  // No re-index from now on; one under way is stopped (its writes rolled back).
  {
    std::lock_guard lock(s.refresher_mu);
    s.refresher_stop = true;
  }
  s.refresher_wake.notify_all();
  s.ctx.workspace.stop_refreshing();
  auto wait_for_answers = [&s](milliseconds limit) {
    const auto deadline = steady_clock::now() + limit;
    while (s.ctx.in_flight.size() > 0 && steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(50));
    }
  };
  if (s.http) {
    s.http->begin_shutdown();
    // Answers in flight may finish within the grace; then they are stopped (and any question
    // that arrives meanwhile is stopped as soon as it registers), which stores their partial
    // answers as interrupted and ends their streams.
    wait_for_answers(milliseconds(static_cast<int64_t>(s.config.server.shutdown_grace_s * 1000)));
    if (s.ctx.in_flight.size() > 0) {
      spdlog::info("askdb serve: stopping {} answer(s) still in flight", s.ctx.in_flight.size());
    }
    s.ctx.in_flight.cancel_all();
    wait_for_answers(seconds(10));
    s.http->wait_drained(milliseconds(3000));
    s.http.reset();
  }
  // Whatever is still answering (a query past its grace, say) is marked for what it is.
  if (const auto stuck = s.ctx.in_flight.ids(); !stuck.empty()) {
    spdlog::warn("askdb serve: {} answer(s) did not stop in time; marking them interrupted",
                 stuck.size());
    if (auto lease = s.ctx.store_pool.acquire()) {
      if (auto st = s.ctx.conversations.mark_interrupted(**lease, stuck); !st) {
        spdlog::warn("could not mark them: {}", st.error().message);
      }
    }
  }
  // The answers' loop runs out of work once every pipeline has ended; it is stopped outright
  // only if one still hangs after that.
  s.ctx.answers_work.reset();
  const auto deadline = steady_clock::now() + seconds(5);
  while (!s.ctx.answers_io.stopped() && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  s.ctx.answers_io.stop();
  s.io.stop();
  for (auto& t : s.answer_threads) t.join();
  for (auto& t : s.threads) t.join();
  s.answer_threads.clear();
  s.threads.clear();
  if (s.refresher.joinable()) s.refresher.join();
  s.ctx.db_threads.join();
  s.ctx.store_threads.join();
}

}  // namespace askdb::server
