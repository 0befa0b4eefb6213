#include "chat/pipeline.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <exception>

#include "chat/sql_extract.h"
#include "core/text.h"
#include "pg/read_only.h"
#include "retrieval/context_builder.h"

namespace askdb::chat {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void add_timing(AskResult& r, const std::string& stage, double ms) {
  for (auto& [name, value] : r.timings_ms) {
    if (name == stage) {
      value += ms;
      return;
    }
  }
  r.timings_ms.emplace_back(stage, ms);
}

void status(const PipelineEvents& e, std::string_view stage) {
  if (e.on_status) e.on_status(stage);
}

// Rows as a pipe table for the answer prompt.
std::string render_rows(const AskResult& r, size_t limit) {
  std::string out;
  for (size_t c = 0; c < r.columns.size(); ++c) {
    out += (c ? " | " : "") + r.columns[c].name;
  }
  out += "\n";
  for (size_t i = 0; i < r.rows.size() && i < limit; ++i) {
    for (size_t c = 0; c < r.rows[i].size(); ++c) {
      out += (c ? " | " : "") + (r.rows[i][c] ? *r.rows[i][c] : std::string("NULL"));
    }
    out += "\n";
  }
  return std::string(trim(out));
}

std::string percent(double similarity) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", similarity * 100);
  return buf;
}

// Whether the LLM can fix this by writing other SQL: a refusal, or an error PostgreSQL raised
// about the statement. Not a lost connection (SQLSTATE class 08, or no SQLSTATE at all: libpq's
// own failures) nor a statement timeout (57014), which another attempt would only repeat.
bool worth_retrying(const Error& error) {
  if (error.code == ErrorCode::kGuard || error.code == ErrorCode::kLlm) return true;
  if (error.code != ErrorCode::kDatabase) return false;
  const std::string& m = error.message;
  return m.find("(SQLSTATE ") != std::string::npos && m.find("(SQLSTATE 08") == std::string::npos &&
         m.find("(SQLSTATE 57014)") == std::string::npos;
}

// Runs a pipeline coroutine to its end on the calling thread.
AskResult run_blocking(asio::awaitable<AskResult> work) {
  asio::io_context io;
  AskResult out;
  std::exception_ptr failure;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out = co_await std::move(work); },
      [&](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return out;
}

std::string cut_text(const std::string& s, size_t bytes) {
  if (s.size() <= bytes) return s;
  return std::string(utf8_prefix(s, bytes)) + "…";
}

}  // namespace

std::string render_conversation(const std::vector<Turn>& history, int full_turns,
                                int token_budget) {
  // Newest first, so the budget drops the oldest turns; then put back in order.
  std::vector<std::string> parts;
  size_t used = 0;
  const size_t budget_bytes = static_cast<size_t>(std::max(0, token_budget)) * 4;
  int dropped = 0;
  for (size_t i = history.size(); i-- > 0;) {
    const Turn& t = history[i];
    const bool full = static_cast<int>(history.size() - i) <= full_turns;
    std::string part = "Question: " + t.question + "\n";
    if (full) {
      if (!t.sql.empty()) part += "SQL:\n" + t.sql + "\n";
      if (!t.answer.empty()) part += "Answer: " + cut_text(t.answer, 600) + "\n";
    }
    if (used + part.size() > budget_bytes) {
      dropped = static_cast<int>(i) + 1;
      break;
    }
    used += part.size();
    parts.push_back(std::move(part));
  }
  std::string out;
  if (dropped > 0) {
    out += "(" + std::to_string(dropped) + " earlier question" + (dropped == 1 ? "" : "s") +
           " left out)\n\n";
  }
  for (size_t i = parts.size(); i-- > 0;) out += parts[i] + "\n";
  return std::string(trim(out));
}

Status validate_question(const std::string& question) {
  if (trim(question).empty()) {
    return make_error(ErrorCode::kUsage,
                      "the question is empty; ask something about the data, "
                      "e.g. \"How many orders were placed in 2025?\"");
  }
  if (question.size() > kMaxQuestionBytes) {
    return make_error(ErrorCode::kUsage, "the question is " + std::to_string(question.size()) +
                                             " bytes long; askdb accepts up to " +
                                             std::to_string(kMaxQuestionBytes) + ". Shorten it.");
  }
  if (!is_valid_utf8(question)) {
    return make_error(ErrorCode::kUsage,
                      "the question is not valid UTF-8 text; check your "
                      "terminal's encoding and type it again.");
  }
  return ok_status();
}

Result<std::vector<retrieval::TableHit>> Pipeline::search(pg::Connection& store,
                                                          const std::string& question,
                                                          const std::vector<Turn>& history,
                                                          const retrieval::SchemaVectors* vectors,
                                                          const std::vector<float>& asked) const {
  retrieval::SchemaSearchOptions options;
  options.wordnet = deps_.wordnet;
  if (vectors != nullptr && !asked.empty()) {
    options.vectors = vectors;
    options.question_vector = &asked;
  }
  return retrieval::search_schema(
      store, deps_.store_schema,
      history.empty() ? question : question + "\n" + history.back().question, options);
}

Ranking Pipeline::rank(const std::string& question, const std::vector<Turn>& history) const {
  Ranking ranking;
  // The knowledge index, when it was synced and nothing is wrong with it: its hits are of the
  // knowledge it was synced with, which the context is then built from.
  retrieval::KnowledgeIndexState known;
  if (deps_.knowledge_index) {
    known = deps_.knowledge_index();
    if (!known.problem.empty()) {
      ranking.knowledge_fallback = known.problem;  // logged when it arose
    } else if (!known.synced || !known.knowledge) {
      ranking.knowledge_fallback = "the knowledge index has not been synced yet";
    }
  } else {
    ranking.knowledge_fallback = "no knowledge index is at hand";
  }
  if (deps_.store_pool == nullptr) {
    ranking.fallback = "no app store is at hand for the schema index";
    if (ranking.knowledge_fallback.empty()) {
      ranking.knowledge_fallback = "no app store is at hand for the knowledge index";
    }
    return ranking;
  }
  if (deps_.index_problem) {
    ranking.fallback = deps_.index_problem();  // logged when it arose
  }
  const bool schema = ranking.fallback.empty();
  const bool knowledge = ranking.knowledge_fallback.empty();
  if (!schema && !knowledge) return ranking;

  auto lease = deps_.store_pool->acquire();
  if (!lease) {
    if (schema) ranking.fallback = lease.error().message;
    if (knowledge) ranking.knowledge_fallback = lease.error().message;
  } else {
    // The question is embedded once, for both indexes, when either has the embedder's vectors.
    const auto vectors = schema ? schema_vectors(**lease) : nullptr;
    const bool knowledge_vectors = knowledge && deps_.embedder != nullptr &&
                                   known.synced->dimensions() > 0 &&
                                   known.synced->model() == deps_.embedder->model();
    const std::vector<float> asked =
        vectors || knowledge_vectors ? embed_question(question) : std::vector<float>{};
    if (schema) {
      if (auto hits = search(**lease, question, history, vectors.get(), asked)) {
        ranking.hits = std::move(*hits);
        // Values only from the question itself: the last one's were shown with it.
        if (auto values = retrieval::search_values(**lease, deps_.store_schema, question)) {
          ranking.values = std::move(*values);
        } else {
          spdlog::warn("the value index could not be searched: {}", values.error().message);
        }
      } else {
        ranking.fallback = hits.error().message;
      }
    }
    if (knowledge) {
      retrieval::KnowledgeSearchOptions options;
      if (knowledge_vectors && !asked.empty()) options.question_vector = &asked;
      if (auto hits = retrieval::search_knowledge(**lease, deps_.store_schema, question,
                                                  *known.synced, options)) {
        ranking.knowledge_hits = std::move(*hits);
        ranking.knowledge = known.knowledge;
      } else {
        ranking.knowledge_fallback = hits.error().message;
      }
    }
  }
  if (schema && !ranking.fallback.empty()) {
    spdlog::warn("the schema index could not rank tables ({}); ranking them by word overlap",
                 ranking.fallback);
  }
  if (knowledge && !ranking.knowledge_fallback.empty()) {
    spdlog::warn(
        "the knowledge index could not rank examples and notes ({}); ranking them by trigram "
        "similarity in process",
        ranking.knowledge_fallback);
  }
  return ranking;
}

std::shared_ptr<const retrieval::SchemaVectors> Pipeline::schema_vectors(
    pg::Connection& store) const {
  if (deps_.embedder == nullptr || deps_.vectors == nullptr) return nullptr;
  auto vectors = deps_.vectors->get(store, deps_.store_schema);
  if (!vectors) {
    spdlog::warn("the schema index's vectors could not be read: {}", vectors.error().message);
    return nullptr;
  }
  // Vectors of another embedder (the index not yet rewritten) would not compare.
  if ((*vectors)->size() == 0 || (*vectors)->model() != deps_.embedder->model()) return nullptr;
  return std::move(*vectors);
}

std::vector<float> Pipeline::embed_question(const std::string& question) const {
  if (deps_.embedder == nullptr) return {};
  auto embedded = deps_.embedder->embed({question});
  if (!embedded) {
    spdlog::warn("the question could not be embedded: {}", embedded.error().message);
    return {};
  }
  if (embedded->vectors.empty()) return {};
  return std::move(embedded->vectors[0]);
}

Result<SqlContext> Pipeline::sql_context(const std::string& question,
                                         const std::vector<Turn>& history) const {
  return sql_context(question, history, rank(question, history));
}

Result<SqlContext> Pipeline::sql_context(const std::string& question,
                                         const std::vector<Turn>& history, Ranking ranking) const {
  retrieval::ContextOptions options;
  options.token_budget = deps_.config->pipeline.context_token_budget;
  options.ranking = &ranking.hits;
  options.values = &ranking.values;
  // The knowledge index's hits are positions in the knowledge it was synced with.
  if (ranking.knowledge_fallback.empty() && ranking.knowledge) {
    options.knowledge = &ranking.knowledge_hits;
  }
  const auto catalog = deps_.catalog->current();
  const auto knowledge = ranking.knowledge ? ranking.knowledge : deps_.knowledge->current();
  auto ctx = retrieval::build_context(*catalog, *knowledge, question, options);
  PromptValues values = {
      {"schema", ctx.schema},
      {"schema_partial", ctx.schema_complete ? "" : "yes"},
      {"values", ctx.values},
      {"examples", ctx.examples},
      {"glossary", ctx.glossary},
      {"conversation", render_conversation(history, deps_.config->pipeline.history_turns,
                                           deps_.config->pipeline.history_token_budget)},
      {"question", std::string(trim(question))},
      {"today", deps_.today ? deps_.today() : ""},
      {"row_cap", std::to_string(deps_.config->query.row_cap)},
      {"server_version", deps_.server_version},
  };
  auto request = deps_.prompts->sql_request(values);
  if (!request) return request.error();
  request->max_tokens = deps_.config->llm.max_tokens;
  request->temperature = deps_.config->llm.temperature;
  return SqlContext{std::move(ctx), std::move(ranking), std::move(*request)};
}

asio::awaitable<std::optional<Error>> Pipeline::guard_and_run(const std::string& sql,
                                                              AskResult& result,
                                                              const PipelineEvents& events,
                                                              Attempt& attempt) const {
  status(events, "checking");
  auto start = Clock::now();
  sqlguard::GuardOptions options;
  options.row_cap = deps_.config->query.row_cap;
  sqlguard::Verdict verdict = sqlguard::check(sql, *deps_.functions, options);
  add_timing(result, "guard", ms_since(start));
  if (verdict.rejected) attempt.refusal = sqlguard::refusal_name(verdict.rejected->refusal);
  auto accepted = sqlguard::to_result(std::move(verdict));
  if (!accepted) co_return accepted.error();
  // A pointer for the lambda below: GCC 12 destroys non-trivial values captured by a lambda
  // in a co_await expression twice.
  const sqlguard::GuardedSql* guarded = &*accepted;
  if (events.on_sql) events.on_sql(guarded->sql);

  status(events, "running");
  start = Clock::now();
  pg::QueryLimits limits;
  limits.statement_timeout_ms = deps_.config->query.statement_timeout_ms;
  limits.lock_timeout_ms = deps_.config->query.lock_timeout_ms;
  limits.idle_in_transaction_timeout_ms = deps_.config->query.idle_in_transaction_timeout_ms;
  auto rows = co_await offload(deps_.db_threads, [this, guarded, limits]() -> Result<pg::Rows> {
    auto lease = deps_.pool->acquire();
    if (!lease) return lease.error();
    return pg::run_read_only(**lease, guarded->sql, limits);
  });
  add_timing(result, "run", ms_since(start));
  if (!rows) {
    attempt.database_error = true;
    attempt.sqlstate = pg::error_sqlstate(rows.error());
    co_return rows.error();
  }
  result.sql = guarded->sql;
  result.columns = std::move(rows->columns);
  result.rows = std::move(rows->rows);
  result.truncated =
      guarded->limit_applied && static_cast<int64_t>(result.rows.size()) >= guarded->row_cap;
  if (events.on_rows) events.on_rows(result);
  co_return std::nullopt;
}

AskResult Pipeline::run_sql(const std::string& sql, const PipelineEvents& events) const {
  return run_blocking(run_sql_async(sql, events));
}

AskResult Pipeline::ask(const std::string& question, const std::vector<Turn>& history,
                        const PipelineEvents& events) const {
  return run_blocking(ask_async(question, history, events));
}

asio::awaitable<AskResult> Pipeline::run_sql_async(std::string sql, PipelineEvents events) const {
  AskResult result;
  const auto start = Clock::now();
  if (trim(sql).empty()) {
    result.error = make_error(ErrorCode::kUsage, "the SQL text is empty; pass a SELECT query.");
  } else if (!is_valid_utf8(sql)) {
    result.error = make_error(ErrorCode::kUsage, "the SQL text is not valid UTF-8.");
  } else {
    Attempt attempt;
    attempt.sql = std::string(trim(sql));
    result.error = co_await guard_and_run(sql, result, events, attempt);
    if (result.error) attempt.error = result.error->message;
    result.attempts.push_back(std::move(attempt));
  }
  add_timing(result, "total", ms_since(start));
  co_return result;
}

asio::awaitable<AskResult> Pipeline::ask_async(std::string question, std::vector<Turn> history,
                                               PipelineEvents events,
                                               std::shared_ptr<CancelToken> cancel) const {
  AskResult result;
  result.question = question;
  const auto total_start = Clock::now();
  auto finish = [&]() -> AskResult {
    add_timing(result, "total", ms_since(total_start));
    return std::move(result);
  };
  if (auto st = validate_question(question); !st) {
    result.error = st.error();
    co_return finish();
  }

  status(events, "retrieving");
  auto start = Clock::now();
  if (deps_.llm == nullptr) {
    co_await answer_without_llm(result, events);
    co_return finish();
  }
  // The ranking is kept for the retries (a few KB); each prompt is rebuilt from it, and the
  // context's text is dropped once the request is made.
  const Ranking ranking =
      co_await offload(deps_.db_threads, [&]() { return rank(question, history); });
  const auto sql_request = [&]() -> Result<llm::Request> {
    auto made = sql_context(question, history, ranking);
    if (!made) return made.error();
    return std::move(made->request);
  };
  auto request = sql_request();
  add_timing(result, "retrieve", ms_since(start));
  if (!request) {
    result.error = request.error();
    co_return finish();
  }

  const int max_attempts = 1 + deps_.config->pipeline.max_retries;
  std::optional<Error> last_error;
  // The request (the schema, the examples: tens of KB) goes to the provider, which keeps only
  // its encoded copy while the LLM writes; a retry rebuilds it (the same prompt, the same
  // result) and appends the earlier attempts, so a server with thousands of questions in
  // flight holds each prompt once.
  std::vector<llm::Message> retry_turns;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    if (attempt > 0) {
      request = sql_request();
      if (!request) {
        result.error = request.error();
        co_return finish();
      }
      for (const auto& m : retry_turns) request->messages.push_back(m);
    }
    status(events, "writing_sql");
    start = Clock::now();
    auto reply = co_await llm_reply(*deps_.llm, std::move(*request), {}, cancel.get());
    add_timing(result, "write_sql", ms_since(start));
    if (cancel && cancel->cancelled()) {
      result.cancelled = true;
      result.error = make_error(ErrorCode::kLlm, "stopped before the SQL was written");
      co_return finish();
    }
    if (!reply) {
      result.error = reply.error();
      co_return finish();
    }
    record_usage(result, "write_sql", *reply);

    auto extracted = extract_sql(reply->text);
    std::string sql = extracted ? extracted->sql : "";
    if (extracted && !extracted->cannot_answer.empty()) {
      Attempt declined;
      declined.error = "the model could not answer: " + extracted->cannot_answer;
      result.attempts.push_back(std::move(declined));
      result.answer = "I cannot answer that from this database: " + extracted->cannot_answer;
      if (events.on_answer) events.on_answer(result.answer);
      co_return finish();
    }
    Attempt tried;
    tried.sql = sql;
    if (!extracted) {
      last_error =
          make_error(ErrorCode::kLlm, "the LLM's reply held no SQL query. Reply: \"" +
                                          std::string(utf8_prefix(trim(reply->text), 300)) + "\"");
    } else {
      last_error = co_await guard_and_run(sql, result, events, tried);
    }
    if (last_error) tried.error = last_error->message;
    result.attempts.push_back(std::move(tried));
    if (!last_error) break;
    if (!worth_retrying(*last_error)) {
      result.error = last_error;
      co_return finish();
    }

    auto retry = deps_.prompts->retry_message({{"sql", sql}, {"error", last_error->message}});
    if (!retry) {
      result.error = retry.error();
      co_return finish();
    }
    retry_turns.push_back({llm::Role::kAssistant, reply->text});
    retry_turns.push_back({llm::Role::kUser, *retry});
  }
  if (last_error) {
    Error e = *last_error;
    e.message = "no usable SQL after " + std::to_string(result.attempts.size()) +
                " attempt(s); the last one failed: " + e.message +
                "\nRephrase the question, name the tables or columns you mean, or run SQL "
                "yourself with `askdb sql`.";
    result.error = e;
    co_return finish();
  }
  co_await answer(result, history, events, cancel.get());
  co_return finish();
}

asio::awaitable<void> Pipeline::answer(AskResult& result, const std::vector<Turn>& history,
                                       const PipelineEvents& events, CancelToken* cancel) const {
  status(events, "answering");
  const auto start = Clock::now();
  const size_t shown = static_cast<size_t>(deps_.config->pipeline.answer_rows);
  std::string shown_note;
  if (result.rows.size() > shown) {
    shown_note = "Only the first " + std::to_string(shown) + " rows are shown below.";
  }
  auto request = deps_.prompts->answer_request({
      {"question", std::string(trim(result.question))},
      {"sql", result.sql},
      {"rows", render_rows(result, shown)},
      {"row_count", std::to_string(result.rows.size())},
      {"truncated", result.truncated ? "yes" : ""},
      {"row_cap", std::to_string(deps_.config->query.row_cap)},
      {"shown_note", shown_note},
      {"conversation", render_conversation(history, deps_.config->pipeline.history_turns,
                                           deps_.config->pipeline.history_token_budget)},
  });
  if (!request) {
    result.error = request.error();
    co_return;
  }
  request->max_tokens = deps_.config->llm.max_tokens;
  request->temperature = deps_.config->llm.temperature;
  std::string partial;
  auto reply = co_await llm_reply(
      *deps_.llm, std::move(*request),
      [&](std::string_view delta) {
        partial.append(delta);
        if (events.on_answer) events.on_answer(delta);
      },
      cancel);
  add_timing(result, "answer", ms_since(start));
  if (cancel != nullptr && cancel->cancelled()) {
    result.cancelled = true;
    result.answer = std::string(trim(partial));
    result.error = make_error(ErrorCode::kLlm, "stopped before the answer was complete");
    co_return;
  }
  if (!reply) {
    result.answer = std::string(trim(partial));
    result.error = reply.error();
    co_return;
  }
  result.answer = std::string(trim(reply->text));
  record_usage(result, "answer", *reply);
}

void Pipeline::record_usage(AskResult& result, std::string_view stage,
                            const llm::Reply& reply) const {
  LlmCall call{std::string(stage), reply.model.empty() ? deps_.llm->model() : reply.model,
               reply.usage, std::nullopt};
  if (deps_.prices != nullptr) call.cost_usd = deps_.prices->cost_usd(call.model, call.usage);
  result.tokens.prompt_tokens += call.usage.prompt_tokens;
  result.tokens.completion_tokens += call.usage.completion_tokens;
  const bool priced_so_far = result.llm_calls.empty() || result.cost_usd.has_value();
  result.cost_usd = priced_so_far && call.cost_usd
                        ? std::optional<double>(result.cost_usd.value_or(0) + *call.cost_usd)
                        : std::nullopt;
  result.llm_calls.push_back(std::move(call));
}

asio::awaitable<void> Pipeline::answer_without_llm(AskResult& result,
                                                   const PipelineEvents& events) const {
  const auto knowledge = deps_.knowledge->current();
  const auto best = retrieval::rank_examples(*knowledge, result.question, 1);
  const double threshold = deps_.config->pipeline.verified_match;
  const char* enable =
      "To let askdb write SQL for any question, configure an LLM: AWS credentials and "
      "AWS_REGION for Claude on Amazon Bedrock, ANTHROPIC_API_KEY for Anthropic, "
      "OPENAI_API_KEY for OpenAI, or ASKDB_LLM_BASE_URL and ASKDB_LLM_MODEL for an "
      "OpenAI-compatible server (Ollama: http://127.0.0.1:11434/v1).";
  if (best.empty() || best[0].similarity < threshold) {
    std::string msg =
        "no LLM is configured, and the question does not closely match a verified "
        "question. ";
    msg += enable;
    if (!best.empty() && best[0].similarity > 0) {
      msg += "\nThe closest verified question (" + percent(best[0].similarity) + " alike) is: \"" +
             best[0].example->question + "\"";
    }
    result.error = make_error(ErrorCode::kLlm, msg);
    co_return;
  }
  result.verified = VerifiedMatch{best[0].example->question, best[0].similarity};
  Attempt attempt;
  attempt.sql = std::string(trim(best[0].example->sql));
  auto error = co_await guard_and_run(best[0].example->sql, result, events, attempt);
  if (error) attempt.error = error->message;
  result.attempts.push_back(std::move(attempt));
  if (error) {
    result.error = error;
    co_return;
  }
  result.answer =
      "No LLM is configured, so askdb ran the verified SQL of the closely matching "
      "question \"" +
      best[0].example->question + "\" (" + percent(best[0].similarity) + " alike). It returned " +
      std::to_string(result.rows.size()) + " row" + (result.rows.size() == 1 ? "" : "s") +
      (result.truncated ? ", cut at the row cap" : "") + ". " + enable;
  if (events.on_answer) events.on_answer(result.answer);
}

}  // namespace askdb::chat
