#include "server/server_metrics.h"

#include <array>
#include <charconv>
#include <chrono>
#include <string_view>
#include <utility>

#include "chat/pipeline.h"
#include "pg/pool.h"
#include "server/process_stats.h"
#include "sqlguard/guard.h"

namespace askdb::server {
namespace {

constexpr std::array<std::string_view, 6> kStages = {"retrieve", "write_sql", "guard",
                                                     "run",      "answer",    "total"};
constexpr std::array<std::string_view, 4> kOutcomes = {"answered", "verified", "failed",
                                                       "cancelled"};
constexpr std::array<sqlguard::Refusal, 10> kRefusals = {
    sqlguard::Refusal::kParseError,         sqlguard::Refusal::kEmpty,
    sqlguard::Refusal::kMultipleStatements, sqlguard::Refusal::kNotAQuery,
    sqlguard::Refusal::kSelectInto,         sqlguard::Refusal::kLocking,
    sqlguard::Refusal::kDataModifyingCte,   sqlguard::Refusal::kDeniedFunction,
    sqlguard::Refusal::kVolatileFunction,   sqlguard::Refusal::kUnknownFunction,
};

// A method as a label: the ones HTTP defines and askdb answers, else "other" (a client may
// send any token).
std::string_view method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET",   "HEAD",   "POST",   "PUT",
                                                             "PATCH", "DELETE", "OPTIONS"};
  for (std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "other";
}

// The stage's name as a label when it is one the pipeline times, else "".
std::string_view stage_label(const std::string& stage) {
  for (std::string_view known : kStages) {
    if (stage == known) return known;
  }
  return {};
}

std::string_view outcome(const chat::AskResult& result) {
  if (result.cancelled) return "cancelled";
  if (result.error) return "failed";
  if (result.verified) return "verified";
  return "answered";
}

}  // namespace

const std::vector<double>& duration_buckets() {
  static const std::vector<double> buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                              2.5,   5,    10,    20,   30,  60,   120};
  return buckets;
}

ServerMetrics::ServerMetrics(std::string llm_provider, std::string version)
    : provider_(std::move(llm_provider)),
      requests_(registry_.counter("askdb_http_requests_total",
                                  "HTTP requests answered, by route pattern, method and status.",
                                  {"route", "method", "status"})),
      request_seconds_(registry_.histogram(
          "askdb_http_request_duration_seconds",
          "Time from a request's head to the end of its answer (of its event stream, for a "
          "streamed question), by route pattern.",
          {"route"}, duration_buckets())),
      stage_seconds_(registry_.histogram(
          "askdb_stage_duration_seconds",
          "Time spent in each stage of answering: retrieve, write_sql, guard, run, answer, "
          "and the total of a question (retries add to their stage).",
          {"stage"}, duration_buckets())),
      questions_(registry_.counter("askdb_questions_total",
                                   "Questions finished, by outcome: answered, verified (from a "
                                   "verified question, without an LLM), failed, cancelled.",
                                   {"outcome"})),
      llm_calls_(registry_.counter("askdb_llm_calls_total",
                                   "LLM calls completed while answering, by provider, model and "
                                   "stage (write_sql, answer).",
                                   {"provider", "model", "stage"})),
      llm_tokens_(registry_.counter("askdb_llm_tokens_total",
                                    "LLM tokens used, by provider, model and kind (input, "
                                    "output).",
                                    {"provider", "model", "kind"})),
      llm_cost_(registry_.counter("askdb_llm_cost_usd_total",
                                  "Cost of the LLM calls in US dollars at the configured or "
                                  "built-in prices (models without a price add nothing).",
                                  {"provider", "model"})),
      guard_rejections_(registry_.counter(
          "askdb_guard_rejections_total",
          "SQL statements the guard refused, by reason (sqlguard::refusal_name).", {"reason"})),
      sql_errors_(registry_.counter("askdb_sql_errors_total",
                                    "Guarded statements the target database failed to run, by "
                                    "SQLSTATE class (\"42\": a bad statement, \"57\": a timeout "
                                    "or cancel; \"none\": no SQLSTATE, a lost connection).",
                                    {"sqlstate_class"})) {
  for (std::string_view stage : kStages) stage_seconds_.touch({stage});
  for (std::string_view o : kOutcomes) questions_.touch({o});
  for (sqlguard::Refusal r : kRefusals) guard_rejections_.touch({sqlguard::refusal_name(r)});

  using Sample = Metrics::Sample;
  using Type = Metrics::Type;
  registry_.collected("askdb_open_connections", "HTTP connections open now.", Type::kGauge, {},
                      [this] {
                        return std::vector<Sample>{{{}, static_cast<double>(connections_.load())}};
                      });
  registry_.collected("askdb_open_streams",
                      "Event streams (questions being answered as Server-Sent Events) open now.",
                      Type::kGauge, {}, [this] {
                        return std::vector<Sample>{{{}, static_cast<double>(streams_.load())}};
                      });
  // The pools are read once per family; the three may differ by a connection or two.
  registry_.collected("askdb_pool_connections",
                      "Database connections open now, by pool (target: the database questions "
                      "run on; store: askdb's own) and state (idle, in_use).",
                      Type::kGauge, {"pool", "state"}, [this] {
                        std::vector<Sample> out;
                        for (const WatchedPool& w : pools_) {
                          const pg::Pool::Stats s = w.pool->stats();
                          out.push_back({{w.name, "idle"}, static_cast<double>(s.idle)});
                          out.push_back({{w.name, "in_use"}, static_cast<double>(s.in_use)});
                        }
                        return out;
                      });
  registry_.collected("askdb_pool_max_connections",
                      "The most connections each pool may open (query.pool_size, "
                      "store.pool_size).",
                      Type::kGauge, {"pool"}, [this] {
                        std::vector<Sample> out;
                        for (const WatchedPool& w : pools_) {
                          out.push_back({{w.name}, static_cast<double>(w.pool->stats().size)});
                        }
                        return out;
                      });
  registry_.collected("askdb_pool_waiting",
                      "Threads waiting for a connection of each pool, all of them in use.",
                      Type::kGauge, {"pool"}, [this] {
                        std::vector<Sample> out;
                        for (const WatchedPool& w : pools_) {
                          out.push_back({{w.name}, static_cast<double>(w.pool->stats().waiting)});
                        }
                        return out;
                      });

  // The process, under the names every Prometheus client library uses.
  registry_.collected("process_cpu_seconds_total", "User and system CPU time spent, in seconds.",
                      Type::kCounter, {}, [this] {
                        return std::vector<Sample>{{{}, process().cpu_seconds}};
                      });
  registry_.collected("process_resident_memory_bytes", "Resident memory size, in bytes.",
                      Type::kGauge, {}, [this] {
                        return std::vector<Sample>{{{}, process().resident_memory_bytes}};
                      });
  registry_.collected("process_start_time_seconds",
                      "Start time of the process, in seconds since the Unix epoch.", Type::kGauge,
                      {}, [this] {
                        return std::vector<Sample>{{{}, process().start_time_seconds}};
                      });
  registry_.collected("process_open_fds", "Open file descriptors.", Type::kGauge, {}, [this] {
    return std::vector<Sample>{{{}, process().open_fds}};
  });
  registry_.collected("process_max_fds", "The most file descriptors the process may open.",
                      Type::kGauge, {}, [this] {
                        return std::vector<Sample>{{{}, process().max_fds}};
                      });
  registry_.collected("askdb_build_info", "Always 1; the version of askdb running.", Type::kGauge,
                      {"version"}, [version = std::move(version)] {
                        return std::vector<Sample>{{{version}, 1}};
                      });
}

ProcessStats ServerMetrics::process() const {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(process_mu_);
  if (!process_read_ || now - process_read_at_ >= std::chrono::seconds(1)) {
    process_ = read_process_stats();
    process_read_at_ = now;
    process_read_ = true;
  }
  return process_;
}

void ServerMetrics::watch_pool(std::string name, const pg::Pool& pool) {
  pools_.push_back({std::move(name), &pool});
}

void ServerMetrics::request_done(const Exchange& exchange) {
  const std::string_view route = exchange.route().empty() ? "unmatched" : exchange.route();
  char status[8];
  const auto written = std::to_chars(status, status + sizeof(status), exchange.status());
  requests_.add({route, method_label(exchange.method()),
                 std::string_view(status, static_cast<size_t>(written.ptr - status))});
  const std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - exchange.start_time();
  request_seconds_.observe({route}, took.count());
}

void ServerMetrics::record_answer(const chat::AskResult& result, bool question) {
  for (const auto& [stage, ms] : result.timings_ms) {
    const std::string_view label = stage_label(stage);
    if (label.empty() || (!question && label == "total")) continue;
    stage_seconds_.observe({label}, ms / 1000.0);
  }
  if (question) questions_.add({outcome(result)});
  for (const chat::LlmCall& call : result.llm_calls) {
    llm_calls_.add({provider_, call.model, call.stage});
    llm_tokens_.add({provider_, call.model, "input"},
                    static_cast<double>(call.usage.prompt_tokens));
    llm_tokens_.add({provider_, call.model, "output"},
                    static_cast<double>(call.usage.completion_tokens));
    if (call.cost_usd) llm_cost_.add({provider_, call.model}, *call.cost_usd);
  }
  for (const chat::Attempt& attempt : result.attempts) {
    if (!attempt.refusal.empty()) guard_rejections_.add({attempt.refusal});
    if (attempt.database_error) {
      sql_errors_.add({attempt.sqlstate.size() == 5
                           ? std::string_view(attempt.sqlstate).substr(0, 2)
                           : std::string_view("none")});
    }
  }
}

}  // namespace askdb::server
