#include "engine/container_network.h"

#include <fcntl.h>
#include <unistd.h>

#include <set>

#include "common/fs.h"
#include "common/log.h"
#include "common/scope_guard.h"
#include "common/unique_fd.h"
#include "engine/container_links.h"
#include "network/dns_server.h"
#include "network/etc_files.h"
#include "network/manager.h"
#include "network/netns.h"
#include "network/network_mode.h"

namespace wharf::engine {

namespace {

using network::NetworkMode;

// Below this line the hosts file lists the peers on user networks; it is rewritten as they
// come and go.
constexpr const char* kPeersMarker = "# peers on user networks (wharf)\n";

// In place (not renamed over): the file is bind-mounted into running containers, and a bind
// mount keeps the inode it was made with.
Status writeInPlace(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return sysError("open " + path);
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sysError("write " + path);
    }
    off += static_cast<size_t>(n);
  }
  return okStatus();
}

std::string networkNameOf(const NetworkMode& m) {
  return m.kind == NetworkMode::Kind::kUser ? m.target : "bridge";
}

}  // namespace

ContainerNetworking::ContainerNetworking(network::Manager& manager,
                                         std::function<std::string(const std::string&)> hostsPathOf)
    : manager_(manager), hostsPathOf_(std::move(hostsPathOf)) {}

Status ContainerNetworking::validate(const ContainerSpec& spec) {
  WHARF_ASSIGN_OR_RETURN(NetworkMode mode, NetworkMode::parse(spec.networkMode));
  bool ownNet = mode.kind == NetworkMode::Kind::kBridge || mode.kind == NetworkMode::Kind::kUser;
  if (mode.kind == NetworkMode::Kind::kUser) {
    WHARF_ASSIGN_OR_RETURN(network::Network n, manager_.find(mode.target));
    if (n.driver == "host" || n.driver == "null") {
      // "--network <id of host>" is the host mode under another name: keep it simple.
      return invalidArgument("use --network " + n.name + " by its name");
    }
  }
  if (!spec.ipv4Address.empty()) {
    if (!network::parseIpv4(spec.ipv4Address))
      return invalidArgument("invalid IPv4 address: " + spec.ipv4Address);
    if (mode.kind != NetworkMode::Kind::kUser)
      return invalidArgument(
          "user specified IP address is supported on user defined networks only");
  }
  if (!spec.ipv6Address.empty()) {
    if (!network::parseIpv6(spec.ipv6Address))
      return invalidArgument("invalid IPv6 address: " + spec.ipv6Address);
    if (mode.kind != NetworkMode::Kind::kUser)
      return invalidArgument(
          "user specified IP address is supported on user defined networks only");
  }
  if (!spec.networkAliases.empty() && mode.kind != NetworkMode::Kind::kUser)
    return invalidArgument(
        "network-scoped alias is supported only for containers in user "
        "defined networks");
  if (!spec.macAddress.empty() && !network::parseMac(spec.macAddress))
    return invalidArgument(spec.macAddress + " is not a valid mac address");
  if (!spec.macAddress.empty() && !ownNet)
    return invalidArgument("conflicting options: mac-address and the network mode");
  for (const auto& h : spec.extraHosts)
    WHARF_TRY(network::parseExtraHost(h, manager_.hostGateway()));
  for (const auto& d : spec.dns) {
    if (!network::parseIpv4(d) && d.find(':') == std::string::npos)
      return invalidArgument(d + " is not an ip address");
  }
  return okStatus();
}

Result<std::string> ContainerNetworking::prepare(const ContainerInfo& c,
                                                 const std::string& joinPath,
                                                 std::vector<network::HostsEntry> linkHosts) {
  if (!linkHosts.empty()) linkHosts_[c.id] = std::move(linkHosts);
  WHARF_ASSIGN_OR_RETURN(NetworkMode mode, NetworkMode::parse(c.spec.networkMode));
  if (mode.kind == NetworkMode::Kind::kHost || mode.kind == NetworkMode::Kind::kNone) {
    bool host = mode.kind == NetworkMode::Kind::kHost;
    WHARF_TRY(writeFiles(c, host));
    // docker's endpoint on the predefined network: no address, but its connect event.
    if (auto n = manager_.find(host ? "host" : "none"); n.ok()) {
      joined_[c.id] = n->id;
      publish(*n, "connect", c.id);
    }
    return std::string();
  }
  if (mode.kind == NetworkMode::Kind::kContainer) {
    WHARF_TRY(writeFiles(c, false));
    return joinPath;
  }
  std::string net = networkNameOf(mode);
  network::EndpointRequest req;
  if (!c.spec.ipv4Address.empty()) req.ip = network::parseIpv4(c.spec.ipv4Address);
  if (!c.spec.ipv6Address.empty()) req.ip6 = network::parseIpv6(c.spec.ipv6Address);
  req.aliases = c.spec.networkAliases;
  req.mac = c.spec.macAddress;
  if (mode.kind == NetworkMode::Kind::kUser) req.links = linkAliases(c.spec);
  ScopeGuard undo([&] { release(c.id); });
  WHARF_TRY_CTX(manager_.createSandbox(c.id), "network namespace");
  WHARF_ASSIGN_OR_RETURN(network::Endpoint ep, manager_.allocate(net, c.id, c.name, req));
  (void)ep;
  WHARF_TRY_CTX(manager_.plug(c.id, net, "eth0", true), "connect to network " + net);
  WHARF_TRY(plugExtraNetworks(c));
  WHARF_TRY(writeFiles(c, false));
  for (const auto& n : manager_.networksOf(c.id)) {
    if (!n.predefined()) refreshPeers(n.id, "");
  }
  if (onUserNetwork(c.id)) attachDns(c);
  undo.dismiss();
  joined_[c.id] = "";
  for (const auto& n : manager_.networksOf(c.id)) publish(n, "connect", c.id);
  return manager_.netnsPath(c.id);
}

void ContainerNetworking::release(const std::string& containerId) {
  // The DNS sockets hold the namespace: closed first, so that it goes with the unmount.
  if (dns_) dns_->detach(containerId);
  linkHosts_.erase(containerId);
  // The namespace goes first: the kernel then deletes the veth with it, off our path.
  if (Status st = manager_.removeSandbox(containerId); !st.ok())
    log::warn("container {}: {}", containerId.substr(0, 12), st.error().message());
  auto joined = joined_.find(containerId);
  bool announce = joined != joined_.end();
  for (const auto& n : manager_.networksOf(containerId)) {
    if (Status st = manager_.release(n.id, containerId); !st.ok())
      log::warn("container {}: {}", containerId.substr(0, 12), st.error().message());
    if (!n.predefined()) refreshPeers(n.id, containerId);
    if (announce) publish(n, "disconnect", containerId);
  }
  if (announce) {
    if (!joined->second.empty()) {
      if (auto n = manager_.find(joined->second); n.ok()) publish(*n, "disconnect", containerId);
    }
    joined_.erase(joined);
  }
}

void ContainerNetworking::publish(const network::Network& n, const std::string& action,
                                  const std::string& containerId) {
  if (!events_) return;
  Event e;
  e.type = "network";
  e.action = action;
  e.actorId = n.id;
  e.attributes = {{"container", containerId}, {"name", n.name}, {"type", n.driver}};
  events_->publish(std::move(e));
}

std::vector<ContainerEndpoint> ContainerNetworking::endpoints(
    const std::string& containerId) const {
  std::vector<ContainerEndpoint> out;
  for (const auto& n : manager_.networksOf(containerId)) {
    const network::Endpoint& ep = n.endpoints.at(containerId);
    ContainerEndpoint e;
    e.network = n.name;
    e.networkId = n.id;
    e.endpointId = ep.id;
    if (n.isBridge()) {
      e.ipAddress = network::formatIpv4(ep.ip);
      e.gateway = network::formatIpv4(n.gateway);
      e.prefixLen = n.subnet.bits;
      if (ep.ip6) {
        e.globalIpv6Address = network::formatIpv6(*ep.ip6);
        e.ipv6Gateway = network::formatIpv6(n.gateway6);
        e.globalIpv6PrefixLen = n.subnet6.bits;
      }
    }
    e.macAddress = ep.mac;
    e.aliases = ep.aliases;
    out.push_back(std::move(e));
  }
  return out;
}

Status ContainerNetworking::writeFiles(const ContainerInfo& c, bool hostNetwork) {
  WHARF_TRY(writeInPlace(c.hostnamePath, c.spec.hostname + "\n"));
  auto hostResolv = fs::readFile("/etc/resolv.conf");
  std::string hostText = hostResolv.ok() ? *hostResolv : "";
  network::DnsOptions dns{c.spec.dns.empty() ? daemonDns_ : c.spec.dns, c.spec.dnsSearch,
                          c.spec.dnsOptions};
  std::string resolv;
  if (hostNetwork && dns.servers.empty() && dns.search.empty() && dns.options.empty()) {
    resolv = hostText;  // the host's own view, loopback resolvers included
  } else {
    // On a user network the container asks the embedded server, which forwards to `dns`.
    resolv = network::resolvConf(hostText, dns, !hostNetwork && dns_ && onUserNetwork(c.id));
  }
  WHARF_TRY(writeInPlace(c.resolvConfPath, resolv));

  std::vector<network::HostsEntry> extra, own;
  for (const auto& h : c.spec.extraHosts) {
    WHARF_ASSIGN_OR_RETURN(network::HostsEntry e,
                           network::parseExtraHost(h, manager_.hostGateway()));
    extra.push_back(std::move(e));
  }
  // docker's order: --add-host lines, then the links' (both "extra hosts" of the sandbox).
  if (auto it = linkHosts_.find(c.id); it != linkHosts_.end())
    extra.insert(extra.end(), it->second.begin(), it->second.end());
  std::string hosts;
  if (hostNetwork) {
    auto hostHosts = fs::readFile("/etc/hosts");
    hosts = hostHosts.ok() ? *hostHosts : network::hostsFile({}, {});
    for (const auto& e : extra) {
      hosts += e.ip;
      for (const auto& n : e.names) hosts += "\t" + n;
      hosts += "\n";
    }
  } else {
    for (const auto& e : endpoints(c.id)) {
      if (!e.ipAddress.empty()) own.push_back({e.ipAddress, {c.spec.hostname}});
      if (!e.globalIpv6Address.empty()) own.push_back({e.globalIpv6Address, {c.spec.hostname}});
    }
    hosts = network::hostsFile(extra, own);
  }
  return writeInPlace(c.hostsPath, hosts + kPeersMarker);
}

void ContainerNetworking::refreshPeers(const std::string& network, const std::string& except) {
  auto n = manager_.find(network);
  if (!n.ok()) return;
  // Every container on this network gets its peers (on all of its user networks) anew.
  for (const auto& [cid, ep] : n->endpoints) writePeers(cid, except);
}

void ContainerNetworking::writePeers(const std::string& cid, const std::string& except) {
  std::string path = hostsPathOf_(cid);
  auto text = fs::readFile(path);
  if (!text.ok()) return;
  std::string head = *text;
  if (size_t m = head.find(kPeersMarker); m != std::string::npos) head.resize(m);
  std::string peers;
  std::set<std::string> seen;
  for (const auto& mine : manager_.networksOf(cid)) {
    if (mine.predefined()) continue;
    for (const auto& [pid, pep] : mine.endpoints) {
      if (pid == cid || pid == except || !seen.insert(pid + mine.id).second) continue;
      std::string names = pep.containerName;
      // --link aliases on user networks: this container's names for that peer.
      for (const auto& [alias, target] : mine.endpoints.at(cid).links) {
        if (target == pep.containerName || (target.size() >= 12 && pid.rfind(target, 0) == 0))
          names += " " + alias;
      }
      for (const auto& a : pep.aliases) names += " " + a;
      names += " " + pid.substr(0, 12) + "\n";
      peers += network::formatIpv4(pep.ip) + "\t" + names;
      if (pep.ip6) peers += network::formatIpv6(*pep.ip6) + "\t" + names;
    }
  }
  if (Status st = writeInPlace(path, head + kPeersMarker + peers); !st.ok())
    log::warn("update {}: {}", path, st.error().message());
}

void ContainerNetworking::setDns(network::DnsServer* dns, std::vector<std::string> daemonDns) {
  dns_ = dns;
  daemonDns_ = std::move(daemonDns);
}

bool ContainerNetworking::onUserNetwork(const std::string& containerId) const {
  for (const auto& n : manager_.networksOf(containerId)) {
    if (n.isBridge() && !n.predefined()) return true;
  }
  return false;
}

void ContainerNetworking::attachDns(const ContainerInfo& c) {
  if (!dns_) return;
  // The container's --dns, else the daemon's, else the host's resolvers: all of them, the
  // loopback ones too, since the server forwards from the host's namespace.
  std::vector<std::string> servers = c.spec.dns.empty() ? daemonDns_ : c.spec.dns;
  if (servers.empty()) {
    auto host = fs::readFile("/etc/resolv.conf");
    if (host.ok()) servers = network::resolvConfNameservers(*host);
  }
  // Not fatal, as in docker: the container runs, its names still resolve through /etc/hosts.
  if (Status st = dns_->attach(c.id, manager_.netnsPath(c.id), network::parseDnsUpstreams(servers));
      !st.ok())
    log::warn("container {}: embedded DNS server: {}", c.id.substr(0, 12), st.error().message());
}

void ContainerNetworking::resume(const ContainerInfo& c) {
  // Its connect events went out before the restart: its exit publishes the disconnects.
  if (auto mode = NetworkMode::parse(c.spec.networkMode); mode.ok()) {
    if (mode->kind == NetworkMode::Kind::kHost || mode->kind == NetworkMode::Kind::kNone) {
      auto n = manager_.find(mode->kind == NetworkMode::Kind::kHost ? "host" : "none");
      if (n.ok()) joined_[c.id] = n->id;
    } else if (mode->kind != NetworkMode::Kind::kContainer) {
      joined_[c.id] = "";
    }
  }
  if (dns_ && onUserNetwork(c.id) && network::isNetnsMount(manager_.netnsPath(c.id))) attachDns(c);
}

}  // namespace wharf::engine
