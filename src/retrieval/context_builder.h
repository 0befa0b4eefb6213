// The context builder: chooses what the LLM sees about the database for one question — the
// schema as CREATE statements with comments and keys, the most similar verified examples and
// the glossary notes — and cuts it to a token budget.
//
// Examples and notes come in the knowledge index's order when it ranked them
// (ContextOptions::knowledge); otherwise examples by trigram similarity (rank_examples) and
// notes whose term the question names first.
//
// When the whole schema fits the budget it is sent whole; otherwise tables are ranked by how
// well their names, columns and comments match the question, and completed with the tables
// their foreign keys reach. Deterministic: the same inputs give the same text.
// Pure function of its inputs; thread-safe.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "retrieval/catalog.h"
#include "retrieval/knowledge.h"
#include "retrieval/knowledge_index.h"
#include "retrieval/schema_index.h"
#include "retrieval/value_index.h"

namespace askdb::retrieval {

struct ContextOptions {
  int token_budget = 6000;  // schema + examples + glossary
  size_t max_examples = 5;
  // Tables ranked by the schema index (search_schema), best first. When set and the schema
  // does not fit the budget, the context takes the best of these, down to
  // `min_relative_score` of the first one's score and at most `max_tables`, then the tables
  // that join them along foreign keys; without it (or when it is empty: no word of the
  // question is in the index), tables are ranked by word overlap.
  const std::vector<TableHit>* ranking = nullptr;
  // Cell values the question names (search_values), best first: shown with their columns (at
  // most an eighth of the budget) when their table is shown, and the tables of the best
  // `value_tables` of them are taken before the ranked ones.
  const std::vector<ValueHit>* values = nullptr;
  size_t value_tables = 3;
  double min_relative_score = 0.3;
  size_t max_tables = 30;
  double neighbour_share = 0.5;  // of the best foreign-key neighbour's score, added to a table's
  // (a table the ranking does not name but a ranked one joins is a candidate with this alone)
  double schema_share = 0.0;   // of the best other table's score in the same schema, added
  size_t parents_of_top = 10;  // the tables the best N chosen tables' foreign keys reference
  size_t min_tables = 16;      // the best N candidates are taken even below the floor
  // The best `whole_tables` ranked tables are shown whole when they fit; the others, when they
  // have more than `wide_columns` columns, show only their keys and the columns the question
  // names whole, and the rest by name (as does any wide table that does not fit whole).
  size_t whole_tables = 5;
  size_t wide_columns = 8;
  // Examples at least this similar to the question (question_similarity, numbers aside) bring
  // the tables their SQL reads (the LLM is asked to follow them).
  double example_tables_similarity = 0.5;
  // Examples and notes ranked by the knowledge index (search_knowledge), best first, for the
  // Knowledge given to build_context. When set, examples are taken in its order (at most
  // max_examples, within a quarter of the budget: one that does not fit makes way for the next)
  // and notes in its order, then, while the budget allows, the other notes in file order; without
  // it, examples are ranked by rank_examples() (cut from the worst until they fit) and the notes
  // whose term the question names come first.
  const std::vector<KnowledgeHit>* knowledge = nullptr;
};

// One example or note of the context, and why it is there (for `askdb context`).
struct ContextItem {
  std::string name;  // the example's question, the note's term
  double score = 0;  // the knowledge index's score, or the trigram similarity (0 for a note)
  std::string why;
};

// One table of the context, and why it is there (for `askdb context` and the API).
struct ContextTable {
  std::string name;                  // qualified, as the prompt writes it
  std::vector<std::string> columns;  // as shown
  std::vector<std::string> why;      // "the whole schema fits", "name matches the question", ...
};

struct Context {
  std::string schema;                          // CREATE TABLE ... statements
  std::string values;                          // "customers.city: 'São Paulo'" lines
  std::vector<ValueHit> value_hits;            // the values shown
  std::string examples;                        // "Question: ...\nSQL: ..." blocks
  std::string glossary;                        // "term: definition" notes
  std::vector<ContextTable> tables;            // the tables included, in the order shown
  std::vector<std::string> example_questions;  // of the examples included, best first
  std::vector<std::string> notes;              // terms of the glossary notes included
  std::vector<ContextItem> example_items;      // the examples included, and why
  std::vector<ContextItem> note_items;         // the notes included, and why
  bool schema_complete = true;                 // false when tables were left out for the budget
  int tokens = 0;                              // estimated tokens of the four texts

  bool has_table(std::string_view qualified_name) const;
};

// Tokens as UTF-8 bytes / 4, rounded up: close enough for English and SQL.
int estimate_tokens(std::string_view text);

// One table as the prompt shows it. With `keep`, only those columns are shown whole (name,
// type, comment); the others are named in one comment line inside the statement, which costs
// a wide table a fraction of its tokens.
std::string render_table(const CatalogTable& table, const std::set<std::string>* keep = nullptr);

Context build_context(const Catalog& catalog, const Knowledge& knowledge, std::string_view question,
                      const ContextOptions& options);

}  // namespace askdb::retrieval
