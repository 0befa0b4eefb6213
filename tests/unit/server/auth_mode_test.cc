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

}  // namespace
}  // namespace askdb::server
