#include "server/api_examples.h"

#include "core/text.h"
#include "server/api_support.h"
#include "server/auth.h"

namespace askdb::server {
namespace {

using nlohmann::json;

// The longest SQL accepted for an example, in bytes.
constexpr size_t kMaxExampleSqlBytes = 100000;

json example_json(const store::VerifiedExample& e) {
  return {
      {"question", e.question}, {"sql", e.sql}, {"source", store::example_source_name(e.source)}};
}

}  // namespace

asio::awaitable<void> handle_list_examples(Exchange& ex, ServerContext& ctx) {
  auto caller = co_await authenticate(ex, ctx);
  if (!caller || !within_rate_limit(ex, ctx, *caller)) co_return;
  auto examples = co_await ctx.store(
      [&](pg::Connection& conn) { return ctx.examples.list_verified_examples(conn); });
  if (!examples) {
    respond_store_error(ex, examples.error());
    co_return;
  }
  json out = json::array();
  for (const auto& e : *examples) out.push_back(example_json(e));
  ex.respond_json(200, {{"examples", out}});
}

asio::awaitable<void> handle_add_example(Exchange& ex, ServerContext& ctx) {
  auto caller = co_await authenticate(ex, ctx);
  // Running the SQL costs about what a question does.
  if (!caller || !within_rate_limit(ex, ctx, *caller, 5)) co_return;
  auto body = json_body(ex);
  if (!body) co_return;
  const auto text = [&](const char* key) -> std::string {
    const auto it = body->find(key);
    return it != body->end() && it->is_string() ? std::string(trim(it->get<std::string>())) : "";
  };
  const std::string question = text("question");
  const std::string sql = text("sql");
  if (auto st = chat::validate_question(question); !st) {
    ex.respond_error(400, "bad_request", "\"question\": " + st.error().message);
    co_return;
  }
  if (sql.empty() || sql.size() > kMaxExampleSqlBytes) {
    ex.respond_error(400, "bad_request",
                     "\"sql\" must be the SQL that answers the question, at most " +
                         std::to_string(kMaxExampleSqlBytes) + " bytes.");
    co_return;
  }
  const chat::AskResult ran = co_await ctx.pipeline.run_sql_async(sql, {});
  if (ran.error) {
    ex.respond_error(
        400, "bad_request",
        "the SQL did not run (askdb learns only SQL that runs): " + ran.error->message);
    co_return;
  }
  auto added = co_await ctx.store([&](pg::Connection& conn) {
    return ctx.examples.add_verified_example(conn, question, sql, store::ExampleSource::kApi,
                                             caller->user);
  });
  if (!added) {
    respond_store_error(ex, added.error());
    co_return;
  }
  // Later questions are matched against it at once.
  (void)co_await ctx.store(
      [&](pg::Connection& conn) { return ctx.workspace.reload_learned_examples(conn); });
  json out = example_json({question, sql, store::ExampleSource::kApi});
  out["added"] = *added;
  out["rows"] = ran.rows.size();
  ex.respond_json(*added ? 201 : 200, out);
}

}  // namespace askdb::server
