// `network connect` and `network disconnect` of a running container, and the networks it was
// connected to joined again at each start (engine/container_network.h). The container keeps
// its namespace: a new endpoint is one more veth (eth1, eth2...) with its address and no
// default route (the first network keeps it, as docker's default gateway stays on the
// network the container started with); a disconnected one loses its veth, and the kernel
// drops its address and routes with it.

#include <algorithm>
#include <set>

#include "common/scope_guard.h"
#include "engine/container_network.h"
#include "network/dns_server.h"
#include "network/manager.h"
#include "network/netlink.h"
#include "network/netns.h"
#include "network/network_mode.h"

namespace wharf::engine {

using network::NetworkMode;

Status ContainerNetworking::checkConnectable(const ContainerSpec& spec,
                                             const std::string& networkId) {
  WHARF_ASSIGN_OR_RETURN(NetworkMode mode, NetworkMode::parse(spec.networkMode));
  WHARF_ASSIGN_OR_RETURN(network::Network n, manager_.find(networkId));
  // docker's messages (runconfig/errors.go).
  if (n.driver == "host")
    return forbidden(
        "container cannot be disconnected from host network or connected to host "
        "network");
  if (n.driver == "null" || mode.kind == NetworkMode::Kind::kNone)
    return forbidden(
        "container cannot be connected to multiple networks with one of the networks in "
        "private (none) mode");
  if (mode.kind == NetworkMode::Kind::kHost || mode.kind == NetworkMode::Kind::kContainer)
    return forbidden(
        "container sharing network namespace with another container or host cannot be "
        "connected to any other network");
  return okStatus();
}

namespace {

// The predefined network a mode stands for, or its user network ("" for container:<x>).
std::string modeNetwork(const NetworkMode& mode) {
  switch (mode.kind) {
    case NetworkMode::Kind::kBridge:
      return "bridge";
    case NetworkMode::Kind::kHost:
      return "host";
    case NetworkMode::Kind::kNone:
      return "none";
    case NetworkMode::Kind::kUser:
      return mode.target;
    case NetworkMode::Kind::kContainer:
      break;
  }
  return "";
}

}  // namespace

Status ContainerNetworking::resolveNetworks(ContainerSpec& spec) {
  if (spec.extraNetworks.empty()) return okStatus();
  WHARF_ASSIGN_OR_RETURN(NetworkMode mode, NetworkMode::parse(spec.networkMode));
  std::string own = modeNetwork(mode);
  std::string ownId;
  if (!own.empty()) {
    WHARF_ASSIGN_OR_RETURN(network::Network n, manager_.find(own));
    ownId = n.id;
  }
  std::vector<ContainerSpec::NetworkAttachment> out;
  for (ContainerSpec::NetworkAttachment a : spec.extraNetworks) {
    WHARF_ASSIGN_OR_RETURN(network::Network n, manager_.find(a.networkId));
    if (n.id == ownId) {
      // The container's own network under another name (its id, say): one endpoint.
      if (spec.ipv4Address.empty()) spec.ipv4Address = a.ipv4Address;
      if (spec.networkAliases.empty()) spec.networkAliases = a.aliases;
      if (spec.macAddress.empty()) spec.macAddress = a.macAddress;
      continue;
    }
    if (std::any_of(out.begin(), out.end(), [&](const auto& o) { return o.networkId == n.id; }))
      continue;  // docker keeps one endpoint per network
    WHARF_TRY(checkConnectable(spec, n.id));
    // docker's checks of an endpoint's settings (daemon/container_operations.go).
    bool userNetwork = n.isBridge() && !n.predefined();
    if (!a.ipv4Address.empty()) {
      if (!network::parseIpv4(a.ipv4Address))
        return invalidArgument("invalid IPv4 address: " + a.ipv4Address);
      if (!userNetwork)
        return invalidArgument(
            "user specified IP address is supported on user defined networks only");
    }
    if (!a.aliases.empty() && !userNetwork)
      return invalidArgument(
          "network-scoped alias is supported only for containers in user defined networks");
    if (!a.macAddress.empty() && !network::parseMac(a.macAddress))
      return invalidArgument(a.macAddress + " is not a valid mac address");
    a.networkId = n.id;
    out.push_back(std::move(a));
  }
  spec.extraNetworks = std::move(out);
  return okStatus();
}

std::vector<ContainerEndpoint> ContainerNetworking::configuredEndpoints(
    const ContainerSpec& spec) const {
  std::vector<ContainerEndpoint> out;
  auto add = [&](const std::string& idOrName) {
    auto n = manager_.find(idOrName);
    if (!n.ok()) return;  // removed since: nothing to show
    ContainerEndpoint e;
    e.network = n->name;
    e.networkId = n->id;
    out.push_back(std::move(e));
  };
  if (auto mode = NetworkMode::parse(spec.networkMode); mode.ok() && !modeNetwork(*mode).empty())
    add(modeNetwork(*mode));
  for (const auto& a : spec.extraNetworks) add(a.networkId);
  return out;
}

Result<std::string> ContainerNetworking::freeInterfaceName(const std::string& containerId) {
  WHARF_ASSIGN_OR_RETURN(UniqueFd ns, network::openNetns(manager_.netnsPath(containerId)));
  WHARF_ASSIGN_OR_RETURN(network::Netlink nl, network::Netlink::openIn(ns.get()));
  WHARF_ASSIGN_OR_RETURN(std::vector<network::LinkInfo> links, nl.links());
  std::set<std::string> used;
  for (const auto& l : links) used.insert(l.name);
  for (int i = 1; i < 1000; ++i) {
    std::string name = "eth" + std::to_string(i);
    if (!used.count(name)) return name;
  }
  return conflict("no free interface name in the container's namespace");
}

Status ContainerNetworking::connect(const ContainerInfo& c, const std::string& networkId,
                                    const std::string& ipv4,
                                    const std::vector<std::string>& aliases) {
  WHARF_TRY(checkConnectable(c.spec, networkId));
  WHARF_ASSIGN_OR_RETURN(network::Network n, manager_.find(networkId));
  if (!network::isNetnsMount(manager_.netnsPath(c.id)))
    return conflict("container " + c.name + " has no network namespace of its own to connect");
  network::EndpointRequest req;
  if (!ipv4.empty()) {
    req.ip = network::parseIpv4(ipv4);
    if (!req.ip) return invalidArgument("invalid IPv4 address: " + ipv4);
  }
  req.aliases = aliases;
  WHARF_ASSIGN_OR_RETURN(std::string ifname, freeInterfaceName(c.id));
  WHARF_TRY(manager_.allocate(n.id, c.id, c.name, req));
  ScopeGuard undo([&] {
    (void)manager_.unplug(c.id, n.id);
    (void)manager_.release(n.id, c.id);
  });
  WHARF_TRY_CTX(manager_.plug(c.id, n.id, ifname, false), "connect to network " + n.name);
  undo.dismiss();
  // The container's own files (its new address, a resolv.conf that now asks 127.0.0.11),
  // then the peers of everyone on the network.
  WHARF_TRY(writeFiles(c, false));
  writePeers(c.id, "");
  if (!n.predefined()) refreshPeers(n.id, "");
  if (onUserNetwork(c.id)) attachDns(c);
  return okStatus();
}

Status ContainerNetworking::disconnect(const ContainerInfo& c, const std::string& networkId) {
  WHARF_ASSIGN_OR_RETURN(network::Network n, manager_.find(networkId));
  if (!n.endpoints.count(c.id))
    return forbidden("container " + c.id + " is not connected to network " + n.name);
  // The veth goes (its peer and the addresses and routes on it with it), then the address.
  WHARF_TRY_CTX(manager_.unplug(c.id, n.id), "disconnect from network " + n.name);
  WHARF_TRY(manager_.release(n.id, c.id));
  if (!n.predefined()) refreshPeers(n.id, c.id);
  // Its own hosts file: its address on that network and its peers there are gone. The DNS
  // server stays (it answers for the networks left, and forwards).
  WHARF_TRY(writeFiles(c, false));
  writePeers(c.id, "");
  return okStatus();
}

Status ContainerNetworking::plugExtraNetworks(const ContainerInfo& c) {
  for (const auto& a : c.spec.extraNetworks) {
    WHARF_ASSIGN_OR_RETURN(network::Network n, manager_.find(a.networkId));
    network::EndpointRequest req;
    if (!a.ipv4Address.empty()) req.ip = network::parseIpv4(a.ipv4Address);
    req.aliases = a.aliases;
    req.mac = a.macAddress;
    WHARF_TRY(manager_.allocate(n.id, c.id, c.name, req));
    WHARF_ASSIGN_OR_RETURN(std::string ifname, freeInterfaceName(c.id));
    WHARF_TRY_CTX(manager_.plug(c.id, n.id, ifname, false), "connect to network " + n.name);
  }
  return okStatus();
}

}  // namespace wharf::engine
