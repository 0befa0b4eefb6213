// VerifiedExampleStore: question → SQL pairs a person vouched for, which later questions are
// matched against (and which the SQL prompt shows as examples). They come from a thumbs up
// (FeedbackStore), from imported examples, or from the API.
//
// Examples are shared by all users: they describe the database, not a conversation. One
// round trip per call; holds only the schema name: thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "pg/connection.h"

namespace askdb::store {

enum class ExampleSource {
  kFeedback,  // a thumbs up on an answered question
  kLearn,     // imported from examples
  kApi,       // added through the API
};

// "feedback", "learn", "api", as stored.
const char* example_source_name(ExampleSource source);

struct VerifiedExample {
  std::string question;
  std::string sql;
  ExampleSource source = ExampleSource::kApi;
};

class VerifiedExampleStore {
 public:
  explicit VerifiedExampleStore(const std::string& schema);

  // Every example, newest first; a question and SQL stored more than once appear once.
  Result<std::vector<VerifiedExample>> list_verified_examples(pg::Connection& conn) const;

  // Adds an example not tied to a message. False (and nothing added) when the same question
  // and SQL are already stored. Error{kUsage} when either is empty.
  Result<bool> add_verified_example(pg::Connection& conn, const std::string& question,
                                    const std::string& sql, ExampleSource source,
                                    const std::string& created_by) const;

 private:
  std::string prefix_;  // "schema".
};

}  // namespace askdb::store
