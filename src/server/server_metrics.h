// ServerMetrics: what `askdb serve` exports at GET /metrics (docs/api.md lists every family) —
// HTTP requests by route, method and status and their durations, the pipeline's stage times,
// questions by outcome, LLM calls, tokens and cost by provider and model, guard refusals by
// reason, SQL errors by SQLSTATE class, open connections and event streams, the connection
// pools and the process. Labels take bounded values only: route patterns, never paths, ids,
// user names or SQL.
//
// App owns one, hands it to its HttpServer as the HttpObserver and to the routes through
// ServerContext. Thread-safety: watch_pool() before the server starts; everything else from
// any thread at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "server/http_server.h"
#include "server/metrics.h"
#include "server/process_stats.h"

namespace askdb::chat {
struct AskResult;
}
namespace askdb::pg {
class Pool;
}

namespace askdb::server {

class ServerMetrics final : public HttpObserver {
 public:
  // `llm_provider` names the LLM in the llm labels ("openai"; "" when there is none);
  // `version` is askdb's, for askdb_build_info.
  ServerMetrics(std::string llm_provider, std::string version);

  // Exports `pool`'s connections (idle, in use, the most it may open, acquire() calls waiting)
  // as pool="<name>" at every scrape. REQUIRES: before the first render(); `pool` outlives
  // this object.
  void watch_pool(std::string name, const pg::Pool& pool);

  // A question (`question` true) or a piece of SQL a person wrote was answered, or failed:
  // its stage times, outcome, LLM calls, guard refusals and SQL errors. SQL a person wrote
  // adds its guard and run times but no total and no outcome.
  void record_answer(const chat::AskResult& result, bool question);

  // The text GET /metrics answers, in Prometheus' format 0.0.4 (kMetricsContentType).
  std::string render() const { return registry_.render(); }

  // HttpObserver. A request's route is the Router's pattern, "static" for the web chat's
  // files, and "unmatched" when no route answered (a 404, a 405, a request refused before
  // routing).
  void request_done(const Exchange& exchange) override;
  void connection_opened() override { connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() override { connections_.fetch_sub(1, std::memory_order_relaxed); }
  void stream_opened() override { streams_.fetch_add(1, std::memory_order_relaxed); }
  void stream_closed() override { streams_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  // The process's figures, read at most once a second (one scrape reads them for five
  // families).
  ProcessStats process() const;

  struct WatchedPool {
    std::string name;
    const pg::Pool* pool;
  };

  const std::string provider_;
  Metrics registry_;
  CounterFamily& requests_;
  HistogramFamily& request_seconds_;
  HistogramFamily& stage_seconds_;
  CounterFamily& questions_;
  CounterFamily& llm_calls_;
  CounterFamily& llm_tokens_;
  CounterFamily& llm_cost_;
  CounterFamily& guard_rejections_;
  CounterFamily& sql_errors_;
  std::atomic<int64_t> connections_{0};
  std::atomic<int64_t> streams_{0};
  std::vector<WatchedPool> pools_;
  mutable std::mutex process_mu_;  // guards the three below
  mutable ProcessStats process_;
  mutable std::chrono::steady_clock::time_point process_read_at_;
  mutable bool process_read_ = false;
};

// The buckets of every duration histogram, in seconds: 5 ms to 2 minutes (an LLM stage can
// take that long).
const std::vector<double>& duration_buckets();

}  // namespace askdb::server
