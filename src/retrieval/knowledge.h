// Knowledge: what people have taught askdb about a database besides its catalog — verified
// question→SQL pairs (examples.json) and glossary notes (glossary.md) — and the lexical
// similarity used to find the ones that match a question.
//
// Immutable once loaded; safe to share between threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace askdb::retrieval {

struct VerifiedExample {
  std::string question;
  std::string sql;
};

struct GlossaryNote {
  std::string term;  // the "## term" heading
  std::string text;  // everything under it
};

struct Knowledge {
  std::vector<VerifiedExample> examples;
  std::vector<GlossaryNote> glossary;
};

// Reads `dir`/examples.json ([{"question", "sql"}]) and `dir`/glossary.md ("## term"
// sections); either file may be missing. Error{kConfig} names a malformed file.
Result<Knowledge> load_knowledge(const std::string& dir);

// Similarity of two questions in [0, 1]: trigram overlap of their normalized words, and 0
// when they name different numbers ("top 5" is not "top 10").
double question_similarity(std::string_view a, std::string_view b);

struct ExampleMatch {
  const VerifiedExample* example;
  double similarity;
};
// The `k` examples most similar to `question`, best first; ties keep file order.
std::vector<ExampleMatch> rank_examples(const Knowledge& knowledge, std::string_view question,
                                        size_t k);

}  // namespace askdb::retrieval
