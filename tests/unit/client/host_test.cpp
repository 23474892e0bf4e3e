#include "client/host.h"

#include <gtest/gtest.h>

namespace wharf::client {
namespace {

TEST(HostTest, ParsesUnixSockets) {
  auto ep = parseHost("unix:///run/wharf/wharf.sock");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->kind, Endpoint::Kind::kUnix);
  EXPECT_EQ(ep->path, "/run/wharf/wharf.sock");
  EXPECT_EQ(ep->uri, "unix:///run/wharf/wharf.sock");
  EXPECT_FALSE(parseHost("unix://relative.sock").ok());
}

TEST(HostTest, ParsesTcp) {
  auto ep = parseHost("tcp://127.0.0.1:2376");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->kind, Endpoint::Kind::kTcp);
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->port, "2376");
  auto def = parseHost("tcp://example.com");
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->port, "2375");
  auto bare = parseHost("localhost:1234");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->uri, "tcp://localhost:1234");
  auto v6 = parseHost("tcp://[::1]:2375");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->uri, "tcp://[::1]:2375");
  EXPECT_FALSE(parseHost("ssh://me@host").ok());
  EXPECT_FALSE(parseHost("tcp://host:port").ok());
}

TEST(HostTest, ResolutionOrderIsFlagThenEnvThenDefault) {
  EXPECT_EQ(resolveHost("unix:///a.sock", "unix:///b.sock"), "unix:///a.sock");
  EXPECT_EQ(resolveHost("", "unix:///b.sock"), "unix:///b.sock");
  EXPECT_EQ(resolveHost("", ""), kDefaultHost);
  EXPECT_EQ(resolveHost("", nullptr), kDefaultHost);
}

}  // namespace
}  // namespace wharf::client
