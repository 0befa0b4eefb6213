#include "server/server_context.h"

#include <algorithm>
#include <thread>

namespace askdb::server {
namespace {

chat::PipelineDeps server_deps(const chat::Pipeline& pipeline, asio::thread_pool* db_threads) {
  chat::PipelineDeps deps = pipeline.deps();
  deps.db_threads = db_threads;
  return deps;
}

RateLimiter::Options per_minute(double count, double burst) {
  RateLimiter::Options o;
  o.rate_per_second = count / 60.0;
  o.burst = std::max(burst, 10.0);
  return o;
}

}  // namespace

void InFlight::add(const std::string& message_id, std::shared_ptr<chat::CancelToken> token) {
  bool cancel_now = false;
  {
    std::lock_guard lock(mu_);
    tokens_[message_id] = token;
    cancel_now = cancelling_;
  }
  if (cancel_now) token->cancel();
}

void InFlight::remove(const std::string& message_id) {
  std::lock_guard lock(mu_);
  tokens_.erase(message_id);
}

void InFlight::cancel_all() {
  std::vector<std::shared_ptr<chat::CancelToken>> tokens;
  {
    std::lock_guard lock(mu_);
    cancelling_ = true;
    for (const auto& [id, token] : tokens_) tokens.push_back(token);
  }
  for (const auto& token : tokens) token->cancel();
}

size_t InFlight::size() const {
  std::lock_guard lock(mu_);
  return tokens_.size();
}

std::vector<std::string> InFlight::ids() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, token] : tokens_) out.push_back(id);
  return out;
}

ServerContext::ServerContext(const Config& config, chat::Workspace& workspace, AuthMode auth,
                             std::vector<Network> trusted, ServerMetrics* metrics)
    : config(config),
      workspace(workspace),
      metrics(metrics),
      auth(auth),
      trusted_proxies(std::move(trusted)),
      db_threads(static_cast<size_t>(config.query.pool_size)),
      store_threads(static_cast<size_t>(config.store.pool_size)),
      answers_work(answers_io.get_executor()),
      store_pool(workspace.store_pool()),
      conversations(config.store.schema),
      feedback(config.store.schema),
      examples(config.store.schema),
      notes(config.store.schema),
      users(config.store.schema),
      sessions(config.store.schema),
      pipeline(server_deps(workspace.pipeline(), &db_threads)),
      api_limiter(
          per_minute(config.server.requests_per_minute, config.server.requests_per_minute / 2.0)),
      login_limiter(per_minute(10, 5)) {}

}  // namespace askdb::server
