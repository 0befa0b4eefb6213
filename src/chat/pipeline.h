// Pipeline: DESIGN.md's steps 1-5 for one question — retrieve context, have the LLM write SQL,
// guard it, run it read-only (back to the LLM with the reason on a refusal or an error, at most
// pipeline.max_retries times), and have the LLM answer in words from the rows.
//
// ask() never throws and always returns what it got: a failure sets AskResult::error but keeps
// the attempts, the SQL and the rows obtained before it. Events report progress as it happens
// (for streaming to a terminal or a browser). Thread-safe: one Pipeline may serve many
// questions at once; everything it holds is read-only or internally synchronised (the pool).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/prompts.h"
#include "config/config.h"
#include "llm/provider.h"
#include "pg/connection.h"
#include "pg/pool.h"
#include "retrieval/catalog.h"
#include "retrieval/knowledge.h"
#include "sqlguard/guard.h"

namespace askdb::chat {

// One earlier exchange of the conversation.
struct Turn {
  std::string question;
  std::string sql;
  std::string answer;
};

struct Attempt {
  std::string sql;    // as the LLM wrote it (or as extracted from its reply)
  std::string error;  // empty when this attempt ran
};

struct VerifiedMatch {
  std::string question;
  double similarity = 0;
};

struct AskResult {
  std::string question;
  std::string sql;  // the statement that ran, as guarded; empty when none ran
  std::vector<pg::Column> columns;
  std::vector<std::vector<pg::Cell>> rows;
  bool truncated = false;  // the guard's LIMIT (the row cap) was reached: more rows may exist
  std::string answer;
  std::vector<Attempt> attempts;
  std::vector<std::pair<std::string, double>> timings_ms;  // stage → milliseconds, in order
  llm::Usage tokens;
  std::optional<VerifiedMatch> verified;  // answered from a verified question, without an LLM
  std::optional<Error> error;
};

struct PipelineEvents {
  std::function<void(std::string_view stage)> on_status;  // "retrieving", "writing_sql", ...
  std::function<void(const std::string& sql)> on_sql;     // the guarded SQL, before it runs
  std::function<void(const AskResult& result)> on_rows;   // columns and rows are set
  std::function<void(std::string_view delta)> on_answer;  // the answer, piece by piece
};

// Everything the pipeline uses, owned elsewhere (see Workspace), passed in so tests can hand
// in fakes.
struct PipelineDeps {
  const Config* config = nullptr;
  pg::Pool* pool = nullptr;      // connections as the read-only role
  llm::Provider* llm = nullptr;  // null: no LLM configured
  const retrieval::Catalog* catalog = nullptr;
  const retrieval::Knowledge* knowledge = nullptr;
  const sqlguard::FunctionCatalog* functions = nullptr;
  const Prompts* prompts = nullptr;
  std::string server_version;          // "15.18"
  std::function<std::string()> today;  // ISO date; tests fix it
};

// The longest question accepted, in bytes.
inline constexpr size_t kMaxQuestionBytes = 8000;

class Pipeline {
 public:
  explicit Pipeline(PipelineDeps deps) : deps_(std::move(deps)) {}

  AskResult ask(const std::string& question, const std::vector<Turn>& history,
                const PipelineEvents& events = {}) const;

  // Runs SQL a person wrote through the same guard and executor (no LLM).
  AskResult run_sql(const std::string& sql, const PipelineEvents& events = {}) const;

  // The request that writes SQL for `question` (what the LLM sees first; golden tests).
  Result<llm::Request> sql_request(const std::string& question,
                                   const std::vector<Turn>& history) const;

 private:
  // Guards and runs `sql`, filling result on success; returns the error text otherwise.
  std::optional<Error> guard_and_run(const std::string& sql, AskResult& result,
                                     const PipelineEvents& events) const;
  void answer(AskResult& result, const PipelineEvents& events) const;
  void answer_without_llm(AskResult& result, const PipelineEvents& events) const;

  PipelineDeps deps_;
};

// Checks a question before any work: not empty, valid UTF-8, not too long.
Status validate_question(const std::string& question);

}  // namespace askdb::chat
