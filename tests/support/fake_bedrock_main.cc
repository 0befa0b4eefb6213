// fake_bedrock: a standalone Amazon Bedrock (Converse / ConverseStream) server on 127.0.0.1, for
// end-to-end tests of the askdb binary and for benchmarks (no latency, real SigV4 checks, real
// event-stream frames).
//
//   fake_bedrock [--port N] [--reply TEXT] [--access-key ID] [--secret-key KEY]
//                [--session-token T] [--region R] [--allow-model ID]... [--port-file F]
//
// Prints "listening on 127.0.0.1:PORT" on stdout once it accepts connections, writes PORT to
// --port-file when given, and serves until SIGTERM or SIGINT. Point askdb at it with
//   AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:PORT AWS_REGION=us-east-1
//   AWS_ACCESS_KEY_ID=AKIDFAKEBEDROCK AWS_SECRET_ACCESS_KEY=fake/bedrock/secret/key
// (the defaults of --region, --access-key and --secret-key). Every request must be signed with
// those credentials for that region; --access-key "" turns the check off. --allow-model, given
// once or more, limits the models that answer (others get 403 AccessDeniedException). Without
// --reply it answers "SELECT 1;".
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "support/fake_bedrock_server.h"

namespace {

int usage_error(const std::string& message) {
  std::cerr << "fake_bedrock: " << message << "\n"
            << "usage: fake_bedrock [--port N] [--reply TEXT] [--access-key ID] "
               "[--secret-key KEY] [--session-token T] [--region R] [--allow-model ID]... "
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
  askdb::test::FakeBedrockOptions options;
  int port = 0;
  std::string port_file;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage_error("help");
      return 0;
    }
    if (i + 1 >= argc)
      return usage_error(arg.starts_with("--") ? arg + " needs a value"
                                               : "unknown argument " + arg);
    const std::string value = argv[++i];
    if (arg == "--port") {
      char* end = nullptr;
      const long number = std::strtol(value.c_str(), &end, 10);
      if (*end != '\0' || number < 0 || number > 65535) return usage_error("bad --port");
      port = static_cast<int>(number);
    } else if (arg == "--reply") {
      options.default_reply = value;
    } else if (arg == "--access-key") {
      options.access_key_id = value;
    } else if (arg == "--secret-key") {
      options.secret_access_key = value;
    } else if (arg == "--session-token") {
      options.session_token = value;
    } else if (arg == "--region") {
      options.region = value;
    } else if (arg == "--allow-model") {
      options.allowed_models.push_back(value);
    } else if (arg == "--port-file") {
      port_file = value;
    } else {
      return usage_error("unknown argument " + arg);
    }
  }

  // Block the stop signals before the server thread starts, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  askdb::test::FakeBedrockServer server(options);
  if (auto started = server.start(static_cast<uint16_t>(port)); !started.ok()) {
    std::cerr << "fake_bedrock: " << started.error().message << "\n";
    return 1;
  }
  if (!port_file.empty() && !write_port_file(port_file, server.port())) {
    std::cerr << "fake_bedrock: cannot write " << port_file << "\n";
    return 1;
  }
  std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  return 0;
}
