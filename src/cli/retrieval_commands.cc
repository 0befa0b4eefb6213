#include "cli/retrieval_commands.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/output.h"
#include "core/text.h"
#include "store/glossary_notes.h"
#include "store/verified_examples.h"

namespace askdb::cli {
namespace {

using nlohmann::json;

// The prompt as the LLM receives it: the system text, then the messages.
std::string render_prompt(const llm::Request& request) {
  std::string out = "=== system ===\n" + request.system;
  for (const auto& m : request.messages) {
    out += std::string("=== ") + (m.role == llm::Role::kUser ? "user" : "assistant") + " ===\n" +
           m.content;
  }
  return out;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : separator) + i;
  return out;
}

}  // namespace

int run_index(chat::Workspace& workspace, bool json_out) {
  auto report = workspace.refresh(/*force=*/true);
  if (!report) return fail(report.error(), json_out);
  // The knowledge index, synced by the refresh with the examples and notes in use.
  const retrieval::KnowledgeIndexState known = workspace.knowledge_index();
  const auto knowledge = workspace.knowledge().current();
  const auto where = [](const retrieval::SkippedColumn& s) {
    const std::string table = retrieval::qualified_name(s.schema, s.table);
    return s.column.empty() ? table : table + "." + retrieval::sql_identifier(s.column);
  };
  if (json_out) {
    json skipped = json::array();
    for (const auto& s : report->skipped) {
      skipped.push_back({{"table", retrieval::qualified_name(s.schema, s.table)},
                         {"column", s.column},
                         {"reason", s.reason}});
    }
    json unreadable = json::array();
    for (const auto& u : report->unreadable) {
      unreadable.push_back({{"table", retrieval::qualified_name(u.schema, u.name)},
                            {"kind", u.kind},
                            {"columns", u.columns},
                            {"reason", u.reason}});
    }
    print_json({{"tables", report->tables},
                {"unreadable", unreadable},
                {"columns", report->columns},
                {"values", report->values},
                {"value_columns", report->value_columns},
                {"typo_tolerant_values", report->trigram},
                {"skipped", skipped},
                {"warnings", report->warnings},
                {"fingerprint", report->fingerprint},
                {"examples", knowledge->examples.size()},
                {"notes", knowledge->glossary.size()},
                {"knowledge_problem", known.problem},
                {"ms", report->ms}});
    return 0;
  }
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.0f ms", report->ms);
  std::cout << "askdb: indexed " << report->tables << " tables and " << report->columns
            << " columns, and " << report->values << " values of " << report->value_columns
            << " columns, in " << ms << " (catalog fingerprint " << report->fingerprint << ")\n";
  if (!report->unreadable.empty()) {
    std::cout << "left out (the read-only role may not read them):\n";
    for (const auto& u : report->unreadable) std::cout << "  " << u.describe() << "\n";
  }
  if (!report->skipped.empty()) {
    std::cout << "values not read from " << report->skipped.size() << " columns or tables:\n";
    for (const auto& s : report->skipped) std::cout << "  " << where(s) << ": " << s.reason << "\n";
  }
  if (known.problem.empty()) {
    std::cout << "askdb: the knowledge index holds " << knowledge->examples.size()
              << " verified examples and " << knowledge->glossary.size() << " glossary notes\n";
  }
  for (const auto& w : report->warnings) std::cerr << "askdb: " << w << "\n";
  if (!known.problem.empty()) {
    std::cerr << "askdb: the knowledge index is not in use (examples and notes are ranked by "
                 "trigram similarity): "
              << known.problem << "\n";
  }
  return 0;
}

int run_context(chat::Workspace& workspace, const std::string& question, bool json_out) {
  if (auto st = chat::validate_question(question); !st) return fail(st.error(), json_out);
  auto made = workspace.pipeline().sql_context(question, {});
  if (!made) return fail(made.error(), json_out);
  const retrieval::Context& ctx = made->context;
  const int budget = workspace.config().pipeline.context_token_budget;
  const std::string ranking =
      made->ranking.fallback.empty() ? "schema index" : "word overlap: " + made->ranking.fallback;
  const std::string knowledge_ranking =
      made->ranking.knowledge_fallback.empty()
          ? "knowledge index"
          : "trigram similarity: " + made->ranking.knowledge_fallback;
  const std::string prompt = render_prompt(made->request);
  if (json_out) {
    json values = json::array();
    for (const auto& v : ctx.value_hits) {
      values.push_back({{"table", retrieval::qualified_name(v.schema, v.table)},
                        {"column", v.column},
                        {"value", v.value},
                        {"truncated", v.truncated},
                        {"score", v.score}});
    }
    json tables = json::array();
    for (const auto& t : ctx.tables) {
      tables.push_back({{"name", t.name}, {"columns", t.columns}, {"why", t.why}});
    }
    json example_ranking = json::array();
    for (const auto& e : ctx.example_items) {
      example_ranking.push_back({{"question", e.name}, {"score", e.score}, {"why", e.why}});
    }
    json note_ranking = json::array();
    for (const auto& n : ctx.note_items) {
      note_ranking.push_back({{"term", n.name}, {"score", n.score}, {"why", n.why}});
    }
    print_json({{"tables", tables},
                {"values", values},
                {"examples", ctx.example_questions},
                {"notes", ctx.notes},
                {"example_ranking", example_ranking},
                {"note_ranking", note_ranking},
                {"tokens", ctx.tokens},
                {"budget", budget},
                {"schema_complete", ctx.schema_complete},
                {"ranking", ranking},
                {"knowledge_ranking", knowledge_ranking},
                {"prompt", prompt}});
    return 0;
  }
  const size_t all_tables = workspace.catalog()->tables.size();
  std::cout << ctx.tables.size() << " of " << all_tables << " tables, " << ctx.tokens
            << " tokens of context (budget " << budget << "), ranked by " << ranking
            << "; examples and notes ranked by " << knowledge_ranking << "\n";
  for (const auto& t : ctx.tables) {
    std::cout << "  " << t.name << ": " << join(t.why, "; ") << "\n";
  }
  for (const auto& v : ctx.value_hits) {
    std::cout << "  value: " << v.table << "." << v.column << " = '" << v.value << "'\n";
  }
  for (const auto& e : ctx.example_items) {
    std::cout << "  example: " << e.name << ": " << e.why << "\n";
  }
  for (const auto& n : ctx.note_items) std::cout << "  note: " << n.name << ": " << n.why << "\n";
  std::cout << "\n" << prompt;
  if (!prompt.empty() && prompt.back() != '\n') std::cout << "\n";
  return 0;
}

int run_learn(chat::Workspace& workspace, const std::string& question, const std::string& sql,
              bool json_out) {
  if (auto st = chat::validate_question(question); !st) return fail(st.error(), json_out);
  const auto ran = workspace.pipeline().run_sql(sql);
  if (ran.error) {
    Error error = *ran.error;
    error.message = "the SQL did not run (askdb learns only SQL that runs): " + error.message;
    return fail(error, json_out);
  }
  auto lease = workspace.store_pool().acquire();
  if (!lease) return fail(lease.error(), json_out);
  const store::VerifiedExampleStore examples(workspace.config().store.schema);
  const char* user = std::getenv("USER");
  auto added =
      examples.add_verified_example(**lease, std::string(trim(question)), std::string(trim(sql)),
                                    store::ExampleSource::kLearn, user != nullptr ? user : "");
  if (!added) return fail(added.error(), json_out);
  if (json_out) {
    print_json(
        {{"question", std::string(trim(question))}, {"added", *added}, {"rows", ran.rows.size()}});
    return 0;
  }
  std::cout << "askdb: " << (*added ? "learned" : "already knew") << " \"" << trim(question)
            << "\" (its SQL returned " << ran.rows.size()
            << (ran.rows.size() == 1 ? " row" : " rows")
            << "); questions like it now get this SQL as their example\n";
  return 0;
}

int run_note(chat::Workspace& workspace, const std::string& term, const std::string& text,
             bool json_out) {
  if (auto st = store::validate_note(term, text); !st) return fail(st.error(), json_out);
  auto lease = workspace.store_pool().acquire();
  if (!lease) return fail(lease.error(), json_out);
  const store::GlossaryNoteStore notes(workspace.config().store.schema);
  const char* user = std::getenv("USER");
  auto added = notes.put_note(**lease, term, text, user != nullptr ? user : "");
  if (!added) return fail(added.error(), json_out);
  // The index follows now (a failure is logged, and the note is still in use).
  (void)workspace.reload_learned_examples(**lease);
  if (json_out) {
    print_json({{"term", std::string(trim(term))},
                {"added", *added},
                {"knowledge_problem", workspace.knowledge_problem()}});
    return 0;
  }
  std::cout << "askdb: " << (*added ? "added" : "replaced") << " the note \"" << trim(term)
            << "\"; questions that name it now get it in their prompt\n";
  return 0;
}

}  // namespace askdb::cli
