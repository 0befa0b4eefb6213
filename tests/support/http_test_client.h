// HttpTestClient: a small blocking HTTP/1.1 client for tests of askdb's server — one request
// per call on a fresh loopback connection, the whole response read (a Server-Sent Events
// reply too, parsed into its events). Errors fail the calling test via the returned status 0.
// Thread-compatible: one client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace askdb::testing {

struct SseEvent {
  std::string name;  // "message" when the event had no name
  std::string data;
  nlohmann::json json() const;  // data parsed; discarded value when not JSON
};

struct HttpReply {
  int status = 0;  // 0: no reply (connection failed); see `failure`
  std::string failure;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::vector<SseEvent> events;  // when the reply was text/event-stream

  std::string header(const std::string& name) const;
  nlohmann::json json() const;  // body parsed; discarded value when not JSON
};

struct HttpCall {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Called with each event as it arrives; return false to close the connection at once.
  std::function<bool(const SseEvent&)> on_event;
  std::chrono::seconds timeout{60};
};

class HttpTestClient {
 public:
  explicit HttpTestClient(uint16_t port) : port_(port) {}

  HttpReply send(const HttpCall& call) const;
  HttpReply get(const std::string& target) const;
  // POST/PATCH/DELETE with a JSON body (Content-Type: application/json).
  HttpReply send_json(const std::string& method, const std::string& target,
                      const nlohmann::json& body,
                      std::vector<std::pair<std::string, std::string>> headers = {}) const;

 private:
  uint16_t port_;
};

// A loopback port free right now (for a server a test starts as another process).
uint16_t free_port();

// Polls GET /healthz through `client` for up to a minute; true once it answers 200.
bool wait_until_up(const HttpTestClient& client);

}  // namespace askdb::testing
