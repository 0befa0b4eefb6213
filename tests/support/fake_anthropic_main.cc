// fake_anthropic: a standalone Anthropic Messages API server on 127.0.0.1, for end-to-end tests
// of the askdb binary and the web chat (no latency unless scripted).
//
//   fake_anthropic [--port N] [--reply TEXT] [--script rules.json] [--port-file F]
//
// Prints "listening on 127.0.0.1:PORT" on stdout once it accepts connections, writes PORT to
// --port-file when given, and serves until SIGTERM or SIGINT. Point askdb at it with
// ASKDB_LLM_PROVIDER=anthropic ANTHROPIC_BASE_URL=http://127.0.0.1:PORT ANTHROPIC_API_KEY=any.
// Without a script it streams --reply (default "SELECT 1;") to every request.
//
// rules.json is either an array of rules or an object:
//
//   {
//     "default_reply": "SELECT 1;",      // streamed when no rule matches
//     "api_key": "sk-ant-test",          // optional: require this x-api-key (else 401)
//     "models": ["claude-sonnet-4-5"],   // optional: other models get 404 not_found_error
//     "words_per_chunk": 2,              // words of text per text_delta
//     "rules": [
//       {"match": "revenue", "reply": "SELECT sum(amount) FROM orders;"},
//       {"mode": "http_error", "status": 529},
//       {"mode": "error_event", "reply": "SELECT 1", "error_after_deltas": 1},
//       {"mode": "raw", "body_file": "recorded.sse", "raw_chunk_bytes": 7}
//     ]
//   }
//
// Rule fields (all optional; see FakeAnthropicRule in fake_anthropic_server.h):
//   match, reply, body, body_file (relative to the script's folder), content_type,
//   stop_reason, error_type (strings); mode: stream (default), json, http_error, error_event,
//   cut_stream, hang, raw; status, error_after_deltas, input_tokens, output_tokens, delay_ms,
//   chunk_delay_ms, raw_chunk_bytes (integers); headers ({"name": "value"}); once (true: the
//   rule is used up by its first match). Rules are tried in order; the first that matches
//   answers.
//
// Single-threaded apart from the server's own thread.
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/fake_anthropic_server.h"

namespace {

using askdb::Error;
using askdb::ErrorCode;
using askdb::Result;
using askdb::test::FakeAnthropicMode;
using askdb::test::FakeAnthropicOptions;
using askdb::test::FakeAnthropicRule;
using nlohmann::json;

struct Script {
  FakeAnthropicOptions options;
  std::vector<FakeAnthropicRule> rules;
};

Error usage(std::string message) { return Error{ErrorCode::kUsage, std::move(message)}; }

bool read_file_bytes(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

Result<FakeAnthropicMode> mode_named(const std::string& name) {
  if (name == "stream") return FakeAnthropicMode::kStream;
  if (name == "json") return FakeAnthropicMode::kJson;
  if (name == "http_error") return FakeAnthropicMode::kHttpError;
  if (name == "error_event") return FakeAnthropicMode::kErrorEvent;
  if (name == "cut_stream") return FakeAnthropicMode::kCutStream;
  if (name == "hang") return FakeAnthropicMode::kHang;
  if (name == "raw") return FakeAnthropicMode::kRaw;
  return usage("unknown mode \"" + name +
               "\" (stream, json, http_error, error_event, cut_stream, hang, raw)");
}

Result<FakeAnthropicRule> parse_rule(const json& j, const std::string& where,
                                     const std::string& base_dir) {
  if (!j.is_object()) return usage(where + " is not a JSON object");
  FakeAnthropicRule rule;
  for (const auto& [key, value] : j.items()) {
    const std::string field = where + "." + key;
    if (key == "match" || key == "reply" || key == "body" || key == "body_file" ||
        key == "content_type" || key == "stop_reason" || key == "error_type" || key == "mode") {
      if (!value.is_string()) return usage(field + " must be a string");
    } else if (key == "status" || key == "error_after_deltas" || key == "input_tokens" ||
               key == "output_tokens" || key == "delay_ms" || key == "chunk_delay_ms" ||
               key == "raw_chunk_bytes") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0) {
        return usage(field + " must be a non-negative integer");
      }
    } else if (key == "once") {
      if (!value.is_boolean()) return usage(field + " must be true or false");
    } else if (key == "headers") {
      if (!value.is_object()) return usage(field + " must be an object of strings");
      for (const auto& [name, v] : value.items()) {
        if (!v.is_string()) return usage(field + "." + name + " must be a string");
        rule.headers.emplace_back(name, v.get<std::string>());
      }
    } else {
      return usage(field + " is not a known field");
    }
  }
  rule.match = j.value("match", "");
  rule.reply = j.value("reply", "");
  rule.body = j.value("body", "");
  rule.content_type = j.value("content_type", "");
  rule.stop_reason = j.value("stop_reason", rule.stop_reason);
  rule.error_type = j.value("error_type", rule.error_type);
  rule.status = j.value("status", rule.status);
  rule.error_after_deltas = j.value("error_after_deltas", rule.error_after_deltas);
  rule.input_tokens = j.value("input_tokens", rule.input_tokens);
  rule.output_tokens = j.value("output_tokens", rule.output_tokens);
  rule.delay_ms = j.value("delay_ms", 0);
  rule.chunk_delay_ms = j.value("chunk_delay_ms", 0);
  rule.raw_chunk_bytes = j.value("raw_chunk_bytes", size_t{0});
  rule.once = j.value("once", true);
  if (j.contains("mode")) {
    Result<FakeAnthropicMode> mode = mode_named(j["mode"].get<std::string>());
    if (!mode.ok()) return usage(where + ".mode: " + mode.error().message);
    rule.mode = *mode;
  }
  if (j.contains("body_file")) {
    std::filesystem::path path = j["body_file"].get<std::string>();
    if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
    if (!read_file_bytes(path.string(), rule.body)) {
      return usage(where + ".body_file: cannot read " + path.string());
    }
  }
  if (rule.mode == FakeAnthropicMode::kHttpError && (rule.status < 100 || rule.status > 599)) {
    return usage(where + ".status must be an HTTP status (100-599)");
  }
  return rule;
}

Result<Script> load_script(const std::string& path) {
  std::string text;
  if (!read_file_bytes(path, text)) return usage("cannot read the script " + path);
  const json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return usage(path + " is not valid JSON");
  Script script;
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
      } else if (key != "rules") {
        return usage(key + " is not a known top-level field");
      }
    }
    script.options.default_reply = root.value("default_reply", script.options.default_reply);
    script.options.api_key = root.value("api_key", "");
    script.options.words_per_chunk = root.value("words_per_chunk", 2);
    if (!root.contains("rules")) return script;
    rules = &root["rules"];
  }
  if (!rules->is_array()) return usage("the rules must be a JSON array");
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  for (size_t i = 0; i < rules->size(); ++i) {
    Result<FakeAnthropicRule> rule =
        parse_rule((*rules)[i], "rules[" + std::to_string(i) + "]", base_dir);
    if (!rule.ok()) return rule.error();
    script.rules.push_back(std::move(*rule));
  }
  return script;
}

int usage_error(const std::string& message) {
  std::cerr << "fake_anthropic: " << message << "\n"
            << "usage: fake_anthropic [--port N] [--reply TEXT] [--script rules.json] "
               "[--port-file F]\n";
  return 2;
}

bool write_port_file(const std::string& path, uint16_t port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << port << "\n";
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string script_path;
  std::string port_file;
  std::string reply;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage_error("help");
      return 0;
    }
    if (arg != "--port" && arg != "--script" && arg != "--port-file" && arg != "--reply") {
      return usage_error("unknown argument " + arg);
    }
    if (i + 1 >= argc) return usage_error(arg + " needs a value");
    const std::string value = argv[++i];
    if (arg == "--port") {
      char* end = nullptr;
      const long n = std::strtol(value.c_str(), &end, 10);
      if (*end != '\0' || n < 0 || n > 65535) return usage_error("bad --port");
      port = static_cast<int>(n);
    } else if (arg == "--script") {
      script_path = value;
    } else if (arg == "--port-file") {
      port_file = value;
    } else {
      reply = value;
    }
  }

  Script script;
  if (!script_path.empty()) {
    Result<Script> loaded = load_script(script_path);
    if (!loaded.ok()) return usage_error(loaded.error().message);
    script = std::move(*loaded);
  }
  if (!reply.empty()) script.options.default_reply = reply;

  // Block the stop signals before the server thread starts, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  askdb::test::FakeAnthropicServer server(script.options);
  for (auto& rule : script.rules) server.add_rule(std::move(rule));
  if (auto started = server.start(static_cast<uint16_t>(port)); !started.ok()) {
    std::cerr << "fake_anthropic: " << started.error().message << "\n";
    return 1;
  }
  if (!port_file.empty() && !write_port_file(port_file, server.port())) {
    std::cerr << "fake_anthropic: cannot write " << port_file << "\n";
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  return 0;
}
