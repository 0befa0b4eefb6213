#include "store/verified_examples.h"

#include "core/text.h"
#include "store/sql_support.h"

namespace askdb::store {

const char* example_source_name(ExampleSource source) {
  switch (source) {
    case ExampleSource::kFeedback:
      return "feedback";
    case ExampleSource::kLearn:
      return "learn";
    case ExampleSource::kApi:
      return "api";
  }
  return "api";
}

VerifiedExampleStore::VerifiedExampleStore(const std::string& schema)
    : prefix_(detail::schema_prefix(schema)) {}

Result<std::vector<VerifiedExample>> VerifiedExampleStore::list_verified_examples(
    pg::Connection& conn) const {
  auto rows = conn.query(
      "SELECT question, sql, source FROM (SELECT DISTINCT ON (question, sql) question, sql, "
      "source, created_at FROM " +
      prefix_ +
      "verified_examples ORDER BY question, sql, created_at DESC) e "
      "ORDER BY created_at DESC, question");
  if (!rows) return detail::store_error("read the verified examples", rows.error());
  std::vector<VerifiedExample> out;
  out.reserve(rows->rows.size());
  for (const auto& row : rows->rows) {
    const std::string source = detail::text_cell(row.at(2));
    out.push_back(VerifiedExample{detail::text_cell(row.at(0)), detail::text_cell(row.at(1)),
                                  source == "feedback" ? ExampleSource::kFeedback
                                  : source == "learn"  ? ExampleSource::kLearn
                                                       : ExampleSource::kApi});
  }
  return out;
}

Result<bool> VerifiedExampleStore::add_verified_example(pg::Connection& conn,
                                                        const std::string& question,
                                                        const std::string& sql,
                                                        ExampleSource source,
                                                        const std::string& created_by) const {
  const std::string q = detail::clean_text(trim(question));
  const std::string s = detail::clean_text(trim(sql));
  if (q.empty() || s.empty()) {
    return make_error(ErrorCode::kUsage,
                      "a verified example needs both a question and its SQL; one is empty.");
  }
  auto rows = conn.query(
      "INSERT INTO " + prefix_ +
          "verified_examples (question, sql, source, created_by) "
          "SELECT $1::text, $2::text, $3::text, $4::text WHERE NOT EXISTS (SELECT 1 FROM " +
          prefix_ + "verified_examples WHERE question = $1 AND sql = $2) RETURNING id",
      {q, s, example_source_name(source), created_by});
  if (!rows) return detail::store_error("add a verified example", rows.error());
  return !rows->rows.empty();
}

}  // namespace askdb::store
