// HttpProxyRecorder: an HTTP forward proxy on 127.0.0.1 that forwards nothing, for tests of
// which requests go through a proxy (http_proxy, HTTPS_PROXY, NO_PROXY).
//
// It records the request line of every request it receives ("CONNECT host:443 HTTP/1.1",
// "POST http://host/x HTTP/1.1") and answers each one itself, one request per connection:
// CONNECT with 502 Bad Gateway (no tunnel is ever opened), anything else with 200 and kBody.
// Runs on its own thread; every public method may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace askdb::test {

class HttpProxyRecorder {
 public:
  // The body of the 200 that answers every request but CONNECT.
  static constexpr std::string_view kBody = "answered by the proxy";

  HttpProxyRecorder();
  ~HttpProxyRecorder();  // stops the proxy
  HttpProxyRecorder(const HttpProxyRecorder&) = delete;
  HttpProxyRecorder& operator=(const HttpProxyRecorder&) = delete;

  // Listens on 127.0.0.1 (an ephemeral port) and serves on a background thread.
  // REQUIRES: not started yet.
  Status start();
  // Closes the connection being served, if any, and joins the thread. Idempotent.
  void stop();

  uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:PORT", what a proxy variable is set to

  std::vector<std::string> request_lines() const;  // every request line so far, in order

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace askdb::test
