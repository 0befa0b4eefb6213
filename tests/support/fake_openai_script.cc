#include "support/fake_openai_script.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace askdb::test {
namespace {

using nlohmann::json;

Error usage(std::string message) { return Error{ErrorCode::kUsage, std::move(message)}; }

Result<FakeMode> mode_named(const std::string& name) {
  if (name == "stream") return FakeMode::kStream;
  if (name == "json") return FakeMode::kJson;
  if (name == "http_error") return FakeMode::kHttpError;
  if (name == "malformed_chunk") return FakeMode::kMalformedChunk;
  if (name == "cut_stream") return FakeMode::kCutStream;
  if (name == "hang") return FakeMode::kHang;
  if (name == "raw") return FakeMode::kRaw;
  return usage("unknown mode \"" + name +
               "\" (stream, json, http_error, malformed_chunk, cut_stream, hang, raw)");
}

bool read_file_bytes(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

Result<FakeRule> parse_rule(const json& j, const std::string& where, const std::string& base_dir) {
  if (!j.is_object()) return usage(where + " is not a JSON object");
  FakeRule rule;
  for (const auto& [key, value] : j.items()) {
    const std::string field = where + "." + key;
    if (key == "match" || key == "reply" || key == "body" || key == "content_type" ||
        key == "finish_reason" || key == "mode" || key == "body_file") {
      if (!value.is_string()) return usage(field + " must be a string");
    } else if (key == "status" || key == "delay_ms" || key == "chunk_delay_ms" ||
               key == "raw_chunk_bytes") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0) {
        return usage(field + " must be a non-negative integer");
      }
    } else if (key == "once") {
      if (!value.is_boolean()) return usage(field + " must be true or false");
    } else if (key == "headers") {
      if (!value.is_object()) return usage(field + " must be an object of strings");
    } else {
      return usage(field + " is not a known field");
    }
  }
  rule.match = j.value("match", "");
  rule.reply = j.value("reply", "");
  rule.body = j.value("body", "");
  rule.content_type = j.value("content_type", "");
  rule.finish_reason = j.value("finish_reason", "stop");
  rule.status = j.value("status", 500);
  rule.delay_ms = j.value("delay_ms", 0);
  rule.chunk_delay_ms = j.value("chunk_delay_ms", 0);
  rule.raw_chunk_bytes = j.value("raw_chunk_bytes", size_t{0});
  rule.once = j.value("once", true);
  if (j.contains("mode")) {
    Result<FakeMode> mode = mode_named(j["mode"].get<std::string>());
    if (!mode.ok()) return usage(where + ".mode: " + mode.error().message);
    rule.mode = *mode;
  }
  if (j.contains("headers")) {
    for (const auto& [name, value] : j["headers"].items()) {
      if (!value.is_string()) return usage(where + ".headers." + name + " must be a string");
      rule.headers.emplace_back(name, value.get<std::string>());
    }
  }
  if (j.contains("body_file")) {
    std::filesystem::path path = j["body_file"].get<std::string>();
    if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
    if (!read_file_bytes(path.string(), rule.body)) {
      return usage(where + ".body_file: cannot read " + path.string());
    }
  }
  if (rule.mode == FakeMode::kHttpError && (rule.status < 100 || rule.status > 599)) {
    return usage(where + ".status must be an HTTP status (100-599)");
  }
  return rule;
}

}  // namespace

Result<FakeOpenAiScript> parse_fake_openai_script(std::string_view text,
                                                  const std::string& base_dir) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    return usage(std::string("the script is not valid JSON: ") + e.what());
  }
  FakeOpenAiScript script;
  const json* rules = &root;
  if (root.is_object()) {
    for (const auto& [key, value] : root.items()) {
      if (key == "default_reply" || key == "api_key") {
        if (!value.is_string()) return usage(key + " must be a string");
      } else if (key == "words_per_chunk") {
        if (!value.is_number_integer() || value.get<int64_t>() < 1) {
          return usage("words_per_chunk must be a positive integer");
        }
      } else if (key == "models") {
        if (!value.is_array()) return usage("models must be an array of strings");
        for (const json& m : value) {
          if (!m.is_string()) return usage("models must be an array of strings");
          script.options.models.push_back(m.get<std::string>());
        }
      } else if (key == "rules") {
        if (!value.is_array()) return usage("rules must be an array");
      } else {
        return usage(key + " is not a known top-level field");
      }
    }
    script.options.default_reply = root.value("default_reply", script.options.default_reply);
    script.options.api_key = root.value("api_key", "");
    script.options.words_per_chunk = root.value("words_per_chunk", 2);
    if (!root.contains("rules")) return script;
    rules = &root["rules"];
  } else if (!root.is_array()) {
    return usage("the script must be a JSON object or an array of rules");
  }
  for (size_t i = 0; i < rules->size(); ++i) {
    Result<FakeRule> rule = parse_rule((*rules)[i], "rules[" + std::to_string(i) + "]", base_dir);
    if (!rule.ok()) return rule.error();
    script.rules.push_back(std::move(*rule));
  }
  return script;
}

Result<FakeOpenAiScript> load_fake_openai_script(const std::string& path) {
  std::string text;
  if (!read_file_bytes(path, text)) return usage("cannot read the script " + path);
  return parse_fake_openai_script(text, std::filesystem::path(path).parent_path().string());
}

}  // namespace askdb::test
