#include <gtest/gtest.h>

#include <filesystem>

#include "common/random.h"
#include "network/etc_files.h"
#include "network/firewall.h"
#include "network/manager.h"

namespace wharf::network {
namespace {

TEST(EtcFiles, HostsHasLocalhostExtrasThenOwnAddress) {
  std::string h = hostsFile({{"10.0.0.5", {"db"}}}, {{"172.17.0.2", {"abc123", "web"}}});
  EXPECT_EQ(h.rfind("127.0.0.1\tlocalhost\n", 0), 0u);
  EXPECT_NE(h.find("10.0.0.5\tdb\n172.17.0.2\tabc123 web\n"), std::string::npos);
}

TEST(EtcFiles, ExtraHosts) {
  auto e = parseExtraHost("db:10.0.0.5", "172.17.0.1");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->ip, "10.0.0.5");
  EXPECT_EQ(e->names[0], "db");
  auto g = parseExtraHost("host.docker.internal:host-gateway", "172.17.0.1");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->ip, "172.17.0.1");
  EXPECT_TRUE(parseExtraHost("v6=[::1]", "").ok());
  EXPECT_FALSE(parseExtraHost("nocolon", "").ok());
  EXPECT_FALSE(parseExtraHost("db:notanip", "").ok());
}

TEST(EtcFiles, ResolvConfDropsLoopbackNameservers) {
  std::string host = "# comment\nnameserver 127.0.0.53\nsearch example.com\noptions edns0\n";
  // Only a loopback server: docker's public defaults.
  EXPECT_EQ(resolvConf(host, {}, false),
            "nameserver 8.8.8.8\nnameserver 8.8.4.4\nsearch example.com\noptions edns0\n");
  std::string two = "nameserver 127.0.0.1\nnameserver 10.255.255.53\n";
  EXPECT_EQ(resolvConf(two, {}, false), "nameserver 10.255.255.53\n");
  DnsOptions o{{"1.1.1.1"}, {"a.test", "b.test"}, {"ndots:2"}};
  EXPECT_EQ(resolvConf(two, o, false),
            "nameserver 1.1.1.1\nsearch a.test b.test\noptions ndots:2\n");
  EXPECT_EQ(resolvConf(two, {}, true), "nameserver 127.0.0.11\noptions ndots:0\n");
  EXPECT_EQ(resolvConfNameservers(two), (std::vector<std::string>{"127.0.0.1", "10.255.255.53"}));
}

TEST(Firewall, ScriptReplacesOnlyItsOwnTable) {
  FirewallState st;
  st.bridges.push_back({"wharf0", *Prefix::parse("172.17.0.0/16"), false, true});
  st.bridges.push_back({"br-1", *Prefix::parse("172.18.0.0/16"), true, true});
  st.ports.push_back({"tcp", 0, 8080, *parseIpv4("172.17.0.2"), 80});
  st.ports.push_back({"udp", *parseIpv4("127.0.0.1"), 53, *parseIpv4("172.17.0.3"), 5353});
  std::string s = firewallScript(st);
  EXPECT_EQ(s.rfind("add table inet wharf\ndelete table inet wharf\ntable inet wharf {", 0), 0u);
  EXPECT_EQ(s.find("flush ruleset"), std::string::npos);
  EXPECT_NE(s.find("add element inet wharf masq { 172.17.0.0/16 }"), std::string::npos);
  // Internal networks are never NATed out.
  EXPECT_EQ(s.find("masq { 172.18.0.0/16 }"), std::string::npos);
  EXPECT_NE(s.find("add element inet wharf internal { \"br-1\" }"), std::string::npos);
  EXPECT_NE(s.find("add element inet wharf pub_tcp { 8080 : 172.17.0.2 . 80 }"), std::string::npos);
  EXPECT_NE(s.find("pub_udp_ip { 127.0.0.1 . 53 : 172.17.0.3 . 5353 }"), std::string::npos);
}

TEST(Firewall, SctpPortsHaveTheirOwnMaps) {
  FirewallState st;
  st.bridges.push_back({"wharf0", *Prefix::parse("172.17.0.0/16"), false, true});
  st.ports.push_back({"sctp", 0, 5000, *parseIpv4("172.17.0.2"), 5000});
  st.ports.push_back({"sctp", *parseIpv4("127.0.0.1"), 5001, *parseIpv4("172.17.0.2"), 5001});
  std::string s = firewallScript(st);
  EXPECT_NE(s.find("map pub_sctp { type inet_service : ipv4_addr . inet_service; }"),
            std::string::npos);
  EXPECT_NE(s.find("dnat ip to sctp dport map @pub_sctp\n"), std::string::npos);
  EXPECT_NE(s.find("dnat ip to ip daddr . sctp dport map @pub_sctp_ip"), std::string::npos);
  EXPECT_NE(s.find("add element inet wharf pub_sctp { 5000 : 172.17.0.2 . 5000 }"),
            std::string::npos);
  EXPECT_NE(s.find("pub_sctp_ip { 127.0.0.1 . 5001 : 172.17.0.2 . 5001 }"), std::string::npos);
}

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("wharf-net-" + randomHex(6));
    cfg_.dataRoot = dir_ / "data";
    cfg_.execRoot = dir_ / "exec";
    cfg_.touchHost = false;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  ManagerConfig cfg_;
};

TEST_F(ManagerTest, PredefinedNetworksAndDockerErrors) {
  Manager m(cfg_);
  ASSERT_TRUE(m.init({}).ok());
  EXPECT_EQ(m.list().size(), 3u);
  auto bridge = m.find("bridge");
  ASSERT_TRUE(bridge.ok());
  EXPECT_EQ(bridge->bridge, "wharf0");
  EXPECT_EQ(bridge->subnet.toString(), "172.17.0.0/16");
  EXPECT_EQ(m.hostGateway(), "172.17.0.1");

  CreateRequest r;
  r.name = "n1";
  r.subnet = "10.50.0.0/24";
  auto n1 = m.create(r);
  ASSERT_TRUE(n1.ok()) << n1.error().message();
  EXPECT_EQ(n1->bridge, "br-" + n1->id.substr(0, 12));
  EXPECT_EQ(formatIpv4(n1->gateway), "10.50.0.1");

  auto dup = m.create(r);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message(), "network with name n1 already exists");
  r.name = "n2";
  r.subnet = "10.50.0.128/25";
  auto overlap = m.create(r);
  ASSERT_FALSE(overlap.ok());
  EXPECT_EQ(overlap.error().message(),
            "invalid pool request: Pool overlaps with other one on this address space");
  r.subnet = "10.60.0.0/33";
  EXPECT_EQ(m.create(r).error().message(),
            "invalid network config:\ninvalid subnet 10.60.0.0/33: invalid CIDR block notation");
  r.subnet = "10.60.0.0/24";
  r.gateway = "10.61.0.1";
  EXPECT_EQ(m.create(r).error().message(),
            "invalid network config:\ninvalid gateway 10.61.0.1: parent subnet 10.60.0.0/24 "
            "doesn't contain this address");
  EXPECT_FALSE(m.find("n2").ok());  // nothing created by the failures
  EXPECT_EQ(m.remove("bridge").error().message(),
            "bridge is a pre-defined network and cannot be removed");
  EXPECT_EQ(m.remove("nope").error().message(), "network nope not found");
}

TEST_F(ManagerTest, AddressesSurviveRestartAndBlockRemoval) {
  std::string cid(64, 'a');
  {
    Manager m(cfg_);
    ASSERT_TRUE(m.init({}).ok());
    CreateRequest r;
    r.name = "n1";
    ASSERT_TRUE(m.create(r).ok());
    auto ep = m.allocate("n1", cid, "web", {std::nullopt, {"db"}, ""});
    ASSERT_TRUE(ep.ok()) << ep.error().message();
    EXPECT_EQ(formatIpv4(ep->ip), "172.18.0.2");
    EXPECT_EQ(ep->mac, "02:42:ac:12:00:02");
    auto rm = m.remove("n1");
    ASSERT_FALSE(rm.ok());
    EXPECT_NE(rm.error().message().find("has active endpoints (name:\"web\""), std::string::npos);
  }
  {
    // The container still runs: its address stays taken after a restart.
    Manager m(cfg_);
    ASSERT_TRUE(m.init({cid}).ok());
    auto ep2 = m.allocate("n1", std::string(64, 'b'), "other", {});
    ASSERT_TRUE(ep2.ok());
    EXPECT_EQ(formatIpv4(ep2->ip), "172.18.0.3");
    ASSERT_EQ(m.networksOf(cid).size(), 1u);
  }
  {
    // Neither runs any more: their endpoints are dropped and the network can go.
    Manager m(cfg_);
    ASSERT_TRUE(m.init({}).ok());
    EXPECT_TRUE(m.networksOf(cid).empty());
    EXPECT_TRUE(m.remove("n1").ok());
    EXPECT_FALSE(m.find("n1").ok());
  }
}

}  // namespace
}  // namespace wharf::network
