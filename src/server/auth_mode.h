// AuthMode: who may use a running askdb server, decided once at start from server.auth and the
// listening address. Loopback may run without login (the demo); any other address needs
// `local` (accounts made with `askdb users add`) or `proxy` (a header set by a trusted load
// balancer, only from trusted addresses). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/result.h"

namespace askdb::server {

enum class AuthMode { kNone, kLocal, kProxy };

const char* auth_mode_name(AuthMode mode);

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

// The mode to run with, or Error{kConfig} saying why the server must not start (no auth mode
// on a non-loopback address; proxy without a header or trusted addresses).
Result<AuthMode> resolve_auth_mode(const ServerConfig& config);

// An IPv4 or IPv6 network: "10.0.0.0/8", "::1/128", or one address.
struct Network {
  std::vector<unsigned char> address;  // 4 or 16 bytes
  int prefix = 0;
};

// Parses server.proxy_trusted: comma-separated addresses or CIDRs. Error{kConfig} names a bad one.
Result<std::vector<Network>> parse_networks(const std::string& list);

// Whether `address` (textual IPv4/IPv6, IPv4-mapped IPv6 included) is inside any network.
bool address_in(const std::string& address, const std::vector<Network>& networks);

// The address a request came from, for rate limits: `peer`, or, when `peer` is in `trusted` (a
// load balancer), the right-most address of `forwarded_for` (X-Forwarded-For) that is not
// trusted — the one the nearest trusted proxy saw. Addresses a client wrote into the header
// itself lie further left and are never used. An entry that is not an address ends the walk at
// the trusted hop that sent it.
std::string client_address(const std::string& peer, std::string_view forwarded_for,
                           const std::vector<Network>& trusted);

}  // namespace askdb::server
