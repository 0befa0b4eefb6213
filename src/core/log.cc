#include "core/log.h"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <memory>

#include "core/text.h"

namespace askdb {
namespace {

// The fields of the log_event() call writing a line on this thread (a sync logger formats on
// the calling thread, inside the call).
thread_local const LogField* t_fields_begin = nullptr;
thread_local const LogField* t_fields_end = nullptr;

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// "2026-11-25T10:00:00.123Z" (UTC) for JSON, "2026-11-25 11:00:00.123" (local) for text.
void append_time(std::string& out, std::chrono::system_clock::time_point time, bool utc) {
  const auto since_epoch = time.time_since_epoch();
  const std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
  const int millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000);
  std::tm tm{};
  if (utc) {
    gmtime_r(&seconds, &tm);
  } else {
    localtime_r(&seconds, &tm);
  }
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, utc ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
  n += static_cast<size_t>(
      std::snprintf(buf + n, sizeof buf - n, ".%03d%s", millis, utc ? "Z" : ""));
  out.append(buf, n);
}

class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    const std::string_view message(msg.payload.data(), msg.payload.size());
    if (format_ == LogFormat::kJson) {
      line += "{\"time\":\"";
      append_time(line, msg.time, true);
      line += "\",\"level\":\"";
      line += level_name(msg.level);
      line += "\",\"message\":";
      append_json_string(line, message);
      for (const LogField* f = t_fields_begin; f != t_fields_end; ++f) {
        if (f->empty()) continue;
        line += ',';
        // A field named like the line's own keys would make a second key of that name.
        const std::string_view key = f->key();
        const bool reserved = key == "time" || key == "level" || key == "message";
        append_json_string(line, reserved ? std::string(key) + "_field" : std::string(key));
        line += ':';
        f->append_json(line);
      }
      line += "}\n";
    } else {
      line += '[';
      append_time(line, msg.time, false);
      line += "] [";
      // The level is coloured by the terminal sink.
      msg.color_range_start = dest.size() + line.size();
      line += level_name(msg.level);
      msg.color_range_end = dest.size() + line.size();
      line += "] ";
      line += message;
      for (const LogField* f = t_fields_begin; f != t_fields_end; ++f) {
        if (f->empty()) continue;
        line += ' ';
        line += f->key();
        line += '=';
        f->append_text(line);
      }
      line += '\n';
    }
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_);
  }

 private:
  LogFormat format_;
};

void append_number(std::string& out, std::optional<int64_t> integer, double number) {
  char buf[32];
  int n = integer ? std::snprintf(buf, sizeof buf, "%" PRId64, *integer)
                  : std::snprintf(buf, sizeof buf, "%.3f", number);
  out.append(buf, static_cast<size_t>(n));
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t n = utf8_sequence_length(text, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD for a byte that starts no valid sequence
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void LogField::append_json(std::string& out) const {
  if (is_number_) {
    append_number(out, integer_, number_);
  } else if (literal_) {
    out += text_;
  } else {
    append_json_string(out, text_);
  }
}

void LogField::append_text(std::string& out) const {
  if (is_number_) {
    append_number(out, integer_, number_);
    return;
  }
  if (!literal_ && text_.find_first_of(" \"=\n") != std::string_view::npos) {
    append_json_string(out, text_);
    return;
  }
  out += text_;
}

LogSettings log_settings_from_env(const char* format, const char* level, bool stderr_is_terminal,
                                  std::string* error) {
  LogSettings s;
  s.format = stderr_is_terminal ? LogFormat::kText : LogFormat::kJson;
  const std::string f = format != nullptr ? to_lower(trim(format)) : "";
  if (f == "json") {
    s.format = LogFormat::kJson;
  } else if (f == "text") {
    s.format = LogFormat::kText;
  } else if (!f.empty() && f != "auto" && error != nullptr) {
    *error = "ASKDB_LOG_FORMAT = \"" + std::string(format) +
             "\" is not allowed: use auto (text on a terminal, else JSON), json or text.";
  }
  const std::string l = level != nullptr ? to_lower(trim(level)) : "";
  if (l == "debug") {
    s.level = spdlog::level::debug;
  } else if (l == "warn" || l == "warning") {
    s.level = spdlog::level::warn;
  } else if (l == "error") {
    s.level = spdlog::level::err;
  } else if (!l.empty() && l != "info" && error != nullptr && error->empty()) {
    *error = "ASKDB_LOG_LEVEL = \"" + std::string(level) +
             "\" is not allowed: use debug, info, warn or error.";
  }
  return s;
}

std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format) {
  return std::make_unique<LineFormatter>(format);
}

void setup_logging(const LogSettings& settings) {
  auto logger = spdlog::get("askdb");
  if (!logger) logger = spdlog::stderr_color_mt("askdb");
  logger->set_formatter(make_log_formatter(settings.format));
  logger->set_level(settings.level);
  spdlog::set_default_logger(logger);
}

namespace {

void log_fields(spdlog::level::level_enum level, std::string_view message, const LogField* begin,
                const LogField* end) {
  auto* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  t_fields_begin = begin;
  t_fields_end = end;
  logger->log(level, "{}", message);
  t_fields_begin = t_fields_end = nullptr;
}

}  // namespace

void log_event(spdlog::level::level_enum level, std::string_view message,
               std::initializer_list<LogField> fields) {
  log_fields(level, message, fields.begin(), fields.end());
}

void log_event(spdlog::level::level_enum level, std::string_view message,
               const std::vector<LogField>& fields) {
  log_fields(level, message, fields.data(), fields.data() + fields.size());
}

}  // namespace askdb
