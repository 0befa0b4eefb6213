// TlsTestServer: an HTTPS server on 127.0.0.1 for tests of TLS certificate verification.
//
// start() makes, in memory, a certificate authority and a certificate for 127.0.0.1 and
// localhost (subjectAltName IP:127.0.0.1, DNS:localhost) signed by it, and writes the CA's
// certificate (PEM) to a temporary file that a client may be told to trust. No system store
// trusts that CA. Every request gets the same reply: 200, application/json, kBody. One
// connection at a time, on its own thread; every public method may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace askdb::test {

class TlsTestServer {
 public:
  static constexpr std::string_view kBody = R"({"ok":true,"served_by":"tls_test_server"})";

  TlsTestServer();
  ~TlsTestServer();  // stops the server and removes the CA file
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  // Makes the certificates, writes the CA file, listens on 127.0.0.1 (an ephemeral port) and
  // serves on a background thread. REQUIRES: not started yet.
  Status start();
  // Closes the connection being served, if any, and joins the thread. Idempotent.
  void stop();

  uint16_t port() const;
  std::string url() const;             // "https://127.0.0.1:PORT/v1/x"
  const std::string& ca_file() const;  // the PEM file of the CA that signed the server's cert

  int handshakes() const;  // TLS handshakes completed so far
  int requests() const;    // requests answered so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace askdb::test
