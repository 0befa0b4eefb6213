// Prompts: the prompt template files (prompts/ in the repo), loaded once, and the two requests
// the pipeline sends — write SQL and answer in words — rendered from them.
//
// Immutable after load(); thread-safe.
#pragma once

#include <string>
#include <vector>

#include "chat/prompt_template.h"
#include "core/result.h"
#include "llm/provider.h"

namespace askdb::chat {

class Prompts {
 public:
  // Reads every template from `dir`; Error{kConfig} names a missing file.
  static Result<Prompts> load(const std::string& dir);

  // The system prompt and first user message for writing SQL. `values` must hold schema,
  // schema_partial, examples, glossary, conversation, question, today, row_cap,
  // server_version.
  Result<llm::Request> sql_request(const PromptValues& values) const;
  // The follow-up message after an attempt failed: values sql and error.
  Result<std::string> retry_message(const PromptValues& values) const;
  // The request for the answer in words: values question, sql, rows, row_count, truncated,
  // row_cap, shown_note.
  Result<llm::Request> answer_request(const PromptValues& values) const;

 private:
  std::string dir_;
  std::string sql_system_, sql_dialect_, sql_user_, sql_retry_, answer_system_, answer_user_;
};

}  // namespace askdb::chat
