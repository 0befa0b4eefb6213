// ServerContext: what every route of `askdb serve` shares — the configuration, the workspace
// (target database, catalog, knowledge, LLM), the pipeline running on the server's threads,
// the app store (conversations, users, sessions) behind its own connection pool, the auth
// mode, the rate limiter, the questions being answered now and the metrics.
//
// Built once by App before the first request and destroyed after the last; routes hold a
// reference. Everything in it is thread-safe or read-only.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "chat/async.h"
#include "chat/pipeline.h"
#include "chat/workspace.h"
#include "config/config.h"
#include "pg/pool.h"
#include "retrieval/knowledge.h"
#include "server/auth_mode.h"
#include "server/known_conversations.h"
#include "server/rate_limiter.h"
#include "server/server_metrics.h"
#include "store/conversations.h"
#include "store/feedback.h"
#include "store/glossary_notes.h"
#include "store/sessions.h"
#include "store/users.h"
#include "store/verified_examples.h"

namespace askdb::server {

namespace asio = boost::asio;

// The questions being answered now, so a shutdown can stop the ones still running after the
// grace period (their partial answers are stored as interrupted). Thread-safe.
class InFlight {
 public:
  // Registers a question; once cancel_all() has run, its token is cancelled at once.
  void add(const std::string& message_id, std::shared_ptr<chat::CancelToken> token);
  void remove(const std::string& message_id);
  // Cancels every question registered now and from now on.
  void cancel_all();
  size_t size() const;
  std::vector<std::string> ids() const;

  // Removes its question when it goes out of scope, however the handler ends.
  class Registration {
   public:
    Registration(InFlight& in_flight, std::string id, std::shared_ptr<chat::CancelToken> token)
        : in_flight_(in_flight), id_(std::move(id)) {
      in_flight_.add(id_, std::move(token));
    }
    ~Registration() { in_flight_.remove(id_); }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

   private:
    InFlight& in_flight_;
    std::string id_;
  };

 private:
  mutable std::mutex mu_;
  bool cancelling_ = false;
  std::map<std::string, std::shared_ptr<chat::CancelToken>> tokens_;
};

struct ServerContext {
  // `metrics`, when not null, must outlive the context.
  ServerContext(const Config& config, chat::Workspace& workspace, AuthMode auth,
                std::vector<Network> trusted, ServerMetrics* metrics);

  const Config& config;
  chat::Workspace& workspace;
  ServerMetrics* const metrics;  // null when server.metrics is off: nothing is recorded
  const AuthMode auth;
  const std::vector<Network> trusted_proxies;

  // Database work runs on these threads, never on the event loops': one per connection of
  // the target's pool, one per connection of the app store's, so questions waiting for the
  // target never hold up sessions, conversations and answers being stored.
  asio::thread_pool db_threads;
  asio::thread_pool store_threads;
  // The pipelines of the questions being answered run on this event loop, apart from the one
  // that reads requests and writes events (App runs both).
  asio::io_context answers_io;
  asio::executor_work_guard<asio::io_context::executor_type> answers_work;
  pg::Pool& store_pool;  // the workspace's
  store::ConversationStore conversations;
  store::FeedbackStore feedback;
  store::VerifiedExampleStore examples;
  store::GlossaryNoteStore notes;
  store::UserStore users;
  store::SessionStore sessions;
  chat::Pipeline pipeline;

  RateLimiter api_limiter;    // every API request, by user (or address)
  RateLimiter login_limiter;  // login attempts, by user name and by address
  InFlight in_flight;
  KnownConversations known_conversations;

  // True once a shutdown began (readyz answers 503 so a load balancer stops sending).
  bool stopping() const { return stopping_.load(); }
  void begin_stopping() { stopping_ = true; }

  // Runs `work(conn)` with a connection of the app store on the database threads; `work`
  // returns a Result<T> or a Status. (Not a coroutine itself; see chat::offload.)
  template <class Work>
  asio::awaitable<std::invoke_result_t<Work&, pg::Connection&>> store(Work work) {
    using R = std::invoke_result_t<Work&, pg::Connection&>;
    return chat::offload(&store_threads, [this, work = std::move(work)]() mutable -> R {
      auto lease = store_pool.acquire();
      if (!lease) return lease.error();
      return work(**lease);
    });
  }

 private:
  std::atomic<bool> stopping_{false};
};

}  // namespace askdb::server
