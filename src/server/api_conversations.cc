#include "server/api_conversations.h"

#include <algorithm>

#include "core/text.h"
#include "server/api_support.h"
#include "server/auth.h"
#include "store/api_json.h"
#include "store/migrations.h"

namespace askdb::server {
namespace {

using nlohmann::json;

constexpr size_t kMaxTitleBytes = 200;
constexpr int kListLimit = 200;

// A title from a request body: text, trimmed, at most kMaxTitleBytes. Answers 400 otherwise.
std::optional<std::string> title_from(Exchange& ex, const json& body, bool required) {
  if (!body.contains("title")) {
    if (!required) return std::string();
    ex.respond_error(400, "bad_request", "send {\"title\": \"...\"}.");
    return std::nullopt;
  }
  if (!body["title"].is_string()) {
    ex.respond_error(400, "bad_request", "\"title\" must be text.");
    return std::nullopt;
  }
  std::string title(trim(body["title"].get<std::string>()));
  if (!is_valid_utf8(title) || title.size() > kMaxTitleBytes || (required && title.empty())) {
    ex.respond_error(400, "bad_request",
                     "\"title\" must be non-empty UTF-8 text of at most " +
                         std::to_string(kMaxTitleBytes) + " bytes.");
    return std::nullopt;
  }
  return title;
}

}  // namespace

asio::awaitable<void> handle_create_conversation(Exchange& ex, ServerContext& ctx) {
  auto caller = co_await authenticate(ex, ctx);
  if (!caller || !within_rate_limit(ex, ctx, *caller)) co_return;
  auto body = json_body(ex, true);
  if (!body) co_return;
  auto title = title_from(ex, *body, false);
  if (!title) co_return;
  auto created = co_await ctx.store([&](pg::Connection& conn) {
    return ctx.conversations.create_conversation(conn, caller->user, *title);
  });
  if (!created) {
    respond_store_error(ex, created.error());
    co_return;
  }
  ctx.known_conversations.add(caller->user, created->id);
  ex.add_header("Location", "/api/v1/conversations/" + created->id);
  ex.respond_json(201, store::summary_json(*created));
}

asio::awaitable<void> handle_list_conversations(Exchange& ex, ServerContext& ctx) {
  auto caller = co_await authenticate(ex, ctx);
  if (!caller || !within_rate_limit(ex, ctx, *caller)) co_return;
  auto list = co_await ctx.store([&](pg::Connection& conn) {
    return ctx.conversations.list_conversations(conn, caller->user, kListLimit);
  });
  if (!list) {
    respond_store_error(ex, list.error());
    co_return;
  }
  json out = json::array();
  for (const auto& s : *list) {
    ctx.known_conversations.add(caller->user, s.id);
    out.push_back(store::summary_json(s));
  }
  ex.respond_json(200, {{"conversations", std::move(out)}});
}

asio::awaitable<void> handle_get_conversation(Exchange& ex, ServerContext& ctx) {
  auto caller = co_await authenticate(ex, ctx);
  if (!caller || !within_rate_limit(ex, ctx, *caller)) co_return;
  const std::string id(ex.path_param("id"));
  auto found = co_await ctx.store([&](pg::Connection& conn) {
    return ctx.conversations.get_conversation(conn, caller->user, id);
  });
  if (!found) {
    respond_store_error(ex, found.error());
    co_return;
  }
  if (!*found) {
    respond_not_found(ex, "conversation");
    co_return;
  }
  ctx.known_conversations.add(caller->user, id);
  ex.respond_json(200, store::conversation_json(**found));
}

asio::awaitable<void> handle_rename_conversation(Exchange& ex, ServerContext& ctx) {
  auto caller = co_await authenticate(ex, ctx);
  if (!caller || !within_rate_limit(ex, ctx, *caller)) co_return;
  auto body = json_body(ex);
  if (!body) co_return;
  auto title = title_from(ex, *body, true);
  if (!title) co_return;
  const std::string id(ex.path_param("id"));
  auto renamed = co_await ctx.store([&](pg::Connection& conn) {
    return ctx.conversations.rename_conversation(conn, caller->user, id, *title);
  });
  if (!renamed) {
    respond_store_error(ex, renamed.error());
    co_return;
  }
  if (!*renamed) {
    respond_not_found(ex, "conversation");
    co_return;
  }
  ex.respond_json(200, store::summary_json(**renamed));
}

asio::awaitable<void> handle_delete_conversation(Exchange& ex, ServerContext& ctx) {
  auto caller = co_await authenticate(ex, ctx);
  if (!caller || !within_rate_limit(ex, ctx, *caller)) co_return;
  const std::string id(ex.path_param("id"));
  auto deleted = co_await ctx.store([&](pg::Connection& conn) {
    return ctx.conversations.delete_conversation(conn, caller->user, id);
  });
  if (!deleted) {
    respond_store_error(ex, deleted.error());
    co_return;
  }
  ctx.known_conversations.remove(caller->user, id);
  if (!*deleted) {
    respond_not_found(ex, "conversation");
    co_return;
  }
  ex.respond(204, "");
}

asio::awaitable<void> handle_schema(Exchange& ex, ServerContext& ctx) {
  auto caller = co_await authenticate(ex, ctx);
  if (!caller || !within_rate_limit(ex, ctx, *caller)) co_return;
  json tables = json::array();
  const auto catalog = ctx.workspace.catalog();
  for (const auto& t : catalog->tables) {
    json columns = json::array();
    for (const auto& c : t.columns) {
      const bool pk =
          std::find(t.primary_key.begin(), t.primary_key.end(), c.name) != t.primary_key.end();
      columns.push_back({{"name", c.name},
                         {"type", c.type},
                         {"comment", c.comment},
                         {"nullable", !c.not_null},
                         {"primary_key", pk}});
    }
    json fks = json::array();
    for (const auto& fk : t.foreign_keys) {
      fks.push_back({{"columns", fk.columns},
                     {"references", fk.ref_schema + "." + fk.ref_table},
                     {"referenced_columns", fk.ref_columns}});
    }
    tables.push_back({{"schema", t.schema},
                      {"name", t.name},
                      {"kind", t.kind},
                      {"comment", t.comment},
                      {"row_estimate", t.row_estimate},
                      {"columns", std::move(columns)},
                      {"foreign_keys", std::move(fks)}});
  }
  ex.respond_json(200, {{"tables", std::move(tables)}});
}

asio::awaitable<void> handle_healthz(Exchange& ex, ServerContext& /*ctx*/) {
  ex.respond_json(200, {{"status", "ok"}});
  co_return;
}

asio::awaitable<void> handle_readyz(Exchange& ex, ServerContext& ctx) {
  // Unauthenticated, so limited per address: a flood must not hold the database threads.
  if (!within_rate_limit(ex, ctx, Caller{})) co_return;
  auto database = co_await chat::offload(&ctx.db_threads, [&ctx]() -> Status {
    auto lease = ctx.workspace.pool().acquire();
    if (!lease) return lease.error();
    auto rows = (*lease)->query("SELECT 1");
    if (!rows) return rows.error();
    return ok_status();
  });
  // The store is ready when it answers and has every migration this build knows (a newer
  // replica may have applied more: that is fine).
  auto store = co_await ctx.store([&ctx](pg::Connection& conn) -> Status {
    auto applied = store::applied_migrations(conn, ctx.config.store.schema);
    if (!applied) return applied.error();
    for (const store::Migration& m : store::embedded_migrations()) {
      if (std::find(applied->begin(), applied->end(), m.version) == applied->end()) {
        return make_error(ErrorCode::kDatabase,
                          "the app store lacks migration " + std::to_string(m.version) + " (" +
                              std::string(m.name) + "): run `askdb migrate` with this version.");
      }
    }
    return ok_status();
  });
  json out = {{"status", database.ok() && store.ok() ? "ready" : "not ready"},
              {"database", database.ok() ? "ok" : database.error().message},
              {"store", store.ok() ? "ok" : store.error().message}};
  if (ctx.stopping()) out["status"] = "stopping";
  ex.respond_json(out["status"] == "ready" ? 200 : 503, out);
}

}  // namespace askdb::server
