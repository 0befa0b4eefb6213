#include "server/api_notes.h"

#include "core/text.h"
#include "server/api_support.h"
#include "server/auth.h"

namespace askdb::server {
namespace {

using nlohmann::json;

}  // namespace

asio::awaitable<void> handle_list_notes(Exchange& ex, ServerContext& ctx) {
  auto caller = co_await authenticate(ex, ctx);
  if (!caller || !within_rate_limit(ex, ctx, *caller)) co_return;
  // Read now rather than taken from the knowledge in use: another replica may have added one.
  auto stored =
      co_await ctx.store([&](pg::Connection& conn) { return ctx.notes.list_notes(conn); });
  if (!stored) {
    respond_store_error(ex, stored.error());
    co_return;
  }
  const auto stored_json = [](const store::StoredNote& n) {
    return json{{"term", n.term},
                {"text", n.text},
                {"source", "store"},
                {"created_by", n.created_by},
                {"created_at", n.created_at}};
  };
  // In the order the prompt draws on them: glossary.md's (a stored note in the place of the file
  // note of its term), then the other stored ones.
  json out = json::array();
  std::vector<bool> placed(stored->size(), false);
  for (const auto& f : ctx.workspace.file_knowledge().glossary) {
    bool replaced = false;
    for (size_t i = 0; i < stored->size() && !replaced; ++i) {
      if (!placed[i] && retrieval::same_note_term((*stored)[i].term, f.term)) {
        out.push_back(stored_json((*stored)[i]));
        placed[i] = replaced = true;
      }
    }
    if (!replaced) out.push_back({{"term", f.term}, {"text", f.text}, {"source", "file"}});
  }
  for (size_t i = 0; i < stored->size(); ++i) {
    if (!placed[i]) out.push_back(stored_json((*stored)[i]));
  }
  ex.respond_json(200, {{"notes", out}});
}

asio::awaitable<void> handle_add_note(Exchange& ex, ServerContext& ctx) {
  auto caller = co_await authenticate(ex, ctx);
  // Re-indexing the knowledge (and embedding the note) costs about what a question does.
  if (!caller || !within_rate_limit(ex, ctx, *caller, 5)) co_return;
  auto body = json_body(ex);
  if (!body) co_return;
  for (const char* key : {"term", "text"}) {
    const auto it = body->find(key);
    if (it == body->end() || !it->is_string()) {
      ex.respond_error(400, "bad_request",
                       std::string("\"") + key +
                           "\" is missing or not a string; send {\"term\": \"...\", \"text\": "
                           "\"...\"}.");
      co_return;
    }
  }
  const std::string term(trim((*body)["term"].get<std::string>()));
  const std::string text(trim((*body)["text"].get<std::string>()));
  if (auto st = store::validate_note(term, text); !st) {
    ex.respond_error(400, "bad_request", st.error().message);
    co_return;
  }
  auto added = co_await ctx.store(
      [&](pg::Connection& conn) { return ctx.notes.put_note(conn, term, text, caller->user); });
  if (!added) {
    respond_store_error(ex, added.error());
    co_return;
  }
  // Later questions get it at once (a failed index sync is logged; they still get it).
  (void)co_await ctx.store(
      [&](pg::Connection& conn) { return ctx.workspace.reload_learned_examples(conn); });
  ex.respond_json(*added ? 201 : 200, {{"term", term}, {"text", text}, {"added", *added}});
}

}  // namespace askdb::server
