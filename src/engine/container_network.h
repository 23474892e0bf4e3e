#pragma once
// engine::ContainerNetworking: what a container's network needs around its start, over
// network::Manager. The container manager calls three hooks:
//   prepare()  before the shim launches: the namespace (bind-mounted, configured: veth,
//              address, default route), the endpoint (address persisted first), and the files
//              /etc/hosts, /etc/hostname, /etc/resolv.conf; returns the namespace the runtime
//              joins ("" for none and host: the spec keeps its own choice);
//   release()  after exit, a failed start, or removal: namespace and veth gone, addresses freed;
//   endpoints() for inspect (NetworkSettings).
// Names on user networks resolve through /etc/hosts: every container on a user network lists
// its peers (name, aliases, short id), rewritten in place when one joins or leaves (an
// embedded DNS server is not built yet: docs/networking.md).

#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/backend.h"

namespace wharf::network {
class Manager;
}

namespace wharf::engine {

class ContainerNetworking {
 public:
  // `hostsPathOf(id)`: a container's hosts file (to update peers on user networks).
  ContainerNetworking(network::Manager& manager,
                      std::function<std::string(const std::string&)> hostsPathOf);

  // Checked at create, so that start does not fail on it: the mode parses, a user network
  // exists, --ip/--mac-address/--add-host/--dns values are well-formed.
  Status validate(const ContainerSpec& spec);

  // `joinPath`: for `container:<x>`, x's namespace (/proc/<pid>/ns/net), found by the caller.
  Result<std::string> prepare(const ContainerInfo& c, const std::string& joinPath);
  void release(const std::string& containerId);
  std::vector<ContainerEndpoint> endpoints(const std::string& containerId) const;

 private:
  Status writeFiles(const ContainerInfo& c, bool hostNetwork);
  void refreshPeers(const std::string& network, const std::string& except);

  network::Manager& manager_;
  std::function<std::string(const std::string&)> hostsPathOf_;
};

}  // namespace wharf::engine
