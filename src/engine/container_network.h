#pragma once
// engine::ContainerNetworking: what a container's network needs around its start, over
// network::Manager. The container manager calls three hooks:
//   prepare()  before the shim launches: the namespace (bind-mounted, configured: veth,
//              address, default route), the endpoint (address persisted first), and the files
//              /etc/hosts, /etc/hostname, /etc/resolv.conf; returns the namespace the runtime
//              joins ("" for none and host: the spec keeps its own choice);
//   release()  after exit, a failed start, or removal: namespace and veth gone, addresses freed;
//   endpoints() for inspect (NetworkSettings).
// Names on user networks resolve through the embedded DNS server (network/dns_server.h; the
// container's resolv.conf says 127.0.0.11), and, as a fallback for clients that read only
// /etc/hosts, through its hosts file: every container on a user network lists its peers
// (name, aliases, short id), rewritten in place when one joins or leaves.
// Networks connected to a running container (connect(), disconnect()) live in
// container_connect.cpp.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/backend.h"
#include "network/etc_files.h"

namespace wharf::network {
class Manager;
class DnsServer;
struct Network;
}  // namespace wharf::network

namespace wharf::engine {

class ContainerNetworking {
 public:
  // `hostsPathOf(id)`: a container's hosts file (to update peers on user networks).
  ContainerNetworking(network::Manager& manager,
                      std::function<std::string(const std::string&)> hostsPathOf);

  // At create, before validate(): the networks beyond networkMode's (spec.extraNetworks, named
  // as the client named them: `run --network a --network b`, EndpointsConfig) become ids; an
  // entry naming networkMode's own network (by its id, say) gives that endpoint its settings;
  // a network named twice is joined once, as docker. docker's errors: `network X not found`
  // (404), those of checkConnectable, and the endpoint's address, alias and MAC checks.
  Status resolveNetworks(ContainerSpec& spec);
  // Checked at create, so that start does not fail on it: the mode parses, a user network
  // exists, --ip/--mac-address/--add-host/--dns values are well-formed.
  Status validate(const ContainerSpec& spec);
  // The networks of a container that does not run (inspect's NetworkSettings.Networks):
  // networkMode's, then the extra ones, by name and id, without addresses.
  std::vector<ContainerEndpoint> configuredEndpoints(const ContainerSpec& spec) const;
  // docker's `network connect` event when a start plugs a container in, `network disconnect`
  // when its exit (or a failed start) unplugs it: Actor the network, attributes container,
  // name, type (moby's LogNetworkEventWithAttributes). Null: no events.
  void setEvents(EventPublisher* events) { events_ = events; }

  // `joinPath`: for `container:<x>`, x's namespace (/proc/<pid>/ns/net), found by the caller.
  // `linkHosts`: the /etc/hosts lines of its legacy links (default bridge; container_links.h).
  Result<std::string> prepare(const ContainerInfo& c, const std::string& joinPath,
                              std::vector<network::HostsEntry> linkHosts = {});
  void release(const std::string& containerId);
  std::vector<ContainerEndpoint> endpoints(const std::string& containerId) const;

  // The embedded DNS server for containers on user networks (null: none, names only in
  // /etc/hosts), and dockerd's --dns: the servers of a container without --dns of its own
  // (its resolv.conf's on the default bridge, its DNS server's upstreams on user networks).
  void setDns(network::DnsServer* dns, std::vector<std::string> daemonDns);
  // After a daemon restart, for a container still running: serves its DNS again.
  void resume(const ContainerInfo& c);

  // container_connect.cpp: `network connect` / `disconnect` of a running container (its own
  // namespace: bridge or user mode); the hosts files and DNS answers follow at once.
  Status connect(const ContainerInfo& c, const std::string& networkId, const std::string& ipv4,
                 const std::vector<std::string>& aliases);
  Status disconnect(const ContainerInfo& c, const std::string& networkId);
  // Checked before connect or disconnect: the container's mode lets it join `networkId`.
  Status checkConnectable(const ContainerSpec& spec, const std::string& networkId);

 private:
  Status writeFiles(const ContainerInfo& c, bool hostNetwork);
  void publish(const network::Network& n, const std::string& action,
               const std::string& containerId);
  void refreshPeers(const std::string& network, const std::string& except);
  // Rewrites the peers section of one container's hosts file.
  void writePeers(const std::string& containerId, const std::string& except);
  // Joins the networks of spec.extraNetworks at start (eth1, eth2...).
  Status plugExtraNetworks(const ContainerInfo& c);
  Result<std::string> freeInterfaceName(const std::string& containerId);
  bool onUserNetwork(const std::string& containerId) const;
  // Serves the container's DNS; a failure is logged, not returned (the start goes on).
  void attachDns(const ContainerInfo& c);

  network::Manager& manager_;
  std::function<std::string(const std::string&)> hostsPathOf_;
  network::DnsServer* dns_ = nullptr;
  std::vector<std::string> daemonDns_;
  EventPublisher* events_ = nullptr;
  // The containers whose start published its connect events, by id (rebuilt by resume() after
  // a daemon restart): their release publishes the disconnects, once; a start that failed
  // half-way publishes neither. The value: for host and none, the predefined network joined
  // (there is no endpoint record to find it by); else empty.
  std::map<std::string, std::string> joined_;
  // The hosts lines of each running container's legacy links (writeFiles adds them).
  std::map<std::string, std::vector<network::HostsEntry>> linkHosts_;
};

}  // namespace wharf::engine
