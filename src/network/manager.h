#pragma once
// network::Manager: the networks of one daemon and the host state behind them.
//
// Files it owns:
//   <data-root>/network/<id>.json    one record per network (network/network.h)
//   <exec-root>/netns/<container id> a container's network namespace (network/netns.h)
// Host state is set up lazily (the first container on a bridge, or a network create) and
// taken down by shutdown() when no container uses it, so a daemon that never ran a networked
// container leaves the host as it found it (docs/decisions.md).
// Host state it owns: the bridges of its bridge networks (wharf0 for "bridge", br-<12 hex>
// for the others), one veth pair per endpoint (host end veth<7 hex>, container end eth<N>),
// the nftables table `inet wharf` (network/firewall.h), net.ipv4.ip_forward=1 and
// net.ipv4.conf.<bridge>.route_localnet=1 (docs/networking.md says why).
//
// Threading: not thread-safe; the daemon calls it on its io_context thread.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "network/firewall.h"
#include "network/ipam.h"
#include "network/network.h"

namespace wharf::network {

struct ManagerConfig {
  std::filesystem::path dataRoot = "/var/lib/wharf";
  std::filesystem::path execRoot = "/run/wharf";
  std::string defaultBridge = "wharf0";  // dockerd's --bridge
  std::string firewallTable = kFirewallTable;
  std::optional<Prefix> defaultBridgeIp;  // dockerd's --bip (gateway/prefix)
  // dockerd's --ipv6 and --fixed-cidr-v6: IPv6 on the default bridge, on that subnet (empty: a
  // /64 of the ULA pool). Applied to the default bridge at init() while no container uses it.
  bool defaultBridgeIpv6 = false;
  std::string defaultBridgeSubnet6;
  std::vector<AddressPool> pools = defaultAddressPools();
  int mtu = 0;  // 0: the kernel's default (1500)
  // The daemon's engine id: IPv6 networks without a subnet get a /64 of the ULA /48 derived
  // from it (docker's deriveULABaseNetwork). Empty: read from <data-root>/engine-id at init()
  // (written there, as the system service does, when missing).
  std::string hostId;
  // false: records only, no netlink, nftables or sysctl (unit tests, no root).
  bool touchHost = true;
};

// POST /networks/create, in the module's terms (strings as the client sent them).
struct CreateRequest {
  std::string name;
  std::string driver = "bridge";
  bool internal = false;
  bool attachable = false;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;
  std::string subnet, ipRange, gateway;  // the IPv4 IPAM.Config; empty: chosen
  // EnableIPv6 and the IPv6 IPAM.Config (subnet empty: a /64 of the daemon's ULA pool).
  bool enableIpv6 = false;
  std::string subnet6, ipRange6, gateway6;
};

struct EndpointRequest {
  std::optional<Ipv4> ip;  // --ip
  std::vector<std::string> aliases;
  std::string mac;                           // --mac-address; empty: derived from the address
  std::optional<Ipv6> ip6;                   // --ip6 (IPv6 networks only)
  std::map<std::string, std::string> links;  // --link on a user network: alias -> name
};

class Manager {
 public:
  explicit Manager(ManagerConfig cfg);
  ~Manager();

  // Loads the records and makes the predefined networks. Endpoints of containers not in
  // `live` are dropped (their namespaces unmounted, veths deleted, addresses freed); if any
  // endpoint is left, the host state is rebuilt at once (bridges, firewall), so running
  // containers keep their connectivity across a daemon restart.
  Status init(const std::set<std::string>& live);
  // At a clean daemon stop: with no endpoint left, removes the bridges, the firewall table
  // and restores net.ipv4.ip_forward if this daemon changed it.
  Status shutdown();

  Result<Network> create(const CreateRequest& req);
  Result<Network> find(const std::string& idOrName) const;
  std::vector<Network> list() const;
  Status remove(const std::string& idOrName);

  // Endpoint bookkeeping: an address (persisted before it is returned) for the container.
  Result<Endpoint> allocate(const std::string& network, const std::string& containerId,
                            const std::string& containerName, const EndpointRequest& req);
  Status release(const std::string& network, const std::string& containerId);
  // Every network the container has an endpoint on.
  std::vector<Network> networksOf(const std::string& containerId) const;

  // The container's network namespace.
  std::string netnsPath(const std::string& containerId) const;
  Status createSandbox(const std::string& containerId);
  Status removeSandbox(const std::string& containerId);
  // Plugs the endpoint into the namespace as `ifname` (address, default route on the first).
  Status plug(const std::string& containerId, const std::string& network, const std::string& ifname,
              bool defaultRoute);
  Status unplug(const std::string& containerId, const std::string& network);

  // Published ports: the firewall's DNAT maps follow this list (rebuilt at each call).
  Status setPorts(const std::string& containerId, std::vector<PortRule> ports);
  // Live restore, before init(): the ports of a running container, recorded only; init()
  // puts them in the table it rebuilds.
  void restorePorts(const std::string& containerId, std::vector<PortRule> ports);

  // The default bridge's gateway ("host-gateway" of --add-host).
  std::string hostGateway() const;

 private:
  Status persist(const Network& n);
  Status ensureHost();
  Status ensureBridge(const Network& n);
  Status applyFirewall();
  Network* findMut(const std::string& idOrName);
  Result<Network> makeBridgeNetwork(const std::string& name, const std::string& bridge,
                                    const CreateRequest& req);
  // manager_ipv6.cpp: the IPv6 half of a network create (docker's messages) and of an endpoint.
  Status makeIpv6(Network& n, const CreateRequest& req);
  Status allocateIpv6(Network& n, Endpoint& ep, const EndpointRequest& req);
  Status ensureBridge6(const Network& n);
  Status plugIpv6(const Network& n, const Endpoint& ep, int netnsFd, const std::string& ifname,
                  bool defaultRoute);
  void restoreIpv6Forwarding();
  // The default bridge's IPv6 as the daemon's flags say (a new or an unused default bridge).
  Status configureDefaultBridge6(Network& n);

  ManagerConfig cfg_;
  std::map<std::string, Network> networks_;             // by id
  std::map<std::string, std::vector<PortRule>> ports_;  // by container id
  std::unique_ptr<Firewall> firewall_;
  bool hostReady_ = false;
};

}  // namespace wharf::network
