#pragma once
// engine::NetworkResources: a container's network as the container manager's start/exit hooks
// (container_resources.h) over ContainerNetworking (container_network.h):
//   prepare  the namespace, endpoint and /etc files; the spec's network namespace becomes the
//            bind-mounted one (for container:<x>, x's, which must be running, as docker);
//   release  after an exit or failed start: namespace, veth and address go (idempotent);
//   remove   the same, in case the container never ran since the daemon started.

#include <functional>
#include <memory>

#include "engine/container_network.h"
#include "engine/container_resources.h"

namespace wharf::engine {

class NetworkResources final : public ContainerResources {
 public:
  // `lookup` finds the container named by NetworkMode "container:<x>".
  NetworkResources(ContainerNetworking& networking, ContainerLookup lookup)
      : networking_(networking), lookup_(std::move(lookup)) {}

  void prepare(const ContainerInfo& c, std::shared_ptr<oci::Spec> spec,
               std::function<void(Status)> done) override;
  void release(const ContainerInfo& c, std::function<void()> done) override;
  void remove(const ContainerInfo& c, bool removeVolumes, std::function<void()> done) override;
  // --link: checked and stored as docker shows them (engine/container_links.h).
  Status create(ContainerInfo& c, const ImageDefaults& image,
                const ContainerLookup& lookup) override;

  // The namespace path the start needs, with the spec's network namespace set to it.
  Status prepareSpec(const ContainerInfo& c, oci::Spec& spec);

 private:
  ContainerNetworking& networking_;
  ContainerLookup lookup_;
};

}  // namespace wharf::engine
