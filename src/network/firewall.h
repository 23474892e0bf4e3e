#pragma once
// nftables through libnftables, in wharf's own table `inet wharf` (never another table's
// rules, never a flush of the ruleset). The table is rebuilt from the daemon's state in one
// atomic transaction ("add table; delete table; table inet wharf { ... }"), so a restarted
// daemon drops stale rules without a gap for running containers. Per network, set elements
// (not rules) change, so the rule set stays the same size however many networks exist:
//
//   table inet wharf {
//     set bridges  { type ifname }           every wharf bridge
//     set same     { type ifname . ifname }  (b . b) for each bridge: traffic inside a network
//     set internal { type ifname }           bridges of --internal networks
//     set masq     { type ipv4_addr; flags interval }  subnets NATed on the way out
//     set masq6    { type ipv6_addr; flags interval }  the IPv6 subnets (ULA) NATed likewise
//     map pub_tcp / pub_udp / pub_sctp  { port : container ip . port }    -p port:port
//     map pub_<proto>_ip { host ip . port : container ip . port }          -p ip:port:port
//     chain forward     (filter, priority filter - 1): inside a network -> accept; between
//                       bridges -> drop; internal -> drop; replies and published ports and
//                       outbound -> accept. Accepted packets get mark 0x10000000.
//     chain prerouting / output (nat, dstnat): published ports of local addresses -> DNAT
//     chain postrouting (nat, srcnat): masquerade the subnets (v4 and v6) going out another
//                       interface,
//                       127.0.0.0/8 sources sent to a bridge (published ports on localhost),
//                       and containers' traffic DNATed to a bridge (hairpin)
//   }
//
// An accept in one table does not outvote a drop in another at the same hook: with Debian's
// dockerd (iptables-nft, FORWARD policy DROP) wharf's forwarded traffic would die in
// `ip filter FORWARD`. As podman's netavark does with its iptables driver, wharf then adds
// one rule to that chain, in a form iptables-nft reads back
// (`-m mark --mark 0x10000000/0x10000000 -m comment --comment wharf -j ACCEPT`), so only what
// wharf's own chain accepted passes (docs/decisions.md).

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "network/address.h"
#include "network/address6.h"

struct nft_ctx;

namespace wharf::network {

inline constexpr const char* kFirewallTable = "wharf";  // the default daemon's table
inline constexpr uint32_t kAcceptMark = 0x10000000;

struct BridgeRule {
  std::string bridge;
  Prefix subnet;
  bool internal = false;
  bool masquerade = true;
  std::optional<Prefix6> subnet6;  // IPv6 networks
};

struct PortRule {
  std::string proto = "tcp";  // "tcp", "udp" or "sctp"
  Ipv4 hostIp = 0;            // 0: every local address
  int hostPort = 0;
  Ipv4 containerIp = 0;
  int containerPort = 0;
};

struct FirewallState {
  std::vector<BridgeRule> bridges;
  std::vector<PortRule> ports;
};

// The nft script that replaces table `inet <table>` with `state` (pure: unit-tested).
std::string firewallScript(const FirewallState& state, const std::string& table = kFirewallTable);

class Firewall {
 public:
  // A daemon with its own default bridge (--bridge) keeps its own table, so that two daemons
  // on one host (tests) never rebuild each other's rules.
  explicit Firewall(std::string table = kFirewallTable);
  ~Firewall();
  Firewall(const Firewall&) = delete;
  Firewall& operator=(const Firewall&) = delete;

  Status apply(const FirewallState& state);
  // Removes the table, and the rule in `ip filter FORWARD` once no wharf table is left.
  Status removeAll();
  // Adds the accept rule to iptables-nft's `ip filter FORWARD` (and ip6tables-nft's `ip6
  // filter FORWARD`) when that chain exists and lacks it; nothing otherwise.
  Status ensureForwardAccept();

 private:
  Result<std::string> run(const std::string& script, bool quiet = false);
  std::string table_;
  nft_ctx* ctx_;
};

}  // namespace wharf::network
