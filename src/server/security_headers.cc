#include "server/security_headers.h"

namespace askdb::server {

std::vector<std::pair<std::string, std::string>> default_security_headers() {
  return {
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Content-Security-Policy", std::string(kContentSecurityPolicy)},
  };
}

}  // namespace askdb::server
