#include "cli/health.h"

#include <iostream>

#include "core/text.h"
#include "llm/http_client.h"
#include "server/auth_mode.h"

namespace askdb::cli {

std::string default_health_url(const ServerConfig& server) {
  std::string host = server.host;
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]" ||
      server::is_loopback_host(host)) {
    host = "127.0.0.1";
  } else if (host.find(':') != std::string::npos && host.front() != '[') {
    host = "[" + host + "]";
  }
  return "http://" + host + ":" + std::to_string(server.port) + "/healthz";
}

int run_health(const std::string& config_file, const std::string& url, double timeout_s) {
  std::string target = url;
  if (target.empty()) {
    LoadOptions options;
    options.file = config_file;
    auto config = load_config(options);
    if (!config) {
      std::cerr << "askdb: health: " << config.error().message << "\n";
      return 1;
    }
    target = default_health_url(config->server);
  }
  llm::HttpRequest request;
  request.method = "GET";
  request.url = target;
  request.connect_timeout_s = timeout_s;
  request.timeout_s = timeout_s;
  request.direct = true;  // a health probe is local: never through HTTP_PROXY
  const llm::HttpClient client;
  const llm::HttpResponse response =
      client.post(request, [](const llm::HttpHead&, std::string_view) { return true; });
  const std::string shown = llm::display_url(target);
  if (!response.transport_ok()) {
    std::cerr << "askdb: health: " << shown << " did not answer: " << response.failure_message
              << ". Is `askdb serve` running and listening there (server.host, server.port)?\n";
    return 1;
  }
  if (response.head.status != 200) {
    std::string body = collapse_whitespace(response.error_body);
    std::cerr << "askdb: health: " << shown << " answered HTTP " << response.head.status
              << (body.empty() ? std::string() : ": " + shorten(body, 200)) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace askdb::cli
