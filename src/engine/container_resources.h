#pragma once
// The hook points for components that give a container resources beyond its rootfs (networks:
// a network namespace, veth, addresses; volumes: mounts). The ContainerManager calls every
// registered component, in registration order:
//
//   prepare  at each start, after the OCI spec is built and before config.json is written and
//            the shim launched. Asynchronous; may change the spec (add mounts, set the
//            network namespace path in spec.linux.namespaces, add env or hooks). A failure
//            fails the start (as a start error: the container stays created/exited with it),
//            and components prepared before it are released.
//   release  after the container's init exited (or its start failed after prepare), before
//            a restart by policy prepares again. Must not fail the caller; log instead.
//   remove   when the container is removed (after release): delete what belongs to the
//            container for good (anonymous volumes when `removeVolumes`, endpoints).
//
// All on the io_context thread; long work goes to a worker and calls back on the loop.

#include <functional>
#include <memory>

#include "common/error.h"
#include "engine/backend.h"
#include "oci/runtime_spec.h"

namespace wharf::engine {

class ContainerResources {
 public:
  virtual ~ContainerResources() = default;
  virtual void prepare(const ContainerInfo& c, std::shared_ptr<oci::Spec> spec,
                       std::function<void(Status)> done) = 0;
  virtual void release(const ContainerInfo& c, std::function<void()> done) = 0;
  virtual void remove(const ContainerInfo& c, bool removeVolumes, std::function<void()> done) = 0;
};

}  // namespace wharf::engine
