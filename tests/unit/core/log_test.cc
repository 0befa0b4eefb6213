#include "core/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace askdb {
namespace {

// Makes the default logger write to a string in `format` for the test's duration.
class LogCapture {
 public:
  explicit LogCapture(LogFormat format) : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_formatter(make_log_formatter(format));
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(Log, JsonLinesCarryTheFields) {
  LogCapture capture(LogFormat::kJson);
  log_event(spdlog::level::warn, "question failed: \"quoted\"\nsecond line",
            {{"request_id", "r-1"},
             {"user", std::string("ana")},
             {"conversation", ""},  // empty: left out
             {"duration_ms", 12.5},
             {"attempts", 3},
             {"cached", true}});
  spdlog::info("plain {} call", "spdlog");
  spdlog::debug("below the level: not written");

  std::istringstream lines(capture.text());
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  const auto first = nlohmann::json::parse(line);
  EXPECT_EQ(first["level"], "warn");
  EXPECT_EQ(first["message"], "question failed: \"quoted\"\nsecond line");
  EXPECT_EQ(first["request_id"], "r-1");
  EXPECT_EQ(first["user"], "ana");
  EXPECT_FALSE(first.contains("conversation"));
  EXPECT_DOUBLE_EQ(first["duration_ms"].get<double>(), 12.5);
  EXPECT_EQ(first["attempts"], 3);
  EXPECT_EQ(first["cached"], true);
  const std::string time = first["time"];
  ASSERT_EQ(time.size(), 24u) << time;  // 2026-11-25T10:00:00.123Z
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time.back(), 'Z');

  ASSERT_TRUE(std::getline(lines, line));
  const auto second = nlohmann::json::parse(line);
  EXPECT_EQ(second["message"], "plain spdlog call");
  EXPECT_EQ(second["level"], "info");
  EXPECT_EQ(second.size(), 3u) << "a plain call has no fields of an earlier event";
  EXPECT_FALSE(std::getline(lines, line)) << "one line per event";
}

TEST(Log, FieldsNeverReplaceTheLinesOwnKeys) {
  LogCapture capture(LogFormat::kJson);
  log_event(spdlog::level::info, "the line", {{"message", "a field"}, {"level", 3}});
  const auto parsed = nlohmann::json::parse(capture.text());
  EXPECT_EQ(parsed["message"], "the line");
  EXPECT_EQ(parsed["level"], "info");
  EXPECT_EQ(parsed["message_field"], "a field");
  EXPECT_EQ(parsed["level_field"], 3);
}

TEST(Log, JsonStaysValidForAnyBytes) {
  LogCapture capture(LogFormat::kJson);
  const std::string bytes = std::string("bad \xff\xc0 utf-8, tab\t, nul ") + '\0' + " \x1b[31m";
  log_event(spdlog::level::info, bytes, {{"path", bytes}});
  const std::string line = capture.text();
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "no raw line break inside the line";
  const auto parsed = nlohmann::json::parse(line);  // throws on invalid UTF-8 or escapes
  EXPECT_EQ(parsed["path"].get<std::string>().find("\xEF\xBF\xBD"), 4u);
  EXPECT_NE(parsed["message"].get<std::string>().find('\0'), std::string::npos);
}

TEST(Log, TextLinesAreReadable) {
  LogCapture capture(LogFormat::kText);
  log_event(spdlog::level::info, "GET /api/v1/conversations 200",
            {{"request_id", "r-2"}, {"user", "ana maria"}, {"status", 200}, {"duration_ms", 1.25}});
  const std::string line = capture.text();
  EXPECT_NE(line.find("] [info] GET /api/v1/conversations 200 request_id=r-2 "
                      "user=\"ana maria\" status=200 duration_ms=1.250\n"),
            std::string::npos)
      << line;
}

TEST(Log, SettingsFromEnvironment) {
  std::string error;
  auto s = log_settings_from_env(nullptr, nullptr, /*stderr_is_terminal=*/false, &error);
  EXPECT_EQ(s.format, LogFormat::kJson);
  EXPECT_EQ(s.level, spdlog::level::info);
  s = log_settings_from_env("auto", "DEBUG", /*stderr_is_terminal=*/true, &error);
  EXPECT_EQ(s.format, LogFormat::kText);
  EXPECT_EQ(s.level, spdlog::level::debug);
  s = log_settings_from_env("json", "warn", true, &error);
  EXPECT_EQ(s.format, LogFormat::kJson);
  EXPECT_EQ(s.level, spdlog::level::warn);
  EXPECT_TRUE(error.empty()) << error;
  log_settings_from_env("xml", nullptr, true, &error);
  EXPECT_NE(error.find("ASKDB_LOG_FORMAT = \"xml\""), std::string::npos) << error;
  error.clear();
  log_settings_from_env(nullptr, "loud", true, &error);
  EXPECT_NE(error.find("ASKDB_LOG_LEVEL = \"loud\""), std::string::npos) << error;
}

}  // namespace
}  // namespace askdb
