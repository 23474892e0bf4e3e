// network::Manager's IPv6 half (docs/networking.md, "IPv6"): an IPv6 network has a second
// address space beside its IPv4 one; each endpoint gets an address of both; the bridge holds
// both gateways; the firewall masquerades both (network/firewall.h).

#include <fcntl.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/log.h"
#include "common/unique_fd.h"
#include "network/manager.h"
#include "network/netlink.h"
#include "network/netns.h"

namespace wharf::network {

namespace {

std::string forward6SavePath(const std::filesystem::path& execRoot) {
  return (execRoot / "netns" / ".ip6_forward").string();
}

constexpr const char* kForward6 = "/proc/sys/net/ipv6/conf/all/forwarding";

Status writeSysctl6(const std::string& path, const std::string& value) {
  auto cur = fs::readFile(path);
  if (cur.ok() && cur->substr(0, cur->find('\n')) == value) return okStatus();
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd || ::write(fd.get(), value.data(), value.size()) < 0) return sysError("write " + path);
  return okStatus();
}

}  // namespace

Status Manager::makeIpv6(Network& n, const CreateRequest& req) {
  bool anyV6 = !req.subnet6.empty() || !req.ipRange6.empty() || !req.gateway6.empty();
  if (!req.enableIpv6) {
    if (anyV6)
      return invalidArgument("invalid network config:\nIPv6 subnet " +
                             (req.subnet6.empty() ? req.gateway6 : req.subnet6) +
                             " given but IPv6 is not enabled on the network (--ipv6)");
    return okStatus();
  }
  WHARF_ASSIGN_OR_RETURN(
      auto ipam, (validateIpamConfig<Prefix6, Ipv6>(req.subnet6, req.ipRange6, req.gateway6, 126)));
  const std::optional<Prefix6>& subnet = ipam.subnet;
  std::vector<Prefix6> taken;
  for (const auto& [id, other] : networks_) {
    if (other.isBridge() && other.enableIpv6 && other.id != n.id) taken.push_back(other.subnet6);
  }
  if (subnet) {
    for (const auto& t : taken) {
      if (t.overlaps(*subnet))
        return forbidden(
            "invalid pool request: Pool overlaps with other one on this address space");
    }
    n.subnet6 = *subnet;
    n.userSubnet6 = true;
  } else {
    std::vector<Prefix6> avoid = taken;
    if (cfg_.touchHost) {
      auto routes = hostRoutes6();
      avoid.insert(avoid.end(), routes.begin(), routes.end());
    }
    WHARF_ASSIGN_OR_RETURN(n.subnet6, chooseSubnet6(ulaBasePool(cfg_.hostId), 64, avoid));
  }
  n.enableIpv6 = true;
  n.ipRange6 = ipam.range;
  n.gateway6 = ipam.gateway ? *ipam.gateway : addToIpv6(n.subnet6.network(), 1);
  return okStatus();
}

Status Manager::allocateIpv6(Network& n, Endpoint& ep, const EndpointRequest& req) {
  if (!n.enableIpv6) {
    if (req.ip6)
      return invalidArgument("invalid endpoint settings:\nuser specified IP address " +
                             formatIpv6(*req.ip6) + " is not supported: IPv6 is not enabled on " +
                             "network " + n.name);
    return okStatus();
  }
  if (req.ip6 && !n.userSubnet6)
    return invalidArgument(
        "user specified IP address is supported only when connecting to "
        "networks with user configured subnets");
  std::set<Ipv6> used = {n.gateway6};
  for (const auto& [cid, e] : n.endpoints) {
    if (e.ip6) used.insert(*e.ip6);
  }
  AddressRange6 r{n.subnet6, n.ipRange6, n.gateway6};
  WHARF_ASSIGN_OR_RETURN(Ipv6 ip, allocateAddress6(r, used, req.ip6, n.lastIp6));
  ep.ip6 = ip;
  ep.staticIp6 = req.ip6.has_value();
  n.lastIp6 = ip;
  return okStatus();
}

Status Manager::ensureBridge6(const Network& n) {
  // The bridge's own IPv6 switch (on unless the host turned IPv6 off by default), then its
  // gateway address; as dockerd.
  WHARF_TRY(writeSysctl6("/proc/sys/net/ipv6/conf/" + n.bridge + "/disable_ipv6", "0"));
  WHARF_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
  WHARF_ASSIGN_OR_RETURN(int idx, nl.linkIndex(n.bridge));
  WHARF_TRY(nl.addAddress6(idx, n.gateway6, n.subnet6.bits));
  if (n.internal) return okStatus();
  // Outbound NAT of the ULA subnet needs the host to forward IPv6, as dockerd sets it; the old
  // value is restored at a clean stop (shutdown()).
  auto old = fs::readFile(kForward6);
  if (old.ok() && old->rfind("0", 0) == 0 && !fs::exists(forward6SavePath(cfg_.execRoot)))
    WHARF_TRY(fs::writeFileAtomic(forward6SavePath(cfg_.execRoot), "0"));
  return writeSysctl6(kForward6, "1");
}

Status Manager::configureDefaultBridge6(Network& n) {
  if (!cfg_.defaultBridgeIpv6 && !cfg_.defaultBridgeSubnet6.empty())
    return invalidArgument("--fixed-cidr-v6 needs --ipv6");
  bool same = n.enableIpv6 == cfg_.defaultBridgeIpv6 &&
              (!n.enableIpv6 || cfg_.defaultBridgeSubnet6.empty() ||
               n.subnet6.toString() == cfg_.defaultBridgeSubnet6);
  if (same) return okStatus();
  // Containers still running from before the restart keep the bridge as it was (as their
  // addresses); the flags apply at a restart with none.
  if (!n.endpoints.empty()) {
    log::warn(
        "default bridge: --ipv6/--fixed-cidr-v6 changed while containers use it; kept as "
        "it was until a restart with none running");
    return okStatus();
  }
  n.enableIpv6 = false;
  n.subnet6 = {};
  n.gateway6 = {};
  n.ipRange6.reset();
  n.userSubnet6 = false;
  n.lastIp6 = {};
  if (cfg_.defaultBridgeIpv6) {
    CreateRequest req;
    req.enableIpv6 = true;
    req.subnet6 = cfg_.defaultBridgeSubnet6;
    WHARF_TRY_CTX(makeIpv6(n, req), "--fixed-cidr-v6");
    n.userSubnet6 = false;  // as docker: --ip6 is for user networks
  }
  return persist(n);
}

void Manager::restoreIpv6Forwarding() {
  if (!fs::exists(forward6SavePath(cfg_.execRoot))) return;
  if (Status st = writeSysctl6(kForward6, "0"); !st.ok())
    log::warn("restore {}: {}", kForward6, st.error().message());
  (void)fs::removeAll(forward6SavePath(cfg_.execRoot));
}

Status Manager::plugIpv6(const Network& n, const Endpoint& ep, int netnsFd,
                         const std::string& ifname, bool defaultRoute) {
  WHARF_TRY_CTX(enableIpv6In(netnsFd, ifname), "enable IPv6 in the container");
  WHARF_ASSIGN_OR_RETURN(Netlink inside, Netlink::openIn(netnsFd));
  WHARF_ASSIGN_OR_RETURN(int idx, inside.linkIndex(ifname));
  WHARF_TRY(inside.addAddress6(idx, *ep.ip6, n.subnet6.bits));
  if (defaultRoute && !n.internal) WHARF_TRY(inside.addDefaultRoute6(n.gateway6));
  return okStatus();
}

}  // namespace wharf::network
