// Pipeline: DESIGN.md's steps 1-5 for one question — retrieve context, have the LLM write SQL,
// guard it, run it read-only (back to the LLM with the reason on a refusal or an error, at most
// pipeline.max_retries times), and have the LLM answer in words from the rows.
//
// ask_async() is a coroutine: it waits for the LLM without a thread (llm::Provider::start) and
// hands database work to PipelineDeps::db_threads, so a server can keep thousands of questions
// in flight. ask() is the blocking form for the command line. Neither throws, and both return
// what they got: a failure sets AskResult::error but keeps the attempts, the SQL, the rows and
// the partial answer obtained before it. Events report progress as it happens (for streaming
// to a terminal or a browser), on the coroutine's executor. Thread-safe: one Pipeline may
// serve many questions at once; everything it holds is read-only or internally synchronised.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/async.h"
#include "chat/prompts.h"
#include "config/config.h"
#include "llm/pricing.h"
#include "llm/provider.h"
#include "pg/connection.h"
#include "pg/pool.h"
#include "retrieval/catalog.h"
#include "retrieval/context_builder.h"
#include "retrieval/knowledge.h"
#include "retrieval/knowledge_index.h"
#include "retrieval/schema_index.h"
#include "retrieval/schema_vectors.h"
#include "retrieval/wordnet.h"
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
  // Why it failed, in stable words (for metrics); at most one of them is set:
  std::string refusal;          // the guard refused it: sqlguard::refusal_name ("not_a_query")
  bool database_error = false;  // the database (or the pool) failed to run it
  std::string sqlstate;  // with database_error: PostgreSQL's SQLSTATE ("42703"), "" when none
};

struct VerifiedMatch {
  std::string question;
  double similarity = 0;
};

// One call to the LLM while answering: what it was for, and what it used.
struct LlmCall {
  std::string stage;  // "write_sql", "answer"
  std::string model;
  llm::Usage usage;
  std::optional<double> cost_usd;  // nullopt when the model has no price
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
  llm::Usage tokens;                                       // all LLM calls of this answer together
  std::vector<LlmCall> llm_calls;                          // each LLM call, in order
  std::optional<double> cost_usd;         // of all calls; nullopt when the model has no price
  std::optional<VerifiedMatch> verified;  // answered from a verified question, without an LLM
  std::optional<Error> error;
  bool cancelled = false;  // stopped by its CancelToken; `answer` holds what had arrived
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
  pg::Pool* pool = nullptr;                 // connections as the read-only role
  llm::Provider* llm = nullptr;             // null: no LLM configured
  const llm::PriceTable* prices = nullptr;  // null: costs are not computed
  const retrieval::SharedCatalog* catalog = nullptr;
  const retrieval::SharedKnowledge* knowledge = nullptr;
  // The app store holding the schema index (retrieval/indexer.h). Null, or a failing search:
  // tables are ranked by word overlap instead (and the log says why).
  pg::Pool* store_pool = nullptr;
  std::string store_schema;
  // Why the index cannot be trusted now (it could not be brought up to date), or "": then
  // tables are ranked by word overlap, which sees the whole current catalog.
  std::function<std::string()> index_problem;
  // Vectors (retrieval/schema_vectors.h): the question is embedded with `embedder` (the one the
  // index was written with) and the index's vectors, loaded once per version, join the ranking.
  // Null: full text only.
  llm::Embedder* embedder = nullptr;
  retrieval::SchemaVectorCache* vectors = nullptr;
  // WordNet's synonyms of the question's words join the search (null or absent: none).
  const retrieval::WordNet* wordnet = nullptr;
  // The knowledge index (retrieval/knowledge_index.h) as last synced: examples and notes are
  // ranked by it, in the same store, with the question's vector when the sync used `embedder`.
  // Null, a problem, or a failing search: ranked in process (rank_examples) instead.
  std::function<retrieval::KnowledgeIndexState()> knowledge_index;
  asio::thread_pool* db_threads = nullptr;  // null: database calls block the caller
  const sqlguard::FunctionCatalog* functions = nullptr;
  const Prompts* prompts = nullptr;
  std::string server_version;          // "15.18"
  std::function<std::string()> today;  // ISO date; tests fix it
};

// How the tables of a context were ranked: by the schema index, or, when that is not at hand,
// by word overlap (`fallback` says why); and the examples and notes: by the knowledge index, or
// in process (`knowledge_fallback` says why).
struct Ranking {
  std::vector<retrieval::TableHit> hits;
  std::vector<retrieval::ValueHit> values;  // cell values the question names
  std::string fallback;                     // empty when the index ranked them
  // Examples and notes of `knowledge` (the snapshot the index was synced with), best first.
  std::vector<retrieval::KnowledgeHit> knowledge_hits;
  std::shared_ptr<const retrieval::Knowledge> knowledge;  // null: the knowledge in use
  std::string knowledge_fallback;  // empty when the knowledge index ranked them
};

// What the LLM is shown to write SQL, and how it was chosen (`askdb context`).
struct SqlContext {
  retrieval::Context context;
  Ranking ranking;
  llm::Request request;
};

// The longest question accepted, in bytes.
inline constexpr size_t kMaxQuestionBytes = 8000;

class Pipeline {
 public:
  explicit Pipeline(PipelineDeps deps) : deps_(std::move(deps)) {}

  // Answers `question`, given the conversation so far (oldest turn first). `cancel`, when
  // set, stops the LLM request in flight: the result then has `cancelled` set.
  asio::awaitable<AskResult> ask_async(std::string question, std::vector<Turn> history,
                                       PipelineEvents events,
                                       std::shared_ptr<CancelToken> cancel = nullptr) const;
  // Runs SQL a person wrote through the same guard and executor (no LLM).
  asio::awaitable<AskResult> run_sql_async(std::string sql, PipelineEvents events) const;

  // Blocking forms, for the command line: run the coroutine on the calling thread.
  AskResult ask(const std::string& question, const std::vector<Turn>& history,
                const PipelineEvents& events = {}) const;
  AskResult run_sql(const std::string& sql, const PipelineEvents& events = {}) const;

  // Step 1, blocking (a database call): the catalog's tables ranked for `question`, read
  // together with the conversation's last question (a follow-up such as "and by month?"
  // names no table itself).
  Ranking rank(const std::string& question, const std::vector<Turn>& history) const;
  // The request that writes SQL for `question` (what the LLM sees first), from a ranking.
  Result<SqlContext> sql_context(const std::string& question, const std::vector<Turn>& history,
                                 Ranking ranking) const;
  // rank() then sql_context(): exactly what ask() would send first (`askdb context`, golden
  // tests).
  Result<SqlContext> sql_context(const std::string& question,
                                 const std::vector<Turn>& history) const;

  const PipelineDeps& deps() const { return deps_; }

 private:
  // The schema index's vectors when they are the embedder's; null otherwise.
  std::shared_ptr<const retrieval::SchemaVectors> schema_vectors(pg::Connection& store) const;
  // The question's vector; empty when it cannot be had (logged).
  std::vector<float> embed_question(const std::string& question) const;
  // The schema index's ranking for `question` (read with the conversation's last question),
  // fused with `vectors` when both they and `asked` (the question's vector) are at hand.
  Result<std::vector<retrieval::TableHit>> search(pg::Connection& store,
                                                  const std::string& question,
                                                  const std::vector<Turn>& history,
                                                  const retrieval::SchemaVectors* vectors,
                                                  const std::vector<float>& asked) const;
  // Adds one LLM call's usage (and cost, when priced) to the result.
  void record_usage(AskResult& result, std::string_view stage, const llm::Reply& reply) const;
  // Guards and runs `sql`, filling result on success; returns the error otherwise, and sets
  // `attempt`'s refusal or database_error and sqlstate.
  asio::awaitable<std::optional<Error>> guard_and_run(const std::string& sql, AskResult& result,
                                                      const PipelineEvents& events,
                                                      Attempt& attempt) const;
  asio::awaitable<void> answer(AskResult& result, const std::vector<Turn>& history,
                               const PipelineEvents& events, CancelToken* cancel) const;
  asio::awaitable<void> answer_without_llm(AskResult& result, const PipelineEvents& events) const;

  PipelineDeps deps_;
};

// The conversation so far as the prompts show it: the last `full_turns` turns with their SQL
// and answer, older ones by their question only, the oldest dropped first to stay within
// `token_budget` (tokens counted as UTF-8 bytes / 4). Empty when there is no history.
std::string render_conversation(const std::vector<Turn>& history, int full_turns, int token_budget);

// Checks a question before any work: not empty, valid UTF-8, not too long.
Status validate_question(const std::string& question);

}  // namespace askdb::chat
