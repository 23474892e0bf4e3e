#pragma once
// engine::NetworkService: the Engine API's network resource (NetworkBackend) over
// network::Manager. Container-facing work (endpoints at start, release at exit and removal)
// goes through the same Manager from the container manager.

#include "engine/backend.h"

namespace wharf::network {
class Manager;
}

namespace wharf::engine {

class NetworkService final : public NetworkBackend {
 public:
  explicit NetworkService(network::Manager& manager) : manager_(manager) {}

  Result<NetworkInfo> createNetwork(const NetworkCreateRequest& req) override;
  Result<NetworkInfo> inspectNetwork(const std::string& idOrName) override;
  Result<std::vector<NetworkInfo>> listNetworks(
      const std::map<std::string, std::vector<std::string>>& filters) override;
  Status removeNetwork(const std::string& idOrName) override;
  Result<std::vector<std::string>> pruneNetworks(
      const std::map<std::string, std::vector<std::string>>& filters) override;

 private:
  network::Manager& manager_;
};

}  // namespace wharf::engine
