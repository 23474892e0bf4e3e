// The embedded DNS server's codec and decisions (network/dns_message.h, dns_server.h): valid
// queries and answers, and every kind of hostile message a container can send.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "network/dns_message.h"
#include "network/dns_records.h"
#include "network/dns_server.h"

namespace wharf::network {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes query(const std::string& name, uint16_t type, uint16_t id = 0x1234, uint16_t flags = 0x0100) {
  Bytes b = {static_cast<uint8_t>(id >> 8),
             static_cast<uint8_t>(id),
             static_cast<uint8_t>(flags >> 8),
             static_cast<uint8_t>(flags),
             0,
             1,
             0,
             0,
             0,
             0,
             0,
             0};
  auto n = dns::encodeName(name);
  EXPECT_TRUE(n.has_value());
  b.insert(b.end(), n->begin(), n->end());
  b.insert(b.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
  return b;
}

Network userNet(const std::string& name, Ipv4 base, bool internal = false) {
  Network n;
  n.id = name + std::string(64 - name.size(), '0');
  n.name = name;
  n.driver = "bridge";
  n.internal = internal;
  n.subnet = {base, 24};
  return n;
}

void addEndpoint(Network& n, const std::string& cid, const std::string& name, Ipv4 ip,
                 std::vector<std::string> aliases = {}) {
  Endpoint ep;
  ep.containerName = name;
  ep.ip = ip;
  ep.aliases = std::move(aliases);
  n.endpoints[cid] = ep;
}

const std::string kWeb = "aaaaaaaaaaaa" + std::string(52, '1');
const std::string kDb = "bbbbbbbbbbbb" + std::string(52, '2');
const std::string kOther = "cccccccccccc" + std::string(52, '3');

std::vector<Network> netsOfWeb() {
  Network front = userNet("front", *parseIpv4("10.9.0.0"));
  addEndpoint(front, kWeb, "web", *parseIpv4("10.9.0.2"));
  addEndpoint(front, kDb, "DB", *parseIpv4("10.9.0.3"), {"database", "svc"});
  Network bridge = userNet("bridge", *parseIpv4("172.17.0.0"));
  addEndpoint(bridge, kWeb, "web", *parseIpv4("172.17.0.2"));
  addEndpoint(bridge, kOther, "other", *parseIpv4("172.17.0.3"));
  return {front, bridge};
}

dns::Message parsedReply(const DnsDecision& d) {
  EXPECT_EQ(d.kind, DnsDecision::Kind::kReply);
  auto m = dns::parseMessage(d.reply, true);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message());
  return m.ok() ? *m : dns::Message{};
}

TEST(DnsMessage, ParsesAQueryAndLowersTheName) {
  Bytes q = query("Web.Example.COM", dns::kTypeA);
  auto m = dns::parseQuery(q);
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->header.id, 0x1234);
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0].name, "web.example.com");
  EXPECT_EQ(m->questions[0].type, dns::kTypeA);
  EXPECT_EQ(m->questionEnd, q.size());
}

TEST(DnsMessage, EveryTruncationIsAnErrorNotACrash) {
  Bytes q = query("a.rather.long.name.example", dns::kTypeA);
  for (size_t n = 0; n < q.size(); ++n) {
    Bytes cut(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(dns::parseQuery(cut).ok()) << "length " << n;
  }
}

TEST(DnsMessage, CompressionLoopsAndForwardPointersAreRefused) {
  // The question's name is a pointer to itself.
  Bytes self = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  EXPECT_FALSE(dns::parseQuery(self).ok());
  // A pointer forward (to a label after it), which could then point back: refused too.
  Bytes fwd = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 14, 1, 'a', 0xC0, 12, 0, 1, 0, 1};
  EXPECT_FALSE(dns::parseQuery(fwd).ok());
  // Two pointers pointing at each other, reached from an answer's name.
  Bytes pair = query("x", dns::kTypeA);
  pair[7] = 1;  // ancount
  size_t p = pair.size();
  pair.insert(pair.end(), {0xC0, static_cast<uint8_t>(p + 2), 0xC0, static_cast<uint8_t>(p)});
  EXPECT_FALSE(dns::parseMessage(pair, true).ok());
  // A pointer past the end.
  Bytes past = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0};
  EXPECT_FALSE(dns::parseQuery(past).ok());
}

TEST(DnsMessage, BackwardPointersAreFollowed) {
  Bytes m = query("www.example.org", dns::kTypeA);
  m[7] = 1;  // one answer, whose name is "mail" + pointer to "example.org" (offset 16)
  m.insert(m.end(), {4, 'm', 'a', 'i', 'l', 0xC0, 16, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4});
  auto r = dns::parseMessage(m, true);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->answers.size(), 1u);
  EXPECT_EQ(r->answers[0].name, "mail.example.org");
  EXPECT_EQ(r->answers[0].rdata, (Bytes{1, 2, 3, 4}));
}

TEST(DnsMessage, LabelTypesLengthsAndCountsAreBounded) {
  Bytes ext = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0, 0, 1, 0, 1};
  EXPECT_FALSE(dns::parseQuery(ext).ok());  // 0b01 label type (EDNS0 extended labels)
  Bytes lying = query("a", dns::kTypeA);
  lying[4] = 0xFF;
  lying[5] = 0xFF;  // 65535 questions in 19 bytes
  EXPECT_FALSE(dns::parseMessage(lying).ok());
  // A name of 64-byte... 63-byte labels over 255 bytes on the wire.
  Bytes longName = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 5; ++i) {
    longName.push_back(63);
    longName.insert(longName.end(), 63, 'x');
  }
  longName.insert(longName.end(), {0, 0, 1, 0, 1});
  EXPECT_FALSE(dns::parseQuery(longName).ok());
  // Record data longer than the message.
  Bytes rd = query("a", dns::kTypeA);
  rd[7] = 1;
  rd.insert(rd.end(), {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0xFF, 0xFF, 1});
  EXPECT_FALSE(dns::parseMessage(rd, true).ok());
  EXPECT_FALSE(dns::encodeName(std::string(64, 'a')).has_value());
  EXPECT_FALSE(dns::encodeName("a..b").has_value());
  EXPECT_TRUE(dns::encodeName("").has_value());  // the root
}

TEST(DnsMessage, OddBytesInLabelsAreEscapedSoTheyMatchNoContainer) {
  Bytes q = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 'w', 'e', '.', 'b', 0, 0, 0, 1, 0, 1};
  auto m = dns::parseQuery(q);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->questions[0].name, "we\\046b\\000");
}

TEST(DnsMessage, QueriesOnlyOneQuestionNoResponses) {
  Bytes two = query("a", dns::kTypeA);
  two[5] = 2;
  two.insert(two.end(), {1, 'b', 0, 0, 1, 0, 1});
  EXPECT_FALSE(dns::parseQuery(two).ok());
  Bytes resp = query("a", dns::kTypeA, 7, 0x8100);
  EXPECT_FALSE(dns::parseQuery(resp).ok());
  EXPECT_FALSE(dns::buildError(resp, dns::Rcode::kFormErr).has_value());
  auto upd = dns::parseQuery(query("a", dns::kTypeA, 7, 5 << 11));  // opcode UPDATE
  ASSERT_FALSE(upd.ok());
  EXPECT_EQ(upd.error().category(), ErrorCategory::kNotImplemented);
}

TEST(DnsMessage, ReverseNames) {
  EXPECT_EQ(dns::reverseName(*parseIpv4("10.9.0.3")), "3.0.9.10.in-addr.arpa");
  EXPECT_EQ(dns::parseReverseName("3.0.9.10.in-addr.arpa"), parseIpv4("10.9.0.3"));
  EXPECT_FALSE(dns::parseReverseName("0.9.10.in-addr.arpa").has_value());
  EXPECT_FALSE(dns::parseReverseName("1.3.0.9.10.in-addr.arpa").has_value());
  EXPECT_FALSE(dns::parseReverseName("x.0.9.10.in-addr.arpa").has_value());
  EXPECT_FALSE(dns::parseReverseName("in-addr.arpa").has_value());
}

TEST(DnsDecide, PeersByNameAliasAndShortIdOnSharedUserNetworksOnly) {
  auto nets = netsOfWeb();
  for (const std::string name : {"db", "DATABASE", "svc", "bbbbbbbbbbbb"}) {
    Bytes q = query(name, dns::kTypeA, 42);
    auto r = parsedReply(decideDns(q, nets, kWeb, true, dns::kMaxUdpSize));
    EXPECT_EQ(r.header.id, 42);
    EXPECT_TRUE(r.header.isResponse());
    EXPECT_EQ(r.header.rcode(), dns::Rcode::kNoError);
    ASSERT_EQ(r.answers.size(), 1u) << name;
    EXPECT_EQ(r.answers[0].rdata, (Bytes{10, 9, 0, 3}));
    EXPECT_EQ(r.answers[0].name, name == "DATABASE" ? "database" : name);
  }
  // "other" is only on the default bridge: no names there, so the query goes out.
  EXPECT_EQ(decideDns(query("other", dns::kTypeA), nets, kWeb, true, 512).kind,
            DnsDecision::Kind::kForward);
  EXPECT_EQ(decideDns(query("example.com", dns::kTypeA), nets, kWeb, true, 512).kind,
            DnsDecision::Kind::kForward);
  // The same query from a container on no shared network: not answered from the records.
  EXPECT_EQ(decideDns(query("db", dns::kTypeA), nets, kOther, true, 512).kind,
            DnsDecision::Kind::kForward);
}

TEST(DnsDecide, NameDotNetworkAnswersOnlyFromThatNetwork) {
  auto nets = netsOfWeb();
  // A second user network where "db" is someone else: db.<network> picks the network.
  Network back = userNet("Back.End", *parseIpv4("10.8.0.0"));
  addEndpoint(back, kWeb, "web", *parseIpv4("10.8.0.2"));
  addEndpoint(back, kOther, "db", *parseIpv4("10.8.0.9"));
  nets.push_back(back);
  auto a = [&](const std::string& name) {
    std::vector<Bytes> out;
    auto r = parsedReply(decideDns(query(name, dns::kTypeA), nets, kWeb, true, 512));
    for (const auto& ans : r.answers) out.push_back(ans.rdata);
    return out;
  };
  EXPECT_EQ(a("db.front"), (std::vector<Bytes>{{10, 9, 0, 3}}));
  EXPECT_EQ(a("svc.front"), (std::vector<Bytes>{{10, 9, 0, 3}}));
  EXPECT_EQ(a("bbbbbbbbbbbb.front"), (std::vector<Bytes>{{10, 9, 0, 3}}));
  // Network names with dots, and upper case, as docker's "a in network b.c".
  EXPECT_EQ(a("db.back.end"), (std::vector<Bytes>{{10, 8, 0, 9}}));
  EXPECT_EQ(a("DB.Back.End"), (std::vector<Bytes>{{10, 8, 0, 9}}));
  // Both: the plain name is every shared network's.
  EXPECT_EQ(a("db").size(), 2u);
  // A network the asker is not on, the default bridge, or no such network: forwarded.
  for (const std::string name : {"other.bridge", "db.nowhere", "front", "web.back"})
    EXPECT_EQ(decideDns(query(name, dns::kTypeA), nets, kWeb, true, 512).kind,
              DnsDecision::Kind::kForward)
        << name;
  EXPECT_EQ(decideDns(query("db.front", dns::kTypeA), nets, kOther, true, 512).kind,
            DnsDecision::Kind::kForward);
}

TEST(DnsDecide, SeveralAddressesOfAnAliasComeInShuffledOrder) {
  Network n = userNet("app", *parseIpv4("10.7.0.0"));
  addEndpoint(n, kWeb, "web", *parseIpv4("10.7.0.2"));
  for (int i = 0; i < 4; ++i)
    addEndpoint(n, std::string(63, 'e') + std::to_string(i), "w" + std::to_string(i),
                *parseIpv4("10.7.0.10") + static_cast<Ipv4>(i), {"api"});
  Bytes q = query("api", dns::kTypeA);
  auto order = [&](std::minstd_rand* rng) {
    std::vector<Bytes> out;
    for (const auto& ans : parsedReply(decideDns(q, {n}, kWeb, true, 512, rng)).answers)
      out.push_back(ans.rdata);
    return out;
  };
  auto fixed = order(nullptr);
  ASSERT_EQ(fixed.size(), 4u);
  EXPECT_EQ(order(nullptr), fixed);  // without a generator: the records' order
  std::minstd_rand rng(7);
  std::set<std::vector<Bytes>> seen;
  for (int i = 0; i < 50; ++i) {
    auto o = order(&rng);
    EXPECT_TRUE(std::is_permutation(o.begin(), o.end(), fixed.begin(), fixed.end()));
    seen.insert(o);
  }
  EXPECT_GT(seen.size(), 1u);  // 50 draws of 24 orders: the same one each time is a bug
}

TEST(DnsDecide, AaaaOfAContainerIsEmptyPtrNamesItServfailWithoutForwarding) {
  auto nets = netsOfWeb();
  auto aaaa = parsedReply(decideDns(query("db", dns::kTypeAaaa), nets, kWeb, true, 512));
  EXPECT_EQ(aaaa.header.rcode(), dns::Rcode::kNoError);
  EXPECT_TRUE(aaaa.answers.empty());
  auto ptr =
      parsedReply(decideDns(query("3.0.9.10.in-addr.arpa", dns::kTypePtr), nets, kWeb, true, 512));
  ASSERT_EQ(ptr.answers.size(), 1u);
  auto target = dns::encodeName("DB.front");
  EXPECT_EQ(ptr.answers[0].rdata, *target);
  auto sf = parsedReply(decideDns(query("example.com", dns::kTypeA), nets, kWeb, false, 512));
  EXPECT_EQ(sf.header.rcode(), dns::Rcode::kServFail);
  EXPECT_EQ(sf.questions.size(), 1u);
}

TEST(DnsDecide, MalformedQueriesGetFormerrShortOnesAndResponsesNothing) {
  auto nets = netsOfWeb();
  Bytes bad = query("db", dns::kTypeA, 99);
  bad.resize(bad.size() - 2);
  auto r = parsedReply(decideDns(bad, nets, kWeb, true, 512));
  EXPECT_EQ(r.header.id, 99);
  EXPECT_EQ(r.header.rcode(), dns::Rcode::kFormErr);
  EXPECT_EQ(decideDns(Bytes{1, 2, 3}, nets, kWeb, true, 512).kind, DnsDecision::Kind::kDrop);
  EXPECT_EQ(decideDns(query("db", dns::kTypeA, 1, 0x8000), nets, kWeb, true, 512).kind,
            DnsDecision::Kind::kDrop);
  auto ni = parsedReply(decideDns(query("db", dns::kTypeA, 1, 2 << 11), nets, kWeb, true, 512));
  EXPECT_EQ(ni.header.rcode(), dns::Rcode::kNotImp);
}

TEST(DnsDecide, ManyAddressesAreTruncatedToTheUdpSize) {
  Network n = userNet("big", *parseIpv4("10.10.0.0"));
  addEndpoint(n, kWeb, "web", *parseIpv4("10.10.0.1"));
  for (int i = 0; i < 100; ++i)
    addEndpoint(n, std::string(63, 'd') + std::to_string(i % 10) + std::to_string(i),
                "w" + std::to_string(i), *parseIpv4("10.10.0.1") + 1 + static_cast<Ipv4>(i),
                {"scaled"});
  Bytes q = query("scaled", dns::kTypeA);
  DnsDecision udp = decideDns(q, {n}, kWeb, true, dns::kMaxUdpSize);
  EXPECT_LE(udp.reply.size(), dns::kMaxUdpSize);
  auto h = dns::parseHeader(udp.reply);
  ASSERT_TRUE(h.ok());
  EXPECT_NE(h->flags & dns::kFlagTc, 0);
  auto r = parsedReply(decideDns(q, {n}, kWeb, true, dns::kMaxMessageSize));
  EXPECT_EQ(r.answers.size(), 100u);
}

TEST(DnsDecide, RandomAndMutatedMessagesNeverCrash) {
  auto nets = netsOfWeb();
  std::mt19937 rng(12345);
  Bytes seed = query("db.example.com", dns::kTypeA);
  for (int i = 0; i < 20000; ++i) {
    Bytes m;
    if (i % 2 == 0) {
      m.resize(rng() % 80);
      for (auto& b : m) b = static_cast<uint8_t>(rng());
      if (m.size() > 3) m[2] &= 0x7F;  // mostly queries, to reach the name parser
    } else {
      m = seed;
      for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n; ++k)
        m[rng() % m.size()] = static_cast<uint8_t>(rng());
      m.resize(rng() % (m.size() + 1));
    }
    DnsDecision d = decideDns(m, nets, kWeb, true, dns::kMaxUdpSize);
    if (d.kind == DnsDecision::Kind::kReply) {
      EXPECT_LE(d.reply.size(), dns::kMaxUdpSize);
      EXPECT_TRUE(dns::parseHeader(d.reply).ok());
    }
    (void)dns::parseMessage(m, true);
  }
}

TEST(DnsRecords, ExternalAccessNeedsANonInternalNetwork) {
  Network internal = userNet("in", *parseIpv4("10.1.0.0"), true);
  EXPECT_FALSE(hasExternalAccess({internal}));
  EXPECT_TRUE(hasExternalAccess({internal, userNet("out", *parseIpv4("10.2.0.0"))}));
  auto ups = parseDnsUpstreams({"127.0.0.1", "not an ip", "2001:db8::1"});
  ASSERT_EQ(ups.size(), 2u);
  EXPECT_EQ(ups[0].port, 53);
}

}  // namespace
}  // namespace wharf::network
