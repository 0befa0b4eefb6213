// The SQL guard: decides, with PostgreSQL's own parser (libpg_query), whether a piece of SQL
// written by an LLM or a user may run, and rewrites it to respect the row cap.
//
// Accepted: exactly one plain query (SELECT, WITH ... SELECT, VALUES, TABLE) with no
// data-modifying CTE, SELECT INTO, FOR UPDATE/SHARE, and whose every function call (FROM clause
// included) is known to the FunctionCatalog, not deny-listed, and not volatile unless
// explicitly harmless. Everything else (DML, DDL, COPY, DO, CALL, SET, LOCK, LISTEN/NOTIFY,
// transaction control, several statements) is refused with a message that says why, in words
// an LLM and a user can act on.
//
// Thread-safe: check() is a pure function of its arguments; a FunctionCatalog is immutable
// after it is built and may be shared between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace askdb::sqlguard {

enum class Volatility { kImmutable, kStable, kVolatile };

// Function names and volatilities, as pg_proc knows them on the target database.
class FunctionCatalog {
 public:
  // Records a function; several overloads of one name keep the most volatile.
  // `name` is unqualified ("date_trunc"); schema-qualified calls are judged by their last name
  // part. Names compare exactly, as PostgreSQL's do: its parser folds unquoted identifiers to
  // lower case, so built-in functions are lower case and a quoted "Mixed" name stays mixed.
  void add(std::string_view name, Volatility volatility);

  // Returns the volatility of `name` (lower case), or nullopt when no such function exists.
  std::optional<Volatility> lookup(std::string_view name) const;

  // Reads "name<TAB>volatility-letter" lines (i, s, v), as printed by
  //   SELECT proname, provolatile FROM pg_proc
  // Blank lines and lines starting with '#' are ignored; a trailing '\r' is dropped.
  // REQUIRES: nothing; returns an error (code kConfig) naming the file and line when it is
  // malformed or cannot be read.
  static Result<FunctionCatalog> from_tsv_file(const std::string& path);

  size_t size() const { return functions_.size(); }

 private:
  std::unordered_map<std::string, Volatility> functions_;
};

struct GuardOptions {
  // Queries get LIMIT row_cap when they have none or a larger one; a LIMIT that is not a plain
  // integer constant (LIMIT ALL, an expression, a parameter, FETCH ... WITH TIES) is kept and
  // the query wrapped: SELECT * FROM (<query>) AS capped LIMIT row_cap.
  // A row_cap <= 0 disables the cap (the query is returned trimmed, unchanged).
  int64_t row_cap = 1000;
};

// Why a statement was refused; stable names for metrics and tests.
enum class Refusal {
  kParseError,  // not valid PostgreSQL
  kEmpty,       // no statement at all
  kMultipleStatements,
  kNotAQuery,  // DML, DDL, utility, transaction control, SET, COPY, ...
  kSelectInto,
  kLocking,  // FOR UPDATE / SHARE
  kDataModifyingCte,
  kDeniedFunction,  // deny-listed (pg_sleep, pg_read_file, lo_*, dblink*, nextval, ...)
  kVolatileFunction,
  kUnknownFunction,
};
const char* refusal_name(Refusal refusal);

struct GuardedSql {
  // The statement to run: the input without surrounding whitespace or trailing semicolon, with
  // the LIMIT applied; the user's formatting and comments are kept. It never ends inside a
  // "--" comment (a newline follows one), so a caller may append to it safely.
  std::string sql;
  bool limit_applied = false;  // true when the guard added or lowered the LIMIT
  int64_t row_cap = 0;         // the cap in force
};

struct Rejection {
  Refusal refusal;
  std::string message;  // what is wrong and what to write instead
};

struct Verdict {
  std::optional<GuardedSql> accepted;  // set when accepted
  std::optional<Rejection> rejected;   // set when refused
};

// Judges `sql` (one statement, an optional trailing semicolon and comments allowed).
Verdict check(std::string_view sql, const FunctionCatalog& functions, const GuardOptions& options);

// A verdict as a Result: the accepted query, or an Error with code kGuard and its message.
Result<GuardedSql> to_result(Verdict verdict);

// check() as a Result: an accepted query, or an Error with code kGuard.
Result<GuardedSql> guard(std::string_view sql, const FunctionCatalog& functions,
                         const GuardOptions& options);

}  // namespace askdb::sqlguard
