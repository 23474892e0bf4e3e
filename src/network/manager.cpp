#include "network/manager.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "common/fs.h"
#include "common/log.h"
#include "common/random.h"
#include "common/time.h"
#include "common/unique_fd.h"
#include "network/netlink.h"
#include "network/netns.h"

namespace wharf::network {

namespace stdfs = std::filesystem;

namespace {

// Where ensureHost() notes that it turned IP forwarding on (shutdown() turns it back off).
std::string forwardSavePath(const ManagerConfig& cfg) {
  return (cfg.execRoot / "netns" / ".ip_forward").string();
}

constexpr const char* kBridgeNameOption = "com.docker.network.bridge.name";

Status writeSysctl(const std::string& path, const std::string& value) {
  auto cur = fs::readFile(path);
  if (cur.ok() && cur->substr(0, cur->find('\n')) == value) return okStatus();
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd || ::write(fd.get(), value.data(), value.size()) < 0) return sysError("write " + path);
  return okStatus();
}

// Linux interface names: 1..15 bytes, no '/', no whitespace, not "." or "..".
bool validIfname(const std::string& s) {
  if (s.empty() || s.size() > 15 || s == "." || s == "..") return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    return c == '/' || c == ':' || c == '"' || c == '\\' || static_cast<unsigned char>(c) <= ' ';
  });
}

}  // namespace

Manager::Manager(ManagerConfig cfg) : cfg_(std::move(cfg)) {
  if (cfg_.touchHost) firewall_ = std::make_unique<Firewall>(cfg_.firewallTable);
}

Manager::~Manager() = default;

Status Manager::persist(const Network& n) {
  return fs::writeFileAtomic(cfg_.dataRoot / "network" / (n.id + ".json"), networkToJson(n).dump(),
                             0600);
}

Status Manager::init(const std::set<std::string>& live) {
  WHARF_TRY(fs::mkdirAll(cfg_.dataRoot / "network", 0700));
  WHARF_TRY(fs::mkdirAll(cfg_.execRoot / "netns", 0711));
  if (cfg_.hostId.empty()) {
    // The same file and format as the system service's engine id (dockerd's engine-id).
    auto path = cfg_.dataRoot / "engine-id";
    auto text = fs::readFile(path);
    if (text.ok()) {
      cfg_.hostId = text->substr(0, text->find('\n'));
    } else {
      cfg_.hostId = randomHex(16);
      WHARF_TRY(fs::writeFileAtomic(path, cfg_.hostId + "\n"));
    }
  }
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(cfg_.dataRoot / "network", ec)) {
    if (entry.path().extension() != ".json") continue;
    auto text = fs::readFile(entry.path());
    if (!text.ok()) continue;
    auto j = parseJson(*text, entry.path().string());
    if (!j.ok()) {
      log::warn("ignoring network record {}: {}", entry.path().string(), j.error().message());
      continue;
    }
    auto n = networkFromJson(*j);
    if (!n.ok()) {
      log::warn("ignoring network record {}: {}", entry.path().string(), n.error().message());
      continue;
    }
    networks_[n->id] = std::move(*n);
  }
  // Predefined networks, made once and kept (their ids stay stable, as docker's).
  for (const char* name : {"bridge", "host", "none"}) {
    if (findMut(name)) continue;
    Network n;
    if (std::string(name) == "bridge") {
      CreateRequest req;
      req.name = "bridge";
      if (cfg_.defaultBridgeIp) {
        req.subnet = cfg_.defaultBridgeIp->masked().toString();
        req.gateway = formatIpv4(cfg_.defaultBridgeIp->addr);
      }
      req.enableIpv6 = cfg_.defaultBridgeIpv6;
      if (cfg_.defaultBridgeIpv6) req.subnet6 = cfg_.defaultBridgeSubnet6;
      WHARF_ASSIGN_OR_RETURN(n, makeBridgeNetwork("bridge", cfg_.defaultBridge, req));
      n.userSubnet = false;
      n.options = {{"com.docker.network.bridge.default_bridge", "true"},
                   {"com.docker.network.bridge.enable_icc", "true"},
                   {"com.docker.network.bridge.enable_ip_masquerade", "true"},
                   {"com.docker.network.bridge.host_binding_ipv4", "0.0.0.0"},
                   {"com.docker.network.bridge.name", cfg_.defaultBridge},
                   {"com.docker.network.driver.mtu", std::to_string(cfg_.mtu ? cfg_.mtu : 1500)}};
    } else {
      n.id = randomHex(32);
      n.name = name;
      n.driver = std::string(name) == "host" ? "host" : "null";
      n.created = formatRfc3339Nano(nowNanos());
    }
    WHARF_TRY(persist(n));
    networks_[n.id] = std::move(n);
  }
  // Endpoints of containers that are gone: their addresses are free again.
  for (auto& [id, n] : networks_) {
    bool changed = false;
    for (auto it = n.endpoints.begin(); it != n.endpoints.end();) {
      if (live.count(it->first)) {
        ++it;
        continue;
      }
      if (cfg_.touchHost && !it->second.hostVeth.empty()) {
        if (auto nl = Netlink::open(); nl.ok()) (void)nl->deleteLink(it->second.hostVeth);
      }
      it = n.endpoints.erase(it);
      changed = true;
    }
    if (changed) WHARF_TRY(persist(n));
  }
  if (Network* b = findMut("bridge")) WHARF_TRY(configureDefaultBridge6(*b));
  // Namespaces of containers that are gone.
  for (const auto& entry : stdfs::directory_iterator(cfg_.execRoot / "netns", ec)) {
    std::string name = entry.path().filename().string();
    if (name[0] != '.' && !live.count(name)) {
      if (Status st = removeNetns(entry.path().string()); !st.ok())
        log::warn("{}", st.error().message());
    }
  }
  bool anyEndpoint = false;
  for (const auto& [id, n] : networks_) anyEndpoint = anyEndpoint || !n.endpoints.empty();
  if (anyEndpoint) return ensureHost();
  return okStatus();
}

Status Manager::ensureHost() {
  if (hostReady_ || !cfg_.touchHost) return okStatus();
  bool forward = false;
  for (const auto& [id, n] : networks_) {
    if (!n.isBridge()) continue;
    WHARF_TRY(ensureBridge(n));
    forward = forward || !n.internal;
  }
  // Outbound NAT needs the host to route (docker does the same; docs/networking.md). The old
  // value is kept, to be restored when the daemon stops with nothing running.
  if (forward) {
    auto old = fs::readFile("/proc/sys/net/ipv4/ip_forward");
    if (old.ok() && old->rfind("0", 0) == 0 && !fs::exists(forwardSavePath(cfg_)))
      WHARF_TRY(fs::writeFileAtomic(forwardSavePath(cfg_), "0"));
    WHARF_TRY(writeSysctl("/proc/sys/net/ipv4/ip_forward", "1"));
  }
  WHARF_TRY(applyFirewall());
  hostReady_ = true;
  return okStatus();
}

Status Manager::shutdown() {
  if (!cfg_.touchHost) return okStatus();
  for (const auto& [id, n] : networks_) {
    if (!n.endpoints.empty()) return okStatus();  // containers still use the host state
  }
  WHARF_TRY(firewall_->removeAll());
  WHARF_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
  for (const auto& [id, n] : networks_) {
    if (n.isBridge()) WHARF_TRY(nl.deleteLink(n.bridge));
  }
  if (fs::exists(forwardSavePath(cfg_))) {
    WHARF_TRY(writeSysctl("/proc/sys/net/ipv4/ip_forward", "0"));
    (void)fs::removeAll(forwardSavePath(cfg_));
  }
  restoreIpv6Forwarding();
  hostReady_ = false;
  return okStatus();
}

Status Manager::ensureBridge(const Network& n) {
  WHARF_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
  WHARF_ASSIGN_OR_RETURN(int idx, nl.ensureBridge(n.bridge, cfg_.mtu));
  WHARF_TRY(nl.addAddress(idx, n.gateway, n.subnet.bits));
  // Published ports answer on 127.0.0.1: DNAT from loopback to a bridge needs the kernel to
  // route 127/8 sources there (masqueraded in the firewall's postrouting chain).
  (void)writeSysctl("/proc/sys/net/ipv4/conf/" + n.bridge + "/route_localnet", "1");
  if (n.enableIpv6) WHARF_TRY(ensureBridge6(n));
  return okStatus();
}

Status Manager::applyFirewall() {
  if (!firewall_) return okStatus();
  FirewallState st;
  for (const auto& [id, n] : networks_) {
    if (!n.isBridge()) continue;
    BridgeRule b{n.bridge, n.subnet, n.internal, true, std::nullopt};
    if (n.enableIpv6) b.subnet6 = n.subnet6;
    st.bridges.push_back(std::move(b));
  }
  for (const auto& [cid, ports] : ports_)
    st.ports.insert(st.ports.end(), ports.begin(), ports.end());
  return firewall_->apply(st);
}

Network* Manager::findMut(const std::string& idOrName) {
  for (auto& [id, n] : networks_) {
    if (n.id == idOrName || n.name == idOrName) return &n;
  }
  // A unique id prefix, as docker.
  Network* found = nullptr;
  if (idOrName.empty()) return nullptr;
  for (auto& [id, n] : networks_) {
    if (id.rfind(idOrName, 0) == 0) {
      if (found) return nullptr;
      found = &n;
    }
  }
  return found;
}

Result<Network> Manager::find(const std::string& idOrName) const {
  auto* n = const_cast<Manager*>(this)->findMut(idOrName);
  if (!n) return notFound("network " + idOrName + " not found");
  return *n;
}

std::vector<Network> Manager::list() const {
  std::vector<Network> out;
  for (const auto& [id, n] : networks_) out.push_back(n);
  return out;
}

Result<Network> Manager::makeBridgeNetwork(const std::string& name, const std::string& bridge,
                                           const CreateRequest& req) {
  Network n;
  n.id = randomHex(32);
  n.name = name;
  n.driver = "bridge";
  n.created = formatRfc3339Nano(nowNanos());
  n.bridge = bridge.empty() ? "br-" + n.id.substr(0, 12) : bridge;
  n.internal = req.internal;
  n.attachable = req.attachable;
  n.labels = req.labels;
  n.options = req.options;
  WHARF_ASSIGN_OR_RETURN(
      auto ipam, (validateIpamConfig<Prefix, Ipv4>(req.subnet, req.ipRange, req.gateway, 30)));
  const std::optional<Prefix>& subnet = ipam.subnet;
  std::vector<Prefix> taken;
  for (const auto& [id, other] : networks_) {
    if (other.isBridge()) taken.push_back(other.subnet);
  }
  if (subnet) {
    for (const auto& t : taken) {
      if (t.overlaps(*subnet))
        return forbidden(
            "invalid pool request: Pool overlaps with other one on this address "
            "space");
    }
    n.subnet = *subnet;
    n.userSubnet = true;
  } else {
    std::vector<Prefix> avoid = taken;
    if (cfg_.touchHost) {
      auto routes = hostRoutes();
      avoid.insert(avoid.end(), routes.begin(), routes.end());
    }
    WHARF_ASSIGN_OR_RETURN(n.subnet, chooseSubnet(cfg_.pools, avoid));
  }
  n.ipRange = ipam.range;
  n.gateway = ipam.gateway ? *ipam.gateway : n.subnet.network() + 1;
  WHARF_TRY(makeIpv6(n, req));
  return n;
}

Result<Network> Manager::create(const CreateRequest& req) {
  if (req.name.empty()) return invalidArgument("network name cannot be empty");
  if (findMut(req.name) && find(req.name)->name == req.name)
    return conflict("network with name " + req.name + " already exists");
  std::string driver = req.driver.empty() ? "bridge" : req.driver;
  if (driver == "host" || driver == "null")
    return forbidden("only one instance of \"" + driver + "\" network is allowed");
  if (driver != "bridge") return notFound("plugin \"" + driver + "\" not found");
  std::string bridge;
  if (auto it = req.options.find(kBridgeNameOption); it != req.options.end()) {
    bridge = it->second;
    if (!validIfname(bridge))
      return invalidArgument("invalid bridge name \"" + bridge +
                             "\": at most 15 characters, "
                             "no '/', ':' or whitespace");
    for (const auto& [id, n] : networks_) {
      if (n.bridge == bridge)
        return conflict("bridge name " + bridge + " is already used by network " + n.name);
    }
  }
  WHARF_ASSIGN_OR_RETURN(Network n, makeBridgeNetwork(req.name, bridge, req));
  Status st = persist(n);
  if (st.ok()) {
    networks_[n.id] = n;
    // A user network's bridge exists from its creation on, as docker's.
    if (cfg_.touchHost) st = hostReady_ ? ensureBridge(n) : ensureHost();
    if (st.ok() && hostReady_) st = applyFirewall();
    if (!st.ok()) networks_.erase(n.id);
  }
  if (!st.ok()) {
    // Nothing created survives an error.
    (void)fs::removeAll(cfg_.dataRoot / "network" / (n.id + ".json"));
    if (cfg_.touchHost) {
      if (auto nl = Netlink::open(); nl.ok()) (void)nl->deleteLink(n.bridge);
    }
    return std::move(st).error();
  }
  return n;
}

Status Manager::remove(const std::string& idOrName) {
  Network* n = findMut(idOrName);
  if (!n) return notFound("network " + idOrName + " not found");
  if (n->predefined())
    return forbidden(n->name + " is a pre-defined network and cannot be removed");
  if (!n->endpoints.empty()) {
    const auto& [cid, ep] = *n->endpoints.begin();
    return forbidden("error while removing network: network " + n->name + " id " + n->id +
                     " has active endpoints (name:\"" + ep.containerName + "\" id:\"" +
                     cid.substr(0, 12) + "\")");
  }
  Network gone = *n;
  networks_.erase(gone.id);
  if (cfg_.touchHost) {
    if (hostReady_) WHARF_TRY(applyFirewall());
    WHARF_ASSIGN_OR_RETURN(Netlink nl, Netlink::open());
    WHARF_TRY(nl.deleteLink(gone.bridge));
  }
  return fs::removeAll(cfg_.dataRoot / "network" / (gone.id + ".json"));
}

Result<Endpoint> Manager::allocate(const std::string& network, const std::string& containerId,
                                   const std::string& containerName, const EndpointRequest& req) {
  Network* n = findMut(network);
  if (!n) return notFound("network " + network + " not found");
  if (auto it = n->endpoints.find(containerId); it != n->endpoints.end()) return it->second;
  Endpoint ep;
  ep.id = randomHex(32);
  ep.containerName = containerName;
  ep.aliases = req.aliases;
  ep.links = req.links;
  if (n->isBridge()) {
    if (req.ip && !n->userSubnet)
      return invalidArgument(
          "user specified IP address is supported only when connecting to "
          "networks with user configured subnets");
    std::set<Ipv4> used = {n->gateway};
    for (const auto& [cid, e] : n->endpoints) used.insert(e.ip);
    AddressRange r{n->subnet, n->ipRange, n->gateway};
    WHARF_ASSIGN_OR_RETURN(ep.ip, allocateAddress(r, used, req.ip, n->lastIp));
    ep.staticIp = req.ip.has_value();
    if (!req.mac.empty()) {
      if (!parseMac(req.mac)) return invalidArgument("invalid MAC address: " + req.mac);
      ep.mac = req.mac;
    } else {
      ep.mac = macForIpv4(ep.ip);
    }
    WHARF_TRY(allocateIpv6(*n, ep, req));
    n->lastIp = ep.ip;
    ep.hostVeth = "veth" + randomHex(4).substr(0, 7);
  }
  n->endpoints[containerId] = ep;
  if (Status st = persist(*n); !st.ok()) {
    n->endpoints.erase(containerId);
    return std::move(st).error();
  }
  return ep;
}

Status Manager::release(const std::string& network, const std::string& containerId) {
  Network* n = findMut(network);
  if (!n) return okStatus();
  auto it = n->endpoints.find(containerId);
  if (it == n->endpoints.end()) return okStatus();
  n->endpoints.erase(it);
  return persist(*n);
}

std::vector<Network> Manager::networksOf(const std::string& containerId) const {
  std::vector<Network> out;
  for (const auto& [id, n] : networks_) {
    if (n.endpoints.count(containerId)) out.push_back(n);
  }
  return out;
}

std::string Manager::netnsPath(const std::string& containerId) const {
  return (cfg_.execRoot / "netns" / containerId).string();
}

Status Manager::createSandbox(const std::string& containerId) {
  std::string path = netnsPath(containerId);
  if (isNetnsMount(path)) return okStatus();
  (void)removeNetns(path);
  return createNetns(path);
}

Status Manager::removeSandbox(const std::string& containerId) {
  ports_.erase(containerId);
  return removeNetns(netnsPath(containerId));
}

Status Manager::plug(const std::string& containerId, const std::string& network,
                     const std::string& ifname, bool defaultRoute) {
  Network* n = findMut(network);
  if (!n) return notFound("network " + network + " not found");
  auto it = n->endpoints.find(containerId);
  if (it == n->endpoints.end()) return internalError("no endpoint on " + n->name);
  if (!n->isBridge() || !cfg_.touchHost) return okStatus();
  WHARF_TRY(ensureHost());
  const Endpoint& ep = it->second;
  WHARF_ASSIGN_OR_RETURN(UniqueFd ns, openNetns(netnsPath(containerId)));
  WHARF_ASSIGN_OR_RETURN(Netlink host, Netlink::open());
  auto master = host.linkIndex(n->bridge);
  if (!master.ok()) {
    // Someone deleted the bridge under us: bring it back rather than fail the start.
    WHARF_TRY(ensureBridge(*n));
    master = host.linkIndex(n->bridge);
    if (!master.ok()) return std::move(master).error();
  }
  VethRequest vr;  // both ends: host end up at creation, peer set up below
  vr.hostName = ep.hostVeth;
  vr.masterIndex = *master;
  vr.peerName = ifname;
  vr.peerNetnsFd = ns.get();
  vr.mtu = cfg_.mtu;
  vr.peerMac = parseMac(ep.mac);
  (void)host.deleteLink(ep.hostVeth);  // a leftover of a crash between create and start
  WHARF_TRY(host.createVeth(vr));
  WHARF_ASSIGN_OR_RETURN(Netlink inside, Netlink::openIn(ns.get()));
  WHARF_ASSIGN_OR_RETURN(int idx, inside.linkIndex(ifname));
  WHARF_TRY(inside.addAddress(idx, ep.ip, n->subnet.bits));
  WHARF_TRY(inside.setUp(idx));
  if (defaultRoute && !n->internal) WHARF_TRY(inside.addDefaultRoute(n->gateway));
  if (n->enableIpv6 && ep.ip6) WHARF_TRY(plugIpv6(*n, ep, ns.get(), ifname, defaultRoute));
  return okStatus();
}

Status Manager::unplug(const std::string& containerId, const std::string& network) {
  Network* n = findMut(network);
  if (!n || !cfg_.touchHost) return okStatus();
  auto it = n->endpoints.find(containerId);
  if (it == n->endpoints.end() || it->second.hostVeth.empty()) return okStatus();
  WHARF_ASSIGN_OR_RETURN(Netlink host, Netlink::open());
  return host.deleteLink(it->second.hostVeth);
}

Status Manager::setPorts(const std::string& containerId, std::vector<PortRule> ports) {
  // Always rebuilt, even when the list was already gone (removeSandbox drops it first).
  bool none = ports.empty();
  if (none) {
    ports_.erase(containerId);
  } else {
    ports_[containerId] = std::move(ports);
  }
  if (!cfg_.touchHost || (none && !hostReady_)) return okStatus();
  if (!hostReady_) return ensureHost();
  return applyFirewall();
}

void Manager::restorePorts(const std::string& containerId, std::vector<PortRule> ports) {
  if (!ports.empty()) ports_[containerId] = std::move(ports);
}

std::string Manager::hostGateway() const {
  for (const auto& [id, n] : networks_) {
    if (n.name == "bridge") return formatIpv4(n.gateway);
  }
  return "";
}

}  // namespace wharf::network
