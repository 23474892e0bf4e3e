#pragma once
// engine::PortResources: published ports (`-p`, `-P`; HostConfig.PortBindings and
// PublishAllPorts) as a container resource (container_resources.h), registered after the
// network's, whose endpoint gives the container address:
//   create   checks the bindings (network mode, addresses, protocols);
//   prepare  picks and holds each host port (network/host_ports.h: a bound socket, so no
//            other process takes it), then puts the DNAT rules in the daemon's nftables table
//            (network::Manager::setPorts). A port in use fails the start with docker's words,
//            and nothing stays held;
//   release  and remove: sockets closed, rules gone;
//   restore  (live restore) the ports of a running container held again and its rules kept;
//   describe NetworkSettings.Ports and the Ports of /containers/json.
// What a start bound is written to <state dir>/<container id>.json (under --exec-root: it
// lives as long as the containers do), for the next daemon to find:
//   [{"port":"80/tcp","hostIp":"0.0.0.0","hostPort":8080,"containerIp":"172.17.0.2"}, ...]

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/port_spec.h"
#include "common/unique_fd.h"
#include "engine/container_network.h"
#include "engine/container_resources.h"
#include "network/address.h"

namespace wharf::network {
class Manager;
}

namespace wharf::engine {

// One host port a start asks for.
struct PortRequest {
  std::string port;   // "80/tcp"
  std::string proto;  // "tcp"
  int containerPort = 0;
  network::Ipv4 hostIp = 0;  // 0: every address
  PortRange hostPorts;       // {0, 0}: any free port
};

// The requests of a spec, in a stable order (pure: unit-tested): each binding of
// PortBindings, then, with PublishAllPorts, every other exposed tcp/udp port on a free port.
// Errors as docker's for addresses and ports; IPv6 host addresses are not supported yet.
Result<std::vector<PortRequest>> portRequests(const ContainerSpec& spec);

class PortResources final : public ContainerResources {
 public:
  PortResources(ContainerNetworking& networking, network::Manager& manager,
                std::filesystem::path stateDir);

  Status create(ContainerInfo& c, const ImageDefaults& image,
                const ContainerLookup& lookup) override;
  void prepare(const ContainerInfo& c, std::shared_ptr<oci::Spec> spec,
               std::function<void(Status)> done) override;
  void release(const ContainerInfo& c, std::function<void()> done) override;
  void remove(const ContainerInfo& c, bool removeVolumes, std::function<void()> done) override;
  void restore(const ContainerInfo& c, bool running) override;
  void describe(ContainerInfo& c) const override;

 private:
  struct Held {
    PublishedPort published;
    std::string proto;
    network::Ipv4 hostIp = 0;
    network::Ipv4 containerIp = 0;
    int containerPort = 0;
    UniqueFd fd;
  };
  Status publish(const ContainerInfo& c);
  // The container (other than `self`) of this daemon that holds proto/ip/port, or "".
  std::string holderOf(const std::string& self, const std::string& proto, network::Ipv4 ip,
                       int port) const;
  void drop(const std::string& containerId);
  std::filesystem::path statePath(const std::string& containerId) const;

  ContainerNetworking& networking_;
  network::Manager& manager_;
  std::filesystem::path stateDir_;
  std::map<std::string, std::vector<Held>> held_;  // by container id
};

}  // namespace wharf::engine
