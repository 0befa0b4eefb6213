#include "server/auth_mode.h"

#include <gtest/gtest.h>

namespace askdb::server {
namespace {

ServerConfig server(std::string host, std::string auth) {
  ServerConfig c;
  c.host = std::move(host);
  c.auth = std::move(auth);
  return c;
}

TEST(AuthModeTest, LoopbackMayRunWithoutLogin) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) {
    auto mode = resolve_auth_mode(server(host, ""));
    ASSERT_TRUE(mode.ok()) << host;
    EXPECT_EQ(*mode, AuthMode::kNone);
  }
}

TEST(AuthModeTest, OtherAddressesRefuseToStartWithoutAuth) {
  for (const char* auth : {"", "none"}) {
    auto mode = resolve_auth_mode(server("0.0.0.0", auth));
    ASSERT_FALSE(mode.ok());
    EXPECT_EQ(mode.error().code, ErrorCode::kConfig);
    EXPECT_NE(mode.error().message.find("ASKDB_SERVER_AUTH=local"), std::string::npos);
  }
  auto local = resolve_auth_mode(server("0.0.0.0", "local"));
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(*local, AuthMode::kLocal);
}

TEST(AuthModeTest, ProxyNeedsTrustedAddresses) {
  ServerConfig c = server("0.0.0.0", "proxy");
  c.proxy_trusted = "";
  EXPECT_FALSE(resolve_auth_mode(c).ok());
  c.proxy_trusted = "10.0.0.0/16, fd00::/8";
  EXPECT_TRUE(resolve_auth_mode(c).ok());
  c.proxy_trusted = "10.0.0.0/33";
  auto bad = resolve_auth_mode(c);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("\"10.0.0.0/33\""), std::string::npos);
}

TEST(AuthModeTest, AddressesMatchNetworks) {
  auto nets = parse_networks("10.1.0.0/16,192.168.1.10,fd00::/8");
  ASSERT_TRUE(nets.ok());
  EXPECT_TRUE(address_in("10.1.200.3", *nets));
  EXPECT_FALSE(address_in("10.2.0.1", *nets));
  EXPECT_TRUE(address_in("192.168.1.10", *nets));
  EXPECT_FALSE(address_in("192.168.1.11", *nets));
  EXPECT_TRUE(address_in("fd12::1", *nets));
  EXPECT_FALSE(address_in("fe80::1", *nets));
  EXPECT_TRUE(address_in("::ffff:10.1.0.9", *nets));  // IPv4-mapped
  EXPECT_FALSE(address_in("not an address", *nets));
  auto any = parse_networks("0.0.0.0/0");
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(address_in("8.8.8.8", *any));
}

TEST(ClientAddress, TrustsForwardedForOnlyFromTrustedProxies) {
  auto trusted = parse_networks("10.0.0.0/16,127.0.0.1/32");
  ASSERT_TRUE(trusted.ok());
  // No proxy in between: the peer, whatever the header says.
  EXPECT_EQ(client_address("203.0.113.9", "198.51.100.1", *trusted), "203.0.113.9");
  // Through the load balancer: the address it saw.
  EXPECT_EQ(client_address("10.0.3.7", "198.51.100.1", *trusted), "198.51.100.1");
  // A client that writes its own header gets the address the balancer appended, not its own.
  EXPECT_EQ(client_address("10.0.3.7", "1.2.3.4, 198.51.100.1", *trusted), "198.51.100.1");
  // Two trusted hops (a proxy behind the balancer): past both.
  EXPECT_EQ(client_address("127.0.0.1", "198.51.100.1,10.0.9.9", *trusted), "198.51.100.1");
  EXPECT_EQ(client_address("10.0.3.7", " 2001:db8::5 ", *trusted), "2001:db8::5");
  // Garbage stops at the trusted hop that sent it; no header: the peer.
  EXPECT_EQ(client_address("10.0.3.7", "unknown", *trusted), "10.0.3.7");
  EXPECT_EQ(client_address("10.0.3.7", "198.51.100.1, evil, 10.0.1.1", *trusted), "10.0.1.1");
  EXPECT_EQ(client_address("10.0.3.7", "", *trusted), "10.0.3.7");
  EXPECT_EQ(client_address("10.0.3.7", "10.0.1.1", *trusted), "10.0.1.1");
}

}  // namespace
}  // namespace askdb::server
