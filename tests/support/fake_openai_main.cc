// fake_openai: a standalone OpenAI-compatible chat-completions server on 127.0.0.1, for
// end-to-end tests of the askdb binary and for benchmarks (no latency unless scripted).
//
//   fake_openai --port 0 --script rules.json [--port-file F]
//
// Prints "listening on 127.0.0.1:PORT" on stdout once it accepts connections, writes PORT to
// --port-file when given, and serves until SIGTERM or SIGINT. Point askdb at it with
// ASKDB_LLM_BASE_URL=http://127.0.0.1:PORT/v1. Without --script it streams "SELECT 1;".
//
// rules.json is either an array of rules or an object:
//
//   {
//     "default_reply": "SELECT 1;",    // streamed when no rule matches
//     "api_key": "sk-test",            // optional: require "Authorization: Bearer sk-test"
//     "models": ["gpt-4o-mini"],       // optional: other models get 404 model_not_found
//     "words_per_chunk": 2,            // words of text per SSE chunk
//     "rules": [
//       {"match": "revenue", "reply": "SELECT sum(amount) FROM orders;"},
//       {"match": "", "mode": "http_error", "status": 429, "headers": {"retry-after": "1"}},
//       {"mode": "raw", "body_file": "recorded.sse", "raw_chunk_bytes": 7}
//     ]
//   }
//
// Rule fields (all optional):
//   match           substring of the last user message; "" (default) matches any request
//   mode            "stream" (default; a chat.completion JSON when the request has
//                   "stream": false), "json" (a chat.completion JSON whatever was asked),
//                   "http_error", "malformed_chunk" (one chunk is broken JSON), "cut_stream"
//                   (closes mid-stream), "hang" (never answers), "raw" (body sent as is)
//   reply           the assistant's text
//   status          http_error: the HTTP status (default 500)
//   body            http_error: the body (default: OpenAI's real error body for the status);
//                   raw: the whole response body
//   body_file       like body, read from a file (relative to the script's folder)
//   content_type    raw (default text/event-stream) and http_error (default application/json)
//   headers         extra response headers, {"name": "value"}
//   finish_reason   default "stop"
//   delay_ms        wait before answering; chunk_delay_ms: wait between chunks
//   raw_chunk_bytes raw: write the body in pieces of this many bytes (0: at once)
//   once            true (default): the rule is used up by its first match; false: it repeats
// Rules are tried in order; the first that matches answers.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "support/fake_openai_script.h"
#include "support/fake_openai_server.h"

namespace {

int usage_error(const std::string& message) {
  std::cerr << "fake_openai: " << message << "\n"
            << "usage: fake_openai [--port N] [--script rules.json] [--port-file F]\n";
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
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--port" || arg == "--script" || arg == "--port-file") && i + 1 >= argc) {
      return usage_error(arg + " needs a value");
    }
    if (arg == "--port") {
      char* end = nullptr;
      const long value = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || value < 0 || value > 65535) return usage_error("bad --port");
      port = static_cast<int>(value);
    } else if (arg == "--script") {
      script_path = argv[++i];
    } else if (arg == "--port-file") {
      port_file = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      usage_error("help");
      return 0;
    } else {
      return usage_error("unknown argument " + arg);
    }
  }

  askdb::test::FakeOpenAiScript script;
  if (!script_path.empty()) {
    auto loaded = askdb::test::load_fake_openai_script(script_path);
    if (!loaded.ok()) return usage_error(loaded.error().message);
    script = std::move(*loaded);
  }

  // Block the stop signals before the server thread starts, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  askdb::test::FakeOpenAiServer server(script.options);
  for (auto& rule : script.rules) server.add_rule(std::move(rule));
  if (auto started = server.start(static_cast<uint16_t>(port)); !started.ok()) {
    std::cerr << "fake_openai: " << started.error().message << "\n";
    return 1;
  }
  if (!port_file.empty() && !write_port_file(port_file, server.port())) {
    std::cerr << "fake_openai: cannot write " << port_file << "\n";
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  return 0;
}
