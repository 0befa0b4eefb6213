// Logging setup: askdb logs through spdlog's default logger, to stderr, as readable text when
// stderr is a terminal and as one JSON object per line otherwise (a container's log driver,
// CloudWatch, journald), so a log pipeline can filter by request, user or stage.
//
// Plain spdlog calls (spdlog::warn("...")) give a line with time, level and message;
// log_event() adds named fields to it (request_id, user, conversation, stage, duration_ms ...).
// Nothing here logs a secret by itself: callers pass no passwords, keys or connection strings.
// Set up once, at the start of main(), before other threads; log from any thread after.
#pragma once

#include <spdlog/common.h>
#include <spdlog/formatter.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace askdb {

enum class LogFormat {
  kText,  // [2026-11-25 10:00:00.123] [info] message key=value ...
  kJson,  // {"time":"2026-11-25T10:00:00.123Z","level":"info","message":"...","key":...}
};

struct LogSettings {
  LogFormat format = LogFormat::kText;
  spdlog::level::level_enum level = spdlog::level::info;
};

// The settings from ASKDB_LOG_FORMAT (auto, json, text; auto: text on a terminal, else JSON)
// and ASKDB_LOG_LEVEL (debug, info, warn, error), given `stderr_is_terminal`. `error` is set,
// and the defaults returned, when a value is not one of those.
LogSettings log_settings_from_env(const char* format, const char* level, bool stderr_is_terminal,
                                  std::string* error);

// Makes spdlog's default logger write to stderr in `settings`' format and level.
void setup_logging(const LogSettings& settings);
// The formatter setup_logging() gives the logger (for a logger of another sink, in tests).
std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format);

// One named value of a log line. Strings are not copied: the line is written before
// log_event() returns. An empty string is left out of the line.
class LogField {
 public:
  LogField(std::string_view key, std::string_view value) : key_(key), text_(value) {}
  LogField(std::string_view key, const std::string& value) : key_(key), text_(value) {}
  LogField(std::string_view key, const char* value) : key_(key), text_(value) {}
  template <class N, std::enable_if_t<std::is_arithmetic_v<N> && !std::is_same_v<N, bool>, int> = 0>
  LogField(std::string_view key, N value) : key_(key), is_number_(true) {
    if constexpr (std::is_integral_v<N>) {
      integer_ = static_cast<int64_t>(value);
    } else {
      number_ = static_cast<double>(value);
    }
  }
  LogField(std::string_view key, bool value) : key_(key), text_(value ? "true" : "false") {
    literal_ = true;
  }

  std::string_view key() const { return key_; }
  bool empty() const { return !is_number_ && !literal_ && text_.empty(); }
  // The value as JSON (a number, true/false, or a quoted, escaped string).
  void append_json(std::string& out) const;
  // The value as text: numbers plainly, strings quoted only when they hold a space or quote.
  void append_text(std::string& out) const;

 private:
  std::string_view key_;
  std::string_view text_;
  bool is_number_ = false;
  bool literal_ = false;
  std::optional<int64_t> integer_;
  double number_ = 0;
};

// Logs `message` at `level` with `fields` (keys are snake_case words; values as they are).
void log_event(spdlog::level::level_enum level, std::string_view message,
               std::initializer_list<LogField> fields);
void log_event(spdlog::level::level_enum level, std::string_view message,
               const std::vector<LogField>& fields);

// `text` as a JSON string (quoted; invalid UTF-8 replaced by U+FFFD), appended to `out`.
void append_json_string(std::string& out, std::string_view text);

}  // namespace askdb
