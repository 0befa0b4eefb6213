// `askdb index`, `askdb context`, `askdb learn` and `askdb note`: the schema index by hand; what
// the LLM would see for a question (the tables chosen and why, the examples and notes and why,
// the token count and the whole prompt, exactly as the pipeline builds it); and teaching askdb a
// verified question → SQL pair or a glossary note.
#pragma once

#include <string>

#include "chat/workspace.h"

namespace askdb::cli {

// Rewrites the index now and prints what was indexed (text, or one JSON object). Returns the
// exit status.
int run_index(chat::Workspace& workspace, bool json);

// Prints the context and the prompt for `question` (text, or one JSON object:
// {"tables": [{"name", "columns", "why"}], "values", "examples", "notes",
//  "example_ranking": [{"question", "score", "why"}], "note_ranking": [{"term", "score", "why"}],
//  "tokens", "budget", "schema_complete", "ranking", "knowledge_ranking", "prompt"}). Returns the
// exit status.
int run_context(chat::Workspace& workspace, const std::string& question, bool json);

// Runs `sql` through the guard and read-only (it must run), then stores it as the verified SQL
// of `question`: later questions like it get it as an example, and a close match is answered
// with it. Returns the exit status.
int run_learn(chat::Workspace& workspace, const std::string& question, const std::string& sql,
              bool json);

// Stores a glossary note (replacing the note of the same term, any case): later questions that
// name the term get it in their prompt. Returns the exit status.
int run_note(chat::Workspace& workspace, const std::string& term, const std::string& text,
             bool json);

}  // namespace askdb::cli
