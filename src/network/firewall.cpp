#include "network/firewall.h"

#include <nftables/libnftables.h>

#include <cstdio>
#include <sstream>
#include <utility>

namespace wharf::network {

namespace {

std::string hexMark() {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", kAcceptMark);
  return buf;
}

// Interface names come from the daemon (validated at network create), never raw from a
// client; quoting keeps nft's parser from reading them as keywords.
std::string quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

std::string firewallScript(const FirewallState& state, const std::string& table) {
  const std::string t = "inet " + table;
  const std::string mark = "meta mark set meta mark | " + hexMark() + " accept";
  std::ostringstream o;
  o << "add table " << t << "\n"
    << "delete table " << t << "\n"
    << "table " << t << " {\n"
    << "  set bridges { type ifname; }\n"
    << "  set same { type ifname . ifname; }\n"
    << "  set internal { type ifname; }\n"
    << "  set masq { type ipv4_addr; flags interval; }\n"
    << "  set masq6 { type ipv6_addr; flags interval; }\n";
  for (const char* p : {"tcp", "udp", "sctp"}) {
    o << "  map pub_" << p << " { type inet_service : ipv4_addr . inet_service; }\n"
      << "  map pub_" << p << "_ip { type ipv4_addr . inet_service : ipv4_addr . inet_service; }\n";
  }
  o << "  chain forward {\n"
    << "    type filter hook forward priority filter - 1; policy accept;\n"
    << "    iifname . oifname @same " << mark << "\n"
    << "    iifname @bridges oifname @bridges drop\n"
    << "    iifname @internal drop\n"
    << "    oifname @internal drop\n"
    << "    oifname @bridges ct state established,related " << mark << "\n"
    << "    oifname @bridges ct status dnat " << mark << "\n"
    << "    iifname @bridges " << mark << "\n"
    << "  }\n";
  for (const char* chain : {"prerouting", "output"}) {
    o << "  chain " << chain << " {\n"
      << "    type nat hook " << chain << " priority -100; policy accept;\n";
    for (const char* p : {"tcp", "udp", "sctp"}) {
      o << "    fib daddr type local dnat ip to ip daddr . " << p << " dport map @pub_" << p
        << "_ip\n"
        << "    fib daddr type local dnat ip to " << p << " dport map @pub_" << p << "\n";
    }
    o << "  }\n";
  }
  o << "  chain postrouting {\n"
    << "    type nat hook postrouting priority srcnat; policy accept;\n"
    << "    ip saddr @masq oifname != @bridges masquerade\n"
    << "    ip6 saddr @masq6 oifname != @bridges masquerade\n"
    << "    ip saddr 127.0.0.0/8 oifname @bridges masquerade\n"
    // A container reaching a published port (hairpin, its own included): iifname is not
    // known at postrouting, so the source subnet says it. Without this the reply would go
    // straight back over the bridge, past the DNAT's conntrack entry (unless br_netfilter).
    << "    ct status dnat oifname @bridges ip saddr @masq masquerade\n"
    << "  }\n"
    << "}\n";
  for (const auto& b : state.bridges) {
    o << "add element " << t << " bridges { " << quoted(b.bridge) << " }\n";
    o << "add element " << t << " same { " << quoted(b.bridge) << " . " << quoted(b.bridge)
      << " }\n";
    if (b.internal) o << "add element " << t << " internal { " << quoted(b.bridge) << " }\n";
    if (!b.internal && b.masquerade)
      o << "add element " << t << " masq { " << b.subnet.masked().toString() << " }\n";
    if (!b.internal && b.masquerade && b.subnet6)
      o << "add element " << t << " masq6 { " << b.subnet6->masked().toString() << " }\n";
  }
  for (const auto& p : state.ports) {
    std::string target = formatIpv4(p.containerIp) + " . " + std::to_string(p.containerPort);
    if (p.hostIp == 0) {
      o << "add element " << t << " pub_" << p.proto << " { " << p.hostPort << " : " << target
        << " }\n";
    } else {
      o << "add element " << t << " pub_" << p.proto << "_ip { " << formatIpv4(p.hostIp) << " . "
        << p.hostPort << " : " << target << " }\n";
    }
  }
  return o.str();
}

Firewall::Firewall(std::string table)
    : table_(std::move(table)), ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
  if (ctx_) {
    nft_ctx_buffer_output(ctx_);
    nft_ctx_buffer_error(ctx_);
  }
}

Firewall::~Firewall() {
  if (ctx_) nft_ctx_free(ctx_);
}

Result<std::string> Firewall::run(const std::string& script, bool quiet) {
  if (!ctx_) return internalError("nftables: cannot create a libnftables context");
  if (nft_run_cmd_from_buffer(ctx_, script.c_str()) != 0) {
    std::string err = nft_ctx_get_error_buffer(ctx_);
    (void)nft_ctx_get_output_buffer(ctx_);
    while (!err.empty() && err.back() == '\n') err.pop_back();
    if (quiet) return notFound(err);
    return internalError("nftables: " + err);
  }
  (void)nft_ctx_get_error_buffer(ctx_);
  return std::string(nft_ctx_get_output_buffer(ctx_));
}

Status Firewall::apply(const FirewallState& state) {
  auto r = run(firewallScript(state, table_));
  if (!r.ok()) return std::move(r).error();
  return ensureForwardAccept();
}

Status Firewall::ensureForwardAccept() {
  // Only when iptables(-nft) made the chain: an absent chain drops nothing.
  for (const char* family : {"ip", "ip6"}) {
    std::string chain = std::string(family) + " filter FORWARD";
    auto listing = run("list chain " + chain, true);
    if (!listing.ok()) continue;
    if (listing->find("comment \"wharf\"") != std::string::npos) continue;
    auto r = run("insert rule " + chain + " meta mark & " + hexMark() + " == " + hexMark() +
                 " counter accept comment \"wharf\"");
    if (!r.ok()) return std::move(r).error();
  }
  return okStatus();
}

Status Firewall::removeAll() {
  auto r = run("add table inet " + table_ + "\ndelete table inet " + table_);
  if (!r.ok()) return std::move(r).error();
  // Another daemon's table still relies on the FORWARD rule.
  auto tables = run("list tables inet", true);
  if (tables.ok() && tables->find("table inet wharf") != std::string::npos) return okStatus();
  for (const char* family : {"ip", "ip6"}) {
    std::string chain = std::string(family) + " filter FORWARD";
    auto listing = run("list chain " + chain, true);
    if (!listing.ok() || listing->find("comment \"wharf\"") == std::string::npos) continue;
    nft_ctx_output_set_flags(ctx_, nft_ctx_output_get_flags(ctx_) | NFT_CTX_OUTPUT_HANDLE);
    auto handles = run("list chain " + chain, true);
    nft_ctx_output_set_flags(ctx_, nft_ctx_output_get_flags(ctx_) & ~NFT_CTX_OUTPUT_HANDLE);
    if (!handles.ok()) continue;
    std::istringstream ss(*handles);
    std::string line;
    while (std::getline(ss, line)) {
      size_t h = line.find("# handle ");
      if (line.find("comment \"wharf\"") == std::string::npos || h == std::string::npos) continue;
      auto d = run("delete rule " + chain + " handle " + line.substr(h + 9));
      if (!d.ok()) return std::move(d).error();
    }
  }
  return okStatus();
}

}  // namespace wharf::network
