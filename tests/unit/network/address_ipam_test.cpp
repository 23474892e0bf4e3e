#include <gtest/gtest.h>

#include "network/address.h"
#include "network/ipam.h"
#include "network/network_mode.h"

namespace wharf::network {
namespace {

TEST(Address, ParsesAndFormatsIpv4) {
  EXPECT_EQ(parseIpv4("172.17.0.1"), (172u << 24) | (17u << 16) | 1u);
  EXPECT_EQ(formatIpv4(*parseIpv4("10.0.255.3")), "10.0.255.3");
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "a.b.c.d", "1..2.3",
                          "1.2.3.4 ", "1.2.3.-4"}) {
    EXPECT_FALSE(parseIpv4(bad)) << bad;
  }
}

TEST(Address, Prefixes) {
  auto p = Prefix::parse("172.18.0.0/16");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->isMasked());
  EXPECT_EQ(formatIpv4(p->broadcast()), "172.18.255.255");
  EXPECT_TRUE(p->contains(*parseIpv4("172.18.3.4")));
  EXPECT_FALSE(p->contains(*parseIpv4("172.19.0.1")));
  EXPECT_TRUE(p->overlaps(*Prefix::parse("172.18.5.0/24")));
  EXPECT_TRUE(p->overlaps(*Prefix::parse("172.0.0.0/8")));
  EXPECT_FALSE(p->overlaps(*Prefix::parse("172.19.0.0/16")));
  auto unmasked = Prefix::parse("10.1.2.3/8");
  ASSERT_TRUE(unmasked);
  EXPECT_FALSE(unmasked->isMasked());
  EXPECT_EQ(unmasked->masked().toString(), "10.0.0.0/8");
  for (const char* bad :
       {"10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "x/8", "10.0.0.0/08"}) {
    EXPECT_FALSE(Prefix::parse(bad)) << bad;
  }
}

TEST(Address, MacFromIp) {
  EXPECT_EQ(macForIpv4(*parseIpv4("172.17.0.2")), "02:42:ac:11:00:02");
  auto mac = parseMac("02:42:AC:11:00:02");
  ASSERT_TRUE(mac);
  EXPECT_EQ((*mac)[2], 0xac);
  EXPECT_FALSE(parseMac("02:42:ac:11:00"));
  EXPECT_FALSE(parseMac("02-42-ac-11-00-02"));
}

TEST(Ipam, ChoosesFirstFreePoolSubnetSkippingTakenAndRouted) {
  auto pools = defaultAddressPools();
  auto first = chooseSubnet(pools, {});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->toString(), "172.17.0.0/16");
  // A host route inside 172.17/16 (a VPN, the LAN) makes the pool skip it, as docker.
  auto next =
      chooseSubnet(pools, {*Prefix::parse("172.17.0.0/16"), *Prefix::parse("172.18.4.0/24")});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->toString(), "172.19.0.0/16");
  // All /16s taken: 192.168.0.0/20, then 192.168.16.0/20.
  std::vector<Prefix> taken = {*Prefix::parse("172.16.0.0/12")};
  EXPECT_EQ(chooseSubnet(pools, taken)->toString(), "192.168.0.0/20");
  taken.push_back(*Prefix::parse("192.168.0.0/20"));
  EXPECT_EQ(chooseSubnet(pools, taken)->toString(), "192.168.16.0/20");
  taken.push_back(*Prefix::parse("192.168.0.0/16"));
  EXPECT_FALSE(chooseSubnet(pools, taken).ok());
}

TEST(Ipam, AllocatesRoundRobinWithoutReservedAddresses) {
  AddressRange r{*Prefix::parse("10.9.0.0/29"), std::nullopt, *parseIpv4("10.9.0.1")};
  std::set<Ipv4> used = {r.gateway};
  std::vector<std::string> got;
  Ipv4 last = 0;
  for (int i = 0; i < 5; ++i) {
    auto ip = allocateAddress(r, used, std::nullopt, last);
    ASSERT_TRUE(ip.ok());
    used.insert(*ip);
    last = *ip;
    got.push_back(formatIpv4(*ip));
  }
  EXPECT_EQ(got,
            (std::vector<std::string>{"10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"}));
  auto full = allocateAddress(r, used, std::nullopt, last);
  ASSERT_FALSE(full.ok());
  // A released address is not handed out first: the next one after the last is.
  used.erase(*parseIpv4("10.9.0.3"));
  used.erase(*parseIpv4("10.9.0.6"));
  EXPECT_EQ(formatIpv4(*allocateAddress(r, used, std::nullopt, *parseIpv4("10.9.0.4"))),
            "10.9.0.6");
}

TEST(Ipam, RequestedAndRangedAddresses) {
  AddressRange r{*Prefix::parse("10.9.0.0/24"), *Prefix::parse("10.9.0.128/25"),
                 *parseIpv4("10.9.0.1")};
  std::set<Ipv4> used = {r.gateway};
  EXPECT_EQ(formatIpv4(*allocateAddress(r, used, std::nullopt, 0)), "10.9.0.128");
  EXPECT_EQ(formatIpv4(*allocateAddress(r, used, *parseIpv4("10.9.0.7"), 0)), "10.9.0.7");
  used.insert(*parseIpv4("10.9.0.7"));
  auto taken = allocateAddress(r, used, *parseIpv4("10.9.0.7"), 0);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().category(), ErrorCategory::kConflict);
  EXPECT_FALSE(allocateAddress(r, used, *parseIpv4("10.8.0.7"), 0).ok());
  EXPECT_FALSE(allocateAddress(r, used, *parseIpv4("10.9.0.1"), 0).ok());  // the gateway
}

TEST(NetworkMode, ParsesDockerModes) {
  EXPECT_EQ(NetworkMode::parse("")->kind, NetworkMode::Kind::kBridge);
  EXPECT_EQ(NetworkMode::parse("default")->kind, NetworkMode::Kind::kBridge);
  EXPECT_EQ(NetworkMode::parse("none")->kind, NetworkMode::Kind::kNone);
  EXPECT_EQ(NetworkMode::parse("host")->kind, NetworkMode::Kind::kHost);
  auto c = NetworkMode::parse("container:web");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, NetworkMode::Kind::kContainer);
  EXPECT_EQ(c->target, "web");
  EXPECT_EQ(c->toString(), "container:web");
  EXPECT_FALSE(NetworkMode::parse("container:").ok());
  auto u = NetworkMode::parse("mynet");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->kind, NetworkMode::Kind::kUser);
  EXPECT_EQ(u->toString(), "mynet");
}

}  // namespace
}  // namespace wharf::network
