#pragma once
// engine::NetworkService: the Engine API's network resource (NetworkBackend) over
// network::Manager. Container-facing work (endpoints at start, release at exit and removal)
// goes through the same Manager from the container manager.

#include "engine/backend.h"

namespace wharf::network {
class Manager;
}

namespace wharf::engine {

// What connect and disconnect need of the container manager (the Engine implements it).
class ContainerEndpointUpdater {
 public:
  virtual ~ContainerEndpointUpdater() = default;
  // `networkName` is the network's canonical name, `networkId` its id; `req` nullopt means
  // disconnect.
  virtual Status updateEndpoint(const std::string& container, const std::string& networkName,
                                const std::string& networkId,
                                const std::optional<NetworkBackend::ConnectRequest>& req,
                                bool force) = 0;
};

class NetworkService final : public NetworkBackend {
 public:
  // `containers` updates a container's endpoint settings (connect, disconnect).
  NetworkService(network::Manager& manager, ContainerEndpointUpdater& containers)
      : manager_(manager), containers_(containers) {}

  Result<NetworkInfo> createNetwork(const NetworkCreateRequest& req) override;
  Result<NetworkInfo> inspectNetwork(const std::string& idOrName) override;
  Result<std::vector<NetworkInfo>> listNetworks(
      const std::map<std::string, std::vector<std::string>>& filters) override;
  Status removeNetwork(const std::string& idOrName) override;
  Result<std::vector<std::string>> pruneNetworks(
      const std::map<std::string, std::vector<std::string>>& filters) override;
  Status connectNetwork(const std::string& network, const ConnectRequest& req) override;
  Status disconnectNetwork(const std::string& network, const std::string& container,
                           bool force) override;

 private:
  network::Manager& manager_;
  ContainerEndpointUpdater& containers_;
};

}  // namespace wharf::engine
