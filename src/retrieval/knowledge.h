// Knowledge: what people have taught askdb about a database besides its catalog — verified
// question→SQL pairs (examples.json) and glossary notes (glossary.md) — and the lexical
// similarity used to find the ones that match a question in process (the knowledge index,
// retrieval/knowledge_index.h, ranks them in the app store; this is what askdb falls back on).
//
// A Knowledge is immutable once loaded; SharedKnowledge holds the one in use and swaps in a
// new one when people teach askdb more (a thumbs up in the web chat). Both are thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/shared.h"

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

// The knowledge in use now; current() is a snapshot: a question keeps the one it started with.
using SharedKnowledge = Shared<Knowledge>;

// Whether two glossary terms name the same note (a stored note then takes the place of the
// file's): case folded for every letter, as PostgreSQL's lower() folds the stored notes' unique
// key ("Über" is "über"), and accents and punctuation too ("return-rate" is "Return rate").
bool same_note_term(std::string_view a, std::string_view b);

// Reads `dir`/examples.json ([{"question", "sql"}]) and `dir`/glossary.md ("## term"
// sections); either file may be missing. Error{kConfig} names a malformed file.
Result<Knowledge> load_knowledge(const std::string& dir);

// Similarity of two questions in [0, 1]: trigram overlap of their normalized words, and 0
// when they name different numbers ("top 5" is not "top 10") unless `numbers_must_agree` is
// false (an example that shows how to write the SQL is as useful for another year).
double question_similarity(std::string_view a, std::string_view b, bool numbers_must_agree = true);

struct ExampleMatch {
  const VerifiedExample* example;
  double similarity;
};
// The `k` examples most similar to `question`, best first; ties keep file order.
std::vector<ExampleMatch> rank_examples(const Knowledge& knowledge, std::string_view question,
                                        size_t k, bool numbers_must_agree = true);

}  // namespace askdb::retrieval
