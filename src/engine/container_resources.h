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
//            a restart by policy prepares again; after an exit, before the exit is recorded
//            (a waiter may start it again at once). Must not fail the caller; log instead.
//   remove   when the container is removed (after release): delete what belongs to the
//            container for good (anonymous volumes when `removeVolumes`, endpoints).
// Optional (default: nothing to do):
//   create   when the container is created, before any of its files exist: check what the
//            spec asks of this component, make it (volumes) and record it in the container's
//            info (mount points). An error fails the create; components created before it get
//            undoCreate, so nothing stays.
//   restore  at daemon start, for every container found again (before its reconciliation):
//            register what it uses; `running` when its shim still lives.
//   describe at inspect and list: fill in what only the component knows of a running
//            container (the host ports it published).
//
// All on the io_context thread; long work goes to a worker and calls back on the loop.

#include <functional>
#include <memory>

#include "common/error.h"
#include "engine/backend.h"
#include "engine/config_merge.h"
#include "oci/runtime_spec.h"

namespace wharf::engine {

class ContainerResources {
 public:
  virtual ~ContainerResources() = default;
  virtual void prepare(const ContainerInfo& c, std::shared_ptr<oci::Spec> spec,
                       std::function<void(Status)> done) = 0;
  virtual void release(const ContainerInfo& c, std::function<void()> done) = 0;
  virtual void remove(const ContainerInfo& c, bool removeVolumes, std::function<void()> done) = 0;

  // Finds another container (by id, unique prefix or name), e.g. for --volumes-from.
  using ContainerLookup = std::function<Result<ContainerInfo>(const std::string&)>;
  virtual Status create(ContainerInfo& c, const ImageDefaults& image,
                        const ContainerLookup& lookup) {
    (void)c, (void)image, (void)lookup;
    return okStatus();
  }
  virtual void undoCreate(const ContainerInfo& c) { (void)c; }
  virtual void restore(const ContainerInfo& c, bool running) { (void)c, (void)running; }
  virtual void describe(ContainerInfo& c) const { (void)c; }
};

}  // namespace wharf::engine
