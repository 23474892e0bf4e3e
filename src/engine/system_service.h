#pragma once
// engine::SystemService: GET /info and GET /events (SystemBackend). /info says only what the
// components report: container counts from the ContainerManager, the image count from the
// ImageManager, the drivers the composition root registered, and the host's own facts.

#include <filesystem>
#include <string>
#include <vector>

#include "engine/backend.h"

namespace wharf::engine {

class ContainerManager;
class DiskUsageService;
class ImageManager;
class EventBus;

struct SystemServiceConfig {
  std::filesystem::path dataRoot = "/var/lib/wharf";
  std::filesystem::path execRoot = "/run/wharf";
  std::string serverVersion = WHARF_VERSION;
  std::vector<std::string> registryMirrors;     // reported by /info
  std::vector<std::string> insecureRegistries;  // reported by /info
};

class SystemService final : public SystemBackend {
 public:
  SystemService(ContainerManager& containers, ImageManager& images, EventBus& events,
                SystemServiceConfig cfg);

  // What works, as /info's Plugins lists it: network modes ("host", "null", "bridge" once a
  // network component provides it), volume drivers ("local"), log drivers ("json-file").
  void addNetworkDriver(std::string name) { networkDrivers_.push_back(std::move(name)); }
  void addVolumeDriver(std::string name) { volumeDrivers_.push_back(std::move(name)); }

  // `system df` (GET /system/df) is answered by this component when set.
  void setDiskUsage(DiskUsageService* du) { diskUsage_ = du; }

  Result<SystemInfo> info() override;
  void diskUsage(const DiskUsageOptions& opts,
                 std::function<void(Result<DiskUsage>)> done) override;
  Result<std::unique_ptr<EventStream>> events(const EventQuery& q) override;

 private:
  ContainerManager& containers_;
  ImageManager& images_;
  EventBus& events_;
  SystemServiceConfig cfg_;
  std::vector<std::string> networkDrivers_, volumeDrivers_;
  std::string engineId_;
  DiskUsageService* diskUsage_ = nullptr;
};

}  // namespace wharf::engine
