// IPv6 pieces of the network module (docs/networking.md, "IPv6"): addresses and prefixes,
// docker's ULA pool, IPAM, the network record, the firewall's v6 masquerade, AAAA answers.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/random.h"
#include "network/address6.h"
#include "network/dns_message.h"
#include "network/dns_records.h"
#include "network/dns_server.h"
#include "network/firewall.h"
#include "network/ipam.h"
#include "network/manager.h"
#include "network/network.h"

namespace wharf::network {
namespace {

Ipv6 v6(const char* s) {
  auto ip = parseIpv6(s);
  EXPECT_TRUE(ip.has_value()) << s;
  return ip.value_or(Ipv6{});
}

TEST(Address6, ParsesAndFormatsCanonically) {
  EXPECT_EQ(formatIpv6(v6("fd00::1")), "fd00::1");
  EXPECT_EQ(formatIpv6(v6("FD00:0:0:0:0:0:0:1")), "fd00::1");
  EXPECT_EQ(formatIpv6(v6("::")), "::");
  EXPECT_EQ(formatIpv6(v6("::1")), "::1");
  EXPECT_EQ(formatIpv6(v6("fd00::")), "fd00::");
  EXPECT_EQ(formatIpv6(v6("2001:db8:0:0:1:0:0:1")), "2001:db8::1:0:0:1");     // the first run
  EXPECT_EQ(formatIpv6(v6("2001:db8:0:1:1:1:1:1")), "2001:db8:0:1:1:1:1:1");  // one 0 stays
  EXPECT_EQ(formatIpv6(v6("::ffff:10.1.2.3")), "::ffff:a01:203");
  EXPECT_EQ(formatIpv6(v6("1:2:3:4:5:6:7:8")), "1:2:3:4:5:6:7:8");
  for (const char* bad :
       {"", ":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "g::1",
        "1:", ":1", "1:2:3:4:5:6:7:8::", "::1.2.3", "fe80::1%eth0", "1.2.3.4", "::1 "}) {
    EXPECT_FALSE(parseIpv6(bad)) << bad;
  }
}

TEST(Address6, PrefixesContainAndOverlap) {
  auto p = Prefix6::parse("fd00:1::/64");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->isMasked());
  EXPECT_TRUE(p->contains(v6("fd00:1::abcd")));
  EXPECT_FALSE(p->contains(v6("fd00:2::1")));
  EXPECT_TRUE(p->overlaps(*Prefix6::parse("fd00::/16")));
  EXPECT_TRUE(p->overlaps(*Prefix6::parse("fd00:1::80/121")));
  EXPECT_FALSE(p->overlaps(*Prefix6::parse("fd00:1:0:1::/64")));
  auto unmasked = Prefix6::parse("fd00:1::5/64");
  ASSERT_TRUE(unmasked);
  EXPECT_FALSE(unmasked->isMasked());
  EXPECT_EQ(unmasked->masked().toString(), "fd00:1::/64");
  EXPECT_EQ(Prefix6::parse("fd00::/61")->network(), v6("fd00::"));
  EXPECT_EQ(formatIpv6(Prefix6::parse("fd00:0:0:ffff::/61")->network()), "fd00:0:0:fff8::");
  for (const char* bad : {"fd00::/129", "fd00::", "fd00::/", "fd00::/064", "zz::/64", "::/a"})
    EXPECT_FALSE(Prefix6::parse(bad)) << bad;
  EXPECT_EQ(formatIpv6(addToIpv6(v6("fd00::ffff:ffff:ffff:ffff"), 1)), "fd00:0:0:1::");
  EXPECT_EQ(ipv6Distance(v6("fd00::10"), v6("fd00::1")), 15u);
}

TEST(Address6, UlaPoolIsDockersDerivation) {
  // moby's TestDeriveULABaseNetwork vectors.
  EXPECT_EQ(ulaBasePool("").toString(), "fd42:98fc:1c14::/48");
  EXPECT_EQ(ulaBasePool("499d4bc0-b0b3-416f-b1ee-cf6486315593").toString(), "fd62:fb69:18af::/48");
}

TEST(Ipam6, ChoosesTheFirstFreeSlash64) {
  Prefix6 pool = *Prefix6::parse("fd42:98fc:1c14::/48");
  auto first = chooseSubnet6(pool, 64, {});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->toString(), "fd42:98fc:1c14::/64");
  auto second = chooseSubnet6(pool, 64, {*first, *Prefix6::parse("fd42:98fc:1c14:1::/80")});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->toString(), "fd42:98fc:1c14:2::/64");
  // A route covering the whole pool leaves nothing.
  EXPECT_FALSE(chooseSubnet6(pool, 64, {*Prefix6::parse("fd00::/8")}).ok());
}

TEST(Ipam6, AllocatesRoundRobinNeverTwiceNeverReserved) {
  AddressRange6 r{*Prefix6::parse("fd00:9::/64"), std::nullopt, v6("fd00:9::1")};
  std::set<Ipv6> used = {r.gateway};
  auto a = allocateAddress6(r, used, std::nullopt, Ipv6{});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(formatIpv6(*a), "fd00:9::2");  // not ::0 (subnet-router anycast), not the gateway
  used.insert(*a);
  auto b = allocateAddress6(r, used, std::nullopt, *a);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(formatIpv6(*b), "fd00:9::3");
  used.insert(*b);
  // Released ::2 is not reused at once: the next comes after the last one given.
  used.erase(*a);
  EXPECT_EQ(formatIpv6(*allocateAddress6(r, used, std::nullopt, *b)), "fd00:9::4");
  // --ip6: in the subnet, not reserved, not taken.
  EXPECT_EQ(formatIpv6(*allocateAddress6(r, used, v6("fd00:9::99"), *b)), "fd00:9::99");
  EXPECT_EQ(allocateAddress6(r, used, v6("fd00:9::3"), *b).error().message(),
            "Address already in use");
  EXPECT_FALSE(allocateAddress6(r, used, v6("fd00:8::5"), *b).ok());
  EXPECT_FALSE(allocateAddress6(r, used, v6("fd00:9::1"), *b).ok());
  // A full small subnet: no address left, found without looping over 2^64.
  AddressRange6 tiny{*Prefix6::parse("fd00:9::/126"), std::nullopt, v6("fd00:9::1")};
  std::set<Ipv6> full = {tiny.gateway, v6("fd00:9::2"), v6("fd00:9::3")};
  EXPECT_FALSE(allocateAddress6(tiny, full, std::nullopt, v6("fd00:9::3")).ok());
}

TEST(Firewall6, MasqueradesTheUlaSubnetInItsOwnTable) {
  FirewallState st;
  BridgeRule b{"br-6", *Prefix::parse("172.20.0.0/16"), false, true, std::nullopt};
  b.subnet6 = *Prefix6::parse("fd00:6::/64");
  st.bridges.push_back(b);
  BridgeRule internal{"br-7", *Prefix::parse("172.21.0.0/16"), true, true, std::nullopt};
  internal.subnet6 = *Prefix6::parse("fd00:7::/64");
  st.bridges.push_back(internal);
  std::string s = firewallScript(st);
  EXPECT_NE(s.find("set masq6 { type ipv6_addr; flags interval; }"), std::string::npos);
  EXPECT_NE(s.find("ip6 saddr @masq6 oifname != @bridges masquerade"), std::string::npos);
  EXPECT_NE(s.find("add element inet wharf masq6 { fd00:6::/64 }"), std::string::npos);
  EXPECT_EQ(s.find("fd00:7::/64"), std::string::npos);  // internal: never NATed
  EXPECT_EQ(s.find("flush"), std::string::npos);
}

TEST(Network6, RecordRoundTripsAndOldRecordsStayIpv4Only) {
  Network n;
  n.id = std::string(64, 'a');
  n.name = "v6";
  n.bridge = "br-aaaaaaaaaaaa";
  n.subnet = *Prefix::parse("172.20.0.0/16");
  n.gateway = *parseIpv4("172.20.0.1");
  n.enableIpv6 = true;
  n.subnet6 = *Prefix6::parse("fd00:6::/64");
  n.gateway6 = v6("fd00:6::1");
  n.lastIp6 = v6("fd00:6::2");
  n.userSubnet6 = true;
  Endpoint ep;
  ep.id = std::string(64, 'e');
  ep.ip = *parseIpv4("172.20.0.2");
  ep.ip6 = v6("fd00:6::2");
  ep.staticIp6 = true;
  n.endpoints[std::string(64, 'c')] = ep;
  Json j = networkToJson(n);
  auto back = networkFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(back->enableIpv6);
  EXPECT_EQ(back->subnet6, n.subnet6);
  EXPECT_EQ(back->gateway6, n.gateway6);
  EXPECT_EQ(back->lastIp6, n.lastIp6);
  EXPECT_EQ(back->endpoints.at(std::string(64, 'c')).ip6, ep.ip6);
  EXPECT_TRUE(back->endpoints.at(std::string(64, 'c')).staticIp6);
  n.enableIpv6 = false;
  n.endpoints.clear();
  auto v4 = networkFromJson(networkToJson(n));
  ASSERT_TRUE(v4.ok());
  EXPECT_FALSE(v4->enableIpv6);
  EXPECT_FALSE(networkToJson(n).contains("subnet6"));
}

TEST(Dns6, AaaaAnswersPeersOnIpv6Networks) {
  Network n;
  n.id = std::string(64, '1');
  n.name = "v6net";
  n.driver = "bridge";
  n.enableIpv6 = true;
  const std::string me = std::string(12, 'a') + std::string(52, '1');
  const std::string peer = std::string(12, 'b') + std::string(52, '2');
  Endpoint a, b;
  a.containerName = "me";
  a.ip = *parseIpv4("10.7.0.2");
  a.ip6 = v6("fd00:7::2");
  b.containerName = "peer";
  b.ip = *parseIpv4("10.7.0.3");
  b.ip6 = v6("fd00:7::3");
  b.aliases = {"svc"};
  n.endpoints[me] = a;
  n.endpoints[peer] = b;
  EXPECT_EQ(lookupContainerName6({n}, me, "peer"), std::vector<Ipv6>{v6("fd00:7::3")});
  EXPECT_EQ(lookupContainerName6({n}, me, "svc.v6net"), std::vector<Ipv6>{v6("fd00:7::3")});
  EXPECT_TRUE(lookupContainerName6({n}, me, "nobody").empty());

  std::vector<uint8_t> q = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  auto name = dns::encodeName("peer");
  ASSERT_TRUE(name);
  q.insert(q.end(), name->begin(), name->end());
  q.insert(q.end(), {0, 28, 0, 1});  // AAAA IN
  DnsDecision d = decideDns(q, {n}, me, true, 512);
  ASSERT_EQ(d.kind, DnsDecision::Kind::kReply);
  auto m = dns::parseMessage(d.reply, true);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->answers.size(), 1u);
  EXPECT_EQ(m->answers[0].type, dns::kTypeAaaa);
  const Ipv6 peer6 = v6("fd00:7::3");
  std::vector<uint8_t> want(peer6.bytes.begin(), peer6.bytes.end());
  EXPECT_EQ(m->answers[0].rdata, want);

  // PTR of its IPv6 address: <name>.<network>, as for IPv4.
  std::string rev;
  for (int k = 15; k >= 0; --k) {
    const char* hex = "0123456789abcdef";
    rev += std::string(1, hex[peer6.bytes[k] & 15]) + "." + hex[peer6.bytes[k] >> 4] + ".";
  }
  rev += "ip6.arpa";
  ASSERT_EQ(dns::parseReverseName6(rev), peer6);
  EXPECT_FALSE(dns::parseReverseName6("3.0.0.ip6.arpa"));
  EXPECT_FALSE(dns::parseReverseName6(std::string(rev).replace(0, 1, "g")));
  EXPECT_EQ(lookupContainerAddress6({n}, me, peer6), "peer.v6net");
  std::vector<uint8_t> ptr = {0x12, 0x35, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  auto rname = dns::encodeName(rev);
  ASSERT_TRUE(rname);
  ptr.insert(ptr.end(), rname->begin(), rname->end());
  ptr.insert(ptr.end(), {0, 12, 0, 1});  // PTR IN
  auto pm = dns::parseMessage(decideDns(ptr, {n}, me, true, 512).reply, true);
  ASSERT_TRUE(pm.ok());
  ASSERT_EQ(pm->answers.size(), 1u);
  EXPECT_EQ(pm->answers[0].rdata, *dns::encodeName("peer.v6net"));
}

class Manager6Test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("wharf-net6-" + randomHex(6));
    cfg_.dataRoot = dir_ / "data";
    cfg_.execRoot = dir_ / "exec";
    cfg_.touchHost = false;
    cfg_.hostId = "499d4bc0-b0b3-416f-b1ee-cf6486315593";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  ManagerConfig cfg_;
};

TEST_F(Manager6Test, CreateValidatesLikeDockerAndCreatesNothingOnError) {
  Manager m(cfg_);
  ASSERT_TRUE(m.init({}).ok());
  CreateRequest r;
  r.name = "auto";
  r.enableIpv6 = true;
  auto a = m.create(r);
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_TRUE(a->enableIpv6);
  EXPECT_EQ(a->subnet6.toString(), "fd62:fb69:18af::/64");  // the first /64 of the ULA pool
  EXPECT_EQ(formatIpv6(a->gateway6), "fd62:fb69:18af::1");
  r.name = "auto2";
  auto a2 = m.create(r);
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2->subnet6.toString(), "fd62:fb69:18af:1::/64");

  r.name = "mine";
  r.subnet6 = "fd00:5::/64";
  r.gateway6 = "fd00:5::fe";
  auto mine = m.create(r);
  ASSERT_TRUE(mine.ok()) << mine.error().message();
  EXPECT_EQ(formatIpv6(mine->gateway6), "fd00:5::fe");

  auto fails = [&](CreateRequest req, const std::string& msg) {
    auto res = m.create(req);
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error().message(), msg);
    EXPECT_FALSE(m.find(req.name).ok());
  };
  CreateRequest bad;
  bad.name = "bad";
  bad.enableIpv6 = true;
  bad.subnet6 = "fd00:5::/80";
  fails(bad, "invalid pool request: Pool overlaps with other one on this address space");
  bad.subnet6 = "fd00:5::/129";
  fails(bad, "invalid network config:\ninvalid subnet fd00:5::/129: invalid CIDR block notation");
  bad.subnet6 = "fd00:6::1/64";
  fails(bad, "invalid network config:\ninvalid subnet fd00:6::1/64: it should be fd00:6::/64");
  bad.subnet6 = "fd00:6::/64";
  bad.gateway6 = "fd00:7::1";
  fails(bad,
        "invalid network config:\ninvalid gateway fd00:7::1: parent subnet fd00:6::/64 doesn't "
        "contain this address");
  bad.gateway6 = "";
  bad.enableIpv6 = false;
  fails(bad,
        "invalid network config:\nIPv6 subnet fd00:6::/64 given but IPv6 is not enabled on the "
        "network (--ipv6)");
}

TEST_F(Manager6Test, EndpointsGetBothFamiliesAndSurviveRestart) {
  std::string c1(64, '1'), c2(64, '2'), c3(64, '3');
  {
    Manager m(cfg_);
    ASSERT_TRUE(m.init({}).ok());
    CreateRequest r;
    r.name = "v6";
    r.enableIpv6 = true;
    r.subnet6 = "fd00:6::/64";
    ASSERT_TRUE(m.create(r).ok());
    auto e1 = m.allocate("v6", c1, "one", {});
    ASSERT_TRUE(e1.ok()) << e1.error().message();
    ASSERT_TRUE(e1->ip6);
    EXPECT_EQ(formatIpv6(*e1->ip6), "fd00:6::2");
    EndpointRequest fixed;
    fixed.ip6 = v6("fd00:6::50");
    auto e2 = m.allocate("v6", c2, "two", fixed);
    ASSERT_TRUE(e2.ok()) << e2.error().message();
    EXPECT_EQ(formatIpv6(*e2->ip6), "fd00:6::50");
    EXPECT_TRUE(e2->staticIp6);
    // --ip6 on an IPv4-only network is refused.
    CreateRequest v4;
    v4.name = "v4";
    ASSERT_TRUE(m.create(v4).ok());
    EXPECT_FALSE(m.allocate("v4", c3, "three", fixed).ok());
    EXPECT_FALSE(m.allocate("v4", c3, "three", {}).value().ip6);
  }
  {
    // c1 still runs after a restart: fd00:6::2 stays taken, the next is after the last given.
    Manager m(cfg_);
    ASSERT_TRUE(m.init({c1}).ok());
    auto e3 = m.allocate("v6", c3, "three", {});
    ASSERT_TRUE(e3.ok());
    EXPECT_EQ(formatIpv6(*e3->ip6), "fd00:6::51");
    EndpointRequest taken;
    taken.ip6 = v6("fd00:6::2");
    EXPECT_FALSE(m.allocate("v6", c2, "two", taken).ok());
  }
}

TEST_F(Manager6Test, DaemonFlagsGiveTheDefaultBridgeIpv6WhileNoContainerUsesIt) {
  cfg_.defaultBridgeIpv6 = true;
  cfg_.defaultBridgeSubnet6 = "fd00:b::/64";
  std::string c1(64, '1');
  {
    Manager m(cfg_);
    ASSERT_TRUE(m.init({}).ok());
    auto b = m.find("bridge");
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(b->enableIpv6);
    EXPECT_EQ(b->subnet6.toString(), "fd00:b::/64");
    EXPECT_EQ(formatIpv6(b->gateway6), "fd00:b::1");
    auto ep = m.allocate("bridge", c1, "one", {});
    ASSERT_TRUE(ep.ok());
    EXPECT_EQ(formatIpv6(*ep->ip6), "fd00:b::2");
  }
  {
    // Restarted without the flags while c1 runs: the bridge stays as its containers know it.
    ManagerConfig plain = cfg_;
    plain.defaultBridgeIpv6 = false;
    plain.defaultBridgeSubnet6.clear();
    Manager m(plain);
    ASSERT_TRUE(m.init({c1}).ok());
    EXPECT_TRUE(m.find("bridge")->enableIpv6);
  }
  {
    // Nothing runs any more: the flags apply (here: no IPv6, the ULA pool, then another subnet).
    ManagerConfig plain = cfg_;
    plain.defaultBridgeIpv6 = false;
    plain.defaultBridgeSubnet6.clear();
    Manager m(plain);
    ASSERT_TRUE(m.init({}).ok());
    EXPECT_FALSE(m.find("bridge")->enableIpv6);
  }
  {
    ManagerConfig pool = cfg_;
    pool.defaultBridgeSubnet6.clear();
    Manager m(pool);
    ASSERT_TRUE(m.init({}).ok());
    EXPECT_EQ(m.find("bridge")->subnet6.toString(), "fd62:fb69:18af::/64");
  }
  {
    ManagerConfig bad = cfg_;
    bad.defaultBridgeSubnet6 = "fd00:b::1/64";
    EXPECT_FALSE(Manager(bad).init({}).ok());
    bad.defaultBridgeIpv6 = false;
    bad.defaultBridgeSubnet6 = "fd00:c::/64";
    EXPECT_EQ(Manager(bad).init({}).error().message(), "--fixed-cidr-v6 needs --ipv6");
  }
}

}  // namespace
}  // namespace wharf::network
