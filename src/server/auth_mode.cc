#include "server/auth_mode.h"

#include <arpa/inet.h>

#include <cstring>

#include "core/text.h"

namespace askdb::server {
namespace {

// Parses a textual address into 4 or 16 bytes; IPv4-mapped IPv6 becomes 4 bytes.
bool parse_address(const std::string& text, std::vector<unsigned char>& out) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
    out.assign(buf, buf + 4);
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(buf, kMapped, 12) == 0) {
      out.assign(buf + 12, buf + 16);
    } else {
      out.assign(buf, buf + 16);
    }
    return true;
  }
  return false;
}

}  // namespace

const char* auth_mode_name(AuthMode mode) {
  switch (mode) {
    case AuthMode::kNone:
      return "none";
    case AuthMode::kLocal:
      return "local";
    case AuthMode::kProxy:
      return "proxy";
  }
  return "none";
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  std::vector<unsigned char> a;
  if (!parse_address(host, a)) return false;
  if (a.size() == 4) return a[0] == 127;
  for (size_t i = 0; i < 15; ++i) {
    if (a[i] != 0) return false;
  }
  return a[15] == 1;
}

Result<AuthMode> resolve_auth_mode(const ServerConfig& config) {
  if (config.auth.empty() || config.auth == "none") {
    if (is_loopback_host(config.host)) return AuthMode::kNone;
    return make_error(
        ErrorCode::kConfig,
        "askdb serve would listen on " + config.host +
            ", which other machines can reach, with no login (server.auth is " +
            (config.auth.empty() ? "not set" : "\"none\"") +
            "). Set ASKDB_SERVER_AUTH=local (accounts from `askdb users add`) or "
            "ASKDB_SERVER_AUTH=proxy (behind a load balancer that signs users in), or listen on "
            "127.0.0.1 with --host 127.0.0.1 or ASKDB_SERVER_HOST=127.0.0.1 (in a container, "
            "which other containers and the host then cannot reach).");
  }
  if (config.auth == "local") return AuthMode::kLocal;
  if (config.auth == "proxy") {
    if (trim(config.proxy_user_header).empty()) {
      return make_error(ErrorCode::kConfig,
                        "server.auth = \"proxy\" needs server.proxy_user_header "
                        "(ASKDB_SERVER_PROXY_USER_HEADER): the header your load balancer sets "
                        "to the signed-in user, e.g. X-Amzn-Oidc-Identity.");
    }
    auto networks = parse_networks(config.proxy_trusted);
    if (!networks) return networks.error();
    if (networks->empty()) {
      return make_error(ErrorCode::kConfig,
                        "server.auth = \"proxy\" needs server.proxy_trusted "
                        "(ASKDB_SERVER_PROXY_TRUSTED): the load balancer's addresses or CIDRs, "
                        "e.g. 10.0.0.0/16. Requests from anywhere else are refused.");
    }
    return AuthMode::kProxy;
  }
  return make_error(ErrorCode::kConfig, "server.auth = \"" + config.auth +
                                            "\" is not allowed: use none, local or proxy.");
}

Result<std::vector<Network>> parse_networks(const std::string& list) {
  std::vector<Network> out;
  for (const std::string& raw : split(list, ',')) {
    const std::string item(trim(raw));
    if (item.empty()) continue;
    Network n;
    const size_t slash = item.find('/');
    const std::string addr = item.substr(0, slash);
    auto bad = [&] {
      return make_error(ErrorCode::kConfig,
                        "server.proxy_trusted: \"" + item +
                            "\" is not an IP address or CIDR (examples: 10.0.0.0/16, "
                            "192.168.1.10, fd00::/8).");
    };
    if (!parse_address(addr, n.address)) return bad();
    const int bits = static_cast<int>(n.address.size() * 8);
    n.prefix = bits;
    if (slash != std::string::npos) {
      const std::string p = item.substr(slash + 1);
      if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) {
        return bad();
      }
      n.prefix = std::stoi(p);
      if (n.prefix > bits) return bad();
    }
    out.push_back(std::move(n));
  }
  return out;
}

bool address_in(const std::string& address, const std::vector<Network>& networks) {
  std::vector<unsigned char> a;
  if (!parse_address(address, a)) return false;
  for (const Network& n : networks) {
    if (n.address.size() != a.size()) continue;
    int left = n.prefix;
    bool match = true;
    for (size_t i = 0; i < a.size() && left > 0 && match; ++i, left -= 8) {
      const int take = left >= 8 ? 8 : left;
      const unsigned char mask = static_cast<unsigned char>(0xff << (8 - take));
      match = (a[i] & mask) == (n.address[i] & mask);
    }
    if (match) return true;
  }
  return false;
}

std::string client_address(const std::string& peer, std::string_view forwarded_for,
                           const std::vector<Network>& trusted) {
  if (forwarded_for.empty() || !address_in(peer, trusted)) return peer;
  std::string hop = peer;  // the nearest address known to be real so far
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    const size_t comma = rest.rfind(',');
    const std::string entry(trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    std::vector<unsigned char> parsed;
    if (!parse_address(entry, parsed)) return hop;
    if (!address_in(entry, trusted)) return entry;
    hop = entry;
  }
  return hop;
}

}  // namespace askdb::server
