// The context builder: chooses what the LLM sees about the database for one question — the
// schema as CREATE statements with comments and keys, the most similar verified examples and
// the glossary notes — and cuts it to a token budget.
//
// When the whole schema fits the budget it is sent whole; otherwise tables are ranked by how
// well their names, columns and comments match the question, and completed with the tables
// their foreign keys reach. Deterministic: the same inputs give the same text.
// Pure function of its inputs; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "retrieval/catalog.h"
#include "retrieval/knowledge.h"

namespace askdb::retrieval {

struct ContextOptions {
  int token_budget = 6000;  // schema + examples + glossary
  size_t max_examples = 5;
};

struct Context {
  std::string schema;               // CREATE TABLE ... statements
  std::string examples;             // "Question: ...\nSQL: ..." blocks
  std::string glossary;             // "term: definition" notes
  std::vector<std::string> tables;  // the tables included, qualified names
  bool schema_complete = true;      // false when tables were left out for the budget
  int tokens = 0;                   // estimated tokens of the three texts
};

// Tokens as UTF-8 bytes / 4, rounded up: close enough for English and SQL.
int estimate_tokens(std::string_view text);

// One table as the prompt shows it.
std::string render_table(const CatalogTable& table);

Context build_context(const Catalog& catalog, const Knowledge& knowledge, std::string_view question,
                      const ContextOptions& options);

}  // namespace askdb::retrieval
