#include "support/tls_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace askdb::test {
namespace {

constexpr size_t kMaxHead = 64 * 1024;

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

// `what`, and the reason OpenSSL's error queue gives.
Error openssl_error(const std::string& what) {
  char reason[256];
  ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
  ERR_clear_error();
  return Error{ErrorCode::kInternal, "tls_test_server: " + what + " (" + reason + ")"};
}

bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool added = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return added;
}

// A v3 certificate for `key` named `common_name`, valid from an hour ago for a day, with
// `extensions` (nid, value) in order, signed with `issuer_key` by `issuer` (the certificate
// itself when null). Null when OpenSSL fails.
Cert make_cert(EVP_PKEY* key, const char* common_name, long serial, X509* issuer,
               EVP_PKEY* issuer_key, const std::vector<std::pair<int, const char*>>& extensions) {
  Cert cert(X509_new());
  if (!cert) return nullptr;
  X509* c = cert.get();
  X509_NAME* name = X509_get_subject_name(c);
  bool ok = X509_set_version(c, 2) == 1 &&  // 2 is v3
            ASN1_INTEGER_set(X509_get_serialNumber(c), serial) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(c), -3600) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(c), 24 * 3600) != nullptr &&
            X509_set_pubkey(c, key) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>(common_name), -1, -1,
                                       0) == 1 &&
            X509_set_issuer_name(c, issuer != nullptr ? X509_get_subject_name(issuer) : name) == 1;
  for (const auto& [nid, value] : extensions) {
    ok = ok && add_extension(c, issuer != nullptr ? issuer : c, nid, value);
  }
  ok = ok && X509_sign(c, issuer_key, EVP_sha256()) != 0;
  return ok ? std::move(cert) : nullptr;
}

// The value of the Content-Length header in a request head, 0 when absent.
size_t content_length(const std::string& head) {
  std::string lowered = head;
  for (char& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const size_t at = lowered.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  return static_cast<size_t>(std::strtoull(head.c_str() + at + 17, nullptr, 10));
}

}  // namespace

struct TlsTestServer::Impl {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx;
  std::string ca_file;
  int listen_fd = -1;
  int stop_fd = -1;  // an eventfd: readable once stop() is called
  uint16_t port = 0;
  std::thread thread;
  std::atomic<int> handshakes{0};
  std::atomic<int> requests{0};

  std::mutex mu;  // guards the members below
  bool stopping = false;
  int connection_fd = -1;  // the connection being served, -1 when none

  // Makes the CA and the server's certificate, loads the latter into `ctx` and writes the
  // former to `ca_file`.
  Status make_certificates() {
    const Key ca_key(EVP_EC_gen("P-256"));
    const Key server_key(EVP_EC_gen("P-256"));
    if (!ca_key || !server_key) return openssl_error("could not make a key");
    const Cert ca = make_cert(ca_key.get(), "askdb test CA", 1, nullptr, ca_key.get(),
                              {{NID_basic_constraints, "critical,CA:TRUE"},
                               {NID_key_usage, "critical,keyCertSign,cRLSign"},
                               {NID_subject_key_identifier, "hash"}});
    if (!ca) return openssl_error("could not make the CA certificate");
    const Cert server = make_cert(server_key.get(), "127.0.0.1", 2, ca.get(), ca_key.get(),
                                  {{NID_basic_constraints, "critical,CA:FALSE"},
                                   {NID_key_usage, "critical,digitalSignature"},
                                   {NID_ext_key_usage, "serverAuth"},
                                   {NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                                   {NID_subject_key_identifier, "hash"},
                                   {NID_authority_key_identifier, "keyid:always"}});
    if (!server) return openssl_error("could not make the server's certificate");

    ctx.reset(SSL_CTX_new(TLS_server_method()));
    if (!ctx || SSL_CTX_use_certificate(ctx.get(), server.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx.get(), server_key.get()) != 1 ||
        SSL_CTX_check_private_key(ctx.get()) != 1) {
      return openssl_error("could not set up the TLS context");
    }

    const std::unique_ptr<BIO, BioFree> pem(BIO_new(BIO_s_mem()));
    if (!pem || PEM_write_bio_X509(pem.get(), ca.get()) != 1) {
      return openssl_error("could not write the CA certificate as PEM");
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(pem.get(), &data);
    char path[] = "/tmp/askdb-test-ca-XXXXXX.pem";
    const int fd = ::mkstemps(path, 4);
    if (fd < 0) {
      return Error{ErrorCode::kInternal, std::string("tls_test_server: could not create ") + path +
                                             ": " + std::strerror(errno)};
    }
    ca_file = path;
    const bool written = ::write(fd, data, static_cast<size_t>(size)) == size;
    ::close(fd);
    if (!written) return Error{ErrorCode::kInternal, "tls_test_server: could not write " + ca_file};
    return ok_status();
  }

  Status listen() {
    stop_fd = ::eventfd(0, EFD_CLOEXEC);
    listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (stop_fd < 0 || listen_fd < 0) {
      return Error{ErrorCode::kInternal,
                   std::string("tls_test_server: no socket: ") + std::strerror(errno)};
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd, 16) != 0 ||
        ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return Error{ErrorCode::kInternal,
                   std::string("tls_test_server: cannot listen: ") + std::strerror(errno)};
    }
    port = ntohs(addr.sin_port);
    return ok_status();
  }

  void serve() {
    // A client that hangs up makes a write fail with EPIPE instead of killing the process.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    while (true) {
      pollfd fds[2] = {{listen_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[1].revents != 0) return;
      const int fd = ::accept(listen_fd, nullptr, nullptr);
      if (fd < 0) continue;
      {
        std::lock_guard lock(mu);
        if (stopping) {
          ::close(fd);
          return;
        }
        connection_fd = fd;
      }
      answer(fd);
      ERR_clear_error();
      {
        std::lock_guard lock(mu);
        connection_fd = -1;
      }
      ::close(fd);
    }
  }

  // Completes the handshake on `fd`, reads one request and answers it.
  void answer(int fd) {
    const timeval five_seconds{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &five_seconds, sizeof five_seconds);
    const std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
    if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) return;
    if (SSL_accept(ssl.get()) != 1) return;  // the client refused our certificate, say
    ++handshakes;

    std::string data;
    char buf[4096];
    size_t head_end = std::string::npos;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos && data.size() < kMaxHead) {
      const int n = SSL_read(ssl.get(), buf, sizeof buf);
      if (n <= 0) return;
      data.append(buf, static_cast<size_t>(n));
    }
    if (head_end == std::string::npos) return;
    const size_t body_wanted = content_length(data.substr(0, head_end + 2));
    size_t body_read = data.size() - (head_end + 4);
    while (body_read < body_wanted) {
      const int n =
          SSL_read(ssl.get(), buf, static_cast<int>(std::min(sizeof buf, body_wanted - body_read)));
      if (n <= 0) return;
      body_read += static_cast<size_t>(n);
    }
    ++requests;
    const std::string reply =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(kBody.size()) + "\r\nConnection: close\r\n\r\n" + std::string(kBody);
    if (SSL_write(ssl.get(), reply.data(), static_cast<int>(reply.size())) <= 0) return;
    SSL_shutdown(ssl.get());
  }
};

TlsTestServer::TlsTestServer() : impl_(std::make_unique<Impl>()) {}

TlsTestServer::~TlsTestServer() {
  stop();
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  if (impl_->stop_fd >= 0) ::close(impl_->stop_fd);
  if (!impl_->ca_file.empty()) ::unlink(impl_->ca_file.c_str());
}

Status TlsTestServer::start() {
  if (impl_->listen_fd >= 0) return Error{ErrorCode::kInternal, "tls_test_server: already started"};
  if (Status made = impl_->make_certificates(); !made) return made;
  if (Status listening = impl_->listen(); !listening) return listening;
  impl_->thread = std::thread([impl = impl_.get()] { impl->serve(); });
  return ok_status();
}

void TlsTestServer::stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    if (impl_->connection_fd >= 0) ::shutdown(impl_->connection_fd, SHUT_RDWR);
  }
  if (impl_->stop_fd >= 0) {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(impl_->stop_fd, &one, sizeof one);
  }
  if (impl_->thread.joinable()) impl_->thread.join();
}

uint16_t TlsTestServer::port() const { return impl_->port; }

std::string TlsTestServer::url() const {
  return "https://127.0.0.1:" + std::to_string(impl_->port) + "/v1/x";
}

const std::string& TlsTestServer::ca_file() const { return impl_->ca_file; }

int TlsTestServer::handshakes() const { return impl_->handshakes.load(); }

int TlsTestServer::requests() const { return impl_->requests.load(); }

}  // namespace askdb::test
