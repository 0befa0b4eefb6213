#include "server/api_messages.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>

#include "chat/result_json.h"
#include "core/log.h"
#include "core/text.h"
#include "server/api_support.h"
#include "server/auth.h"
#include "store/api_json.h"
#include "store/uuid.h"

namespace askdb::server {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxSqlBytes = 64 * 1024;
constexpr double kQuestionCost = 5;  // rate-limit tokens: a question costs more than a GET
constexpr auto kSaveEvery = std::chrono::seconds(1);

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The answer as it streams, saved to the store about once a second. Lives on the exchange's
// strand; the save itself runs on the database threads.
struct Progress {
  std::string message_id;
  std::string stage;  // the pipeline's stage now, as AskResult::timings_ms names it
  std::string sql;
  std::string answer;
  Clock::time_point last_save = Clock::now();
  bool saving = false;
};

// The stage (as AskResult::timings_ms names it) a pipeline status event begins.
std::string stage_of_status(std::string_view status) {
  if (status == "retrieving") return "retrieve";
  if (status == "writing_sql") return "write_sql";
  if (status == "checking") return "guard";
  if (status == "running") return "run";
  if (status == "answering") return "answer";
  return std::string(status);
}

// One log line per question: how it ended, how long each stage took, what the LLM used. A
// failure other than the guard's or the database's (which go back to the LLM and to the user)
// is a warning: operators see why answers fail (the LLM's credentials, quota, an outage).
void log_outcome(const Exchange& ex, const std::string& user, const std::string& conversation,
                 const std::string& message, const Progress& progress,
                 const chat::AskResult& result) {
  const bool failed = result.error.has_value();
  const bool operator_problem = failed && result.error->code != ErrorCode::kGuard &&
                                result.error->code != ErrorCode::kDatabase;
  std::vector<LogField> fields = {{"request_id", ex.request_id()},
                                  {"user", user},
                                  {"conversation", conversation},
                                  {"message_id", message},
                                  {"outcome", result.cancelled ? "cancelled"
                                              : failed         ? "failed"
                                                               : "answered"}};
  if (failed) {
    fields.emplace_back("stage", progress.stage);
    fields.emplace_back("error_code", error_code_name(result.error->code));
  }
  std::vector<std::string> keys;  // the fields' keys live as long as the line
  keys.reserve(result.timings_ms.size());
  for (const auto& [stage, ms] : result.timings_ms) {
    keys.push_back(stage == "total" ? "duration_ms" : stage + "_ms");
  }
  for (size_t i = 0; i < keys.size(); ++i)
    fields.emplace_back(keys[i], result.timings_ms[i].second);
  fields.emplace_back("attempts", result.attempts.size());
  fields.emplace_back("input_tokens", result.tokens.prompt_tokens);
  fields.emplace_back("output_tokens", result.tokens.completion_tokens);
  if (result.cost_usd) fields.emplace_back("cost_usd", *result.cost_usd);
  if (!operator_problem) {
    log_event(spdlog::level::info, failed ? "question not answered" : "question answered", fields);
    return;
  }
  log_event(spdlog::level::warn,
            std::string("question failed: ") + error_code_name(result.error->code) +
                " error: " + result.error->message,
            fields);
}

void maybe_save(const std::shared_ptr<Progress>& p, ServerContext& ctx,
                const asio::any_io_executor& strand) {
  if (p->saving || Clock::now() - p->last_save < kSaveEvery) return;
  p->saving = true;
  p->last_save = Clock::now();
  asio::post(ctx.store_threads, [p, &ctx, strand, id = p->message_id, sql = p->sql,
                                 answer = p->answer] {
    if (auto lease = ctx.store_pool.acquire()) {
      if (auto st = ctx.conversations.save_progress(**lease, id, sql, answer); !st) {
        spdlog::warn("message {}: saving the partial answer failed: {}", id, st.error().message);
      }
    }
    asio::post(strand, [p] { p->saving = false; });
  });
}

// What `rows` events carry: the result's columns, rows and chart.
json rows_event(const chat::AskResult& result) {
  json all = chat::to_json(result, false);
  return {{"columns", all["columns"]},
          {"rows", all["rows"]},
          {"row_count", all["row_count"]},
          {"truncated", all["truncated"]},
          {"chart", all["chart"]}};
}

store::MessageStatus status_of(const chat::AskResult& result) {
  if (result.cancelled) return store::MessageStatus::kInterrupted;
  if (result.error) return store::MessageStatus::kError;
  return store::MessageStatus::kDone;
}

}  // namespace

asio::awaitable<void> handle_post_message(Exchange& ex, ServerContext& ctx) {
  auto caller = co_await authenticate(ex, ctx);
  if (!caller) co_return;
  if (!within_rate_limit(ex, ctx, *caller, kQuestionCost)) co_return;
  auto body = json_body(ex);
  if (!body) co_return;

  store::MessageKind kind = store::MessageKind::kQuestion;
  std::string text;
  if (body->contains("question") && (*body)["question"].is_string()) {
    text = (*body)["question"].get<std::string>();
    if (auto st = chat::validate_question(text); !st) {
      ex.respond_error(400, "bad_request", st.error().message);
      co_return;
    }
  } else if (body->contains("sql") && (*body)["sql"].is_string()) {
    kind = store::MessageKind::kSql;
    text = (*body)["sql"].get<std::string>();
    if (trim(text).empty() || text.size() > kMaxSqlBytes || !is_valid_utf8(text)) {
      ex.respond_error(400, "bad_request",
                       "\"sql\" must be non-empty UTF-8 text of at most " +
                           std::to_string(kMaxSqlBytes) + " bytes.");
      co_return;
    }
  } else {
    ex.respond_error(400, "bad_request",
                     "send {\"question\": \"...\"} to ask a question, or {\"sql\": \"...\"} to "
                     "run a query.");
    co_return;
  }

  const std::string conversation_id(ex.path_param("id"));
  const std::string owner = caller->user;
  if (!store::is_uuid(conversation_id)) {
    respond_not_found(ex, "conversation");
    co_return;
  }
  ex.add_log_field("conversation", conversation_id);
  // A conversation this server has not seen lately is looked up before anything is promised.
  if (!ctx.known_conversations.contains(owner, conversation_id)) {
    auto found = co_await ctx.store([&](pg::Connection& conn) {
      return ctx.conversations.get_summary(conn, owner, conversation_id);
    });
    if (!found) {
      respond_store_error(ex, found.error());
      co_return;
    }
    if (!*found) {
      respond_not_found(ex, "conversation");
      co_return;
    }
    ctx.known_conversations.add(owner, conversation_id);
  }

  // Every place to the LLM taken and its queue full: say so before anything is stored, while
  // the status can still be 429 (the client keeps the question and may send it again).
  llm::Provider* provider = ctx.workspace.llm();
  if (kind == store::MessageKind::kQuestion && provider != nullptr && provider->at_capacity()) {
    ex.respond_error(429, "busy",
                     "askdb is answering as many questions as its LLM (" + provider->describe() +
                         ") allows at once; send the question again in a few seconds.",
                     {{"Retry-After", "5"}});
    co_return;
  }

  // The stream starts at once with the message's id; the question is stored before the LLM is
  // called, so nothing the user typed is lost.
  const bool stream = ex.header("accept").find("text/event-stream") != std::string_view::npos;
  auto sink = ex.event_sink();
  auto push = [stream, sink](std::string_view name, const json& data) {
    if (stream) sink->push_event(name, dump(data));
  };
  const std::string message_id = store::new_uuid();
  if (stream && !co_await ex.start_events()) {
    spdlog::info("message {}: the client left before the stream started", message_id);
  }
  push("status", {{"stage", "received"}, {"message_id", message_id}});

  auto added = co_await ctx.store([&](pg::Connection& conn) {
    return ctx.conversations.add_message(conn, owner, conversation_id, kind, text, message_id);
  });
  if (!added || !*added) {
    if (added) ctx.known_conversations.remove(owner, conversation_id);
    if (!stream) {
      if (!added) {
        respond_store_error(ex, added.error());
      } else {
        respond_not_found(ex, "conversation");
      }
      co_return;
    }
    push("error", {{"code", added ? "not_found" : "unavailable"},
                   {"message", added ? "the conversation was deleted; start a new one."
                                     : "askdb could not store the question: " +
                                           added.error().message + " Try again in a moment."},
                   {"message_id", message_id},
                   {"request_id", ex.request_id()}});
    sink->close();
    co_await ex.events_closed();
    co_return;
  }
  const store::StoredMessage message = std::move(**added);
  ex.add_log_field("message_id", message.id);
  std::vector<chat::Turn> history;
  if (kind == store::MessageKind::kQuestion && message.position > 1) {
    const int turns = std::max(ctx.config.pipeline.history_turns * 3, 20);
    auto recent = co_await ctx.store([&](pg::Connection& conn) {
      return ctx.conversations.recent_turns(conn, owner, conversation_id, turns, message.id);
    });
    if (recent) {
      for (auto& t : *recent) history.push_back({t.question, t.sql, t.answer});
    } else {
      spdlog::warn("message {}: could not read the conversation so far: {}", message.id,
                   recent.error().message);
    }
  }

  auto token = std::make_shared<chat::CancelToken>();
  InFlight::Registration registered(ctx.in_flight, message.id, token);
  ex.on_client_gone([token] { token->cancel(); });
  auto progress = std::make_shared<Progress>();
  progress->message_id = message.id;
  // The pipeline runs on the answers' own event loop (ServerContext::answers_io), so a burst
  // of questions being answered never delays reading new requests and sending their first
  // events here. Its events reach the client through the thread-safe event sink.
  const asio::any_io_executor strand = asio::make_strand(ctx.answers_io);

  chat::PipelineEvents events;
  events.on_status = [&](std::string_view stage) {
    progress->stage = stage_of_status(stage);
    push("status", {{"stage", stage}, {"message_id", message.id}});
  };
  events.on_sql = [&](const std::string& sql) {
    progress->sql = sql;
    push("sql", {{"sql", sql}});
  };
  events.on_rows = [&](const chat::AskResult& r) { push("rows", rows_event(r)); };
  events.on_answer = [&](std::string_view delta) {
    progress->answer.append(delta);
    push("answer", {{"delta", delta}});
    maybe_save(progress, ctx, strand);
  };

  chat::Completion<chat::AskResult> answered(ex.executor());
  asio::co_spawn(
      strand,
      [&]() -> asio::awaitable<void> {
        // (No co_await inside ?: — GCC 12 mishandles the temporaries of a conditional one.)
        chat::AskResult r;
        if (kind == store::MessageKind::kQuestion) {
          r = co_await ctx.pipeline.ask_async(text, std::move(history), events, token);
        } else {
          r = co_await ctx.pipeline.run_sql_async(text, events);
        }
        answered.complete(std::move(r));
      },
      [&answered, id = message.id](std::exception_ptr failure) {
        if (!failure) return;
        // A bug: the question ends with an error rather than waiting forever.
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(failure);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("message {}: the pipeline failed: {}", id, what);
        chat::AskResult r;
        r.error = Error{ErrorCode::kInternal,
                        "askdb failed while answering (" + what +
                            "); this is a bug, please report it with the server log."};
        answered.complete(std::move(r));
      });
  // Waits until the pipeline is done (also when the client left: the pipeline is cancelled
  // and stores what it had); the pipeline's coroutine uses this frame's locals until then.
  chat::AskResult result = co_await answered.wait();
  if (kind == store::MessageKind::kQuestion) result.question = text;
  if (ctx.metrics != nullptr) {
    ctx.metrics->record_answer(result, kind == store::MessageKind::kQuestion);
  }
  log_outcome(ex, caller->user, conversation_id, message.id, *progress, result);

  json outcome = chat::to_json(result, true);
  const store::MessageStatus status = status_of(result);
  auto finished = co_await ctx.store([&](pg::Connection& conn) {
    return ctx.conversations.finish_message(conn, message.id, status, outcome);
  });
  json stored;
  if (finished) {
    stored = store::message_json(*finished);
  } else {
    // The answer could not be stored; the client still gets it, and the log says why.
    spdlog::error("message {}: storing the answer failed: {}", message.id,
                  finished.error().message);
    stored = outcome;
    stored["id"] = message.id;
    stored["conversation_id"] = conversation_id;
    stored["status"] = store::message_status_name(status);
  }

  if (!stream) {
    if (!finished) {
      respond_store_error(ex, finished.error());
    } else {
      ex.respond_json(200, {{"message", stored}});
    }
    co_return;
  }
  if (!finished) {
    push("error", {{"code", "unavailable"},
                   {"message", "the answer could not be stored (" + finished.error().message +
                                   "); it is shown above but will not be in the conversation."},
                   {"message_id", message.id},
                   {"request_id", ex.request_id()}});
  } else if (result.error) {
    push("error", {{"code", error_code_name(result.error->code)},
                   {"message", result.error->message},
                   {"message_id", message.id},
                   {"request_id", ex.request_id()}});
  } else {
    push("done", stored);
  }
  sink->close();
  co_await ex.events_closed();
}

asio::awaitable<void> handle_feedback(Exchange& ex, ServerContext& ctx) {
  auto caller = co_await authenticate(ex, ctx);
  if (!caller) co_return;
  if (!within_rate_limit(ex, ctx, *caller)) co_return;
  auto body = json_body(ex);
  if (!body) co_return;
  const auto rating = body->contains("rating") && (*body)["rating"].is_string()
                          ? store::parse_rating((*body)["rating"].get<std::string>())
                          : std::nullopt;
  if (!rating) {
    ex.respond_error(400, "bad_request", "\"rating\" must be \"up\" or \"down\".");
    co_return;
  }
  std::optional<std::string> comment;
  if (body->contains("comment") && !(*body)["comment"].is_null()) {
    if (!(*body)["comment"].is_string() || (*body)["comment"].get<std::string>().size() > 4000) {
      ex.respond_error(400, "bad_request", "\"comment\" must be text of at most 4000 bytes.");
      co_return;
    }
    comment = (*body)["comment"].get<std::string>();
  }
  const std::string message_id(ex.path_param("id"));
  auto saved = co_await ctx.store([&](pg::Connection& conn) {
    return ctx.feedback.set_feedback(conn, caller->user, message_id, *rating, comment);
  });
  if (!saved) {
    respond_store_error(ex, saved.error());
    co_return;
  }
  if (!*saved) {
    respond_not_found(ex, "message");
    co_return;
  }
  // A thumbs up teaches askdb: later questions are matched against it.
  (void)co_await ctx.store(
      [&](pg::Connection& conn) { return ctx.workspace.reload_learned_examples(conn); });
  ex.respond_json(200, store::feedback_json(**saved));
}

}  // namespace askdb::server
