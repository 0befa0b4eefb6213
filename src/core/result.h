// Result<T> and Error: how failures travel between askdb's layers.
//
// A function that can fail in a way a user may meet returns Result<T>: either a value or an
// Error carrying a code (which decides the CLI exit status and the HTTP status) and a message
// written for the user: what went wrong and what to do about it. Exceptions do not cross layer
// boundaries. Thread-compatible: a Result is a plain value.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace askdb {

enum class ErrorCode {
  kUsage,     // bad command-line use or input (exit 2)
  kConfig,    // invalid configuration or environment (exit 2)
  kLlm,       // LLM unreachable, refused or replied unusably (exit 3)
  kBusy,      // too many requests: askdb's queue to the LLM is full; try again soon (exit 3)
  kGuard,     // SQL refused by the guard (exit 4)
  kDatabase,  // the database failed or is unreachable (exit 5)
  kInternal,  // a bug or an unexpected system failure (exit 1)
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

// The process exit status for an error of this code (see README "Exit codes").
int exit_code_for(ErrorCode code);
// A short stable name for the code ("usage", "config", "llm", "guard", "database", "internal").
const char* error_code_name(ErrorCode code);

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok()
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace askdb
