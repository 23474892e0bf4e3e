// `docker update` (moby's daemon/update.go): new resource limits and restart policy for a
// container, persisted, and applied at once to the cgroup of a running (or paused) one.
#include <algorithm>

#include "common/log.h"
#include "engine/container_manager.h"
#include "engine/resource_limits.h"

namespace wharf::engine {

namespace {

Status checkRestartPolicy(const ContainerUpdate& u, const ContainerSpec& current) {
  if (!u.restartPolicy || u.restartPolicy->empty()) return okStatus();
  const std::string& p = *u.restartPolicy;
  static const char* kPolicies[] = {"no", "always", "on-failure", "unless-stopped"};
  if (std::find(std::begin(kPolicies), std::end(kPolicies), p) == std::end(kPolicies))
    return invalidArgument("invalid restart policy: unknown policy '" + p +
                           "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
  if (u.restartMaxRetries < 0)
    return invalidArgument("invalid restart policy: maximum retry count cannot be negative");
  if (u.restartMaxRetries > 0 && p != "on-failure")
    return invalidArgument(
        "invalid restart policy: maximum retry count can only be used with 'on-failure'");
  if (current.autoRemove && p != "no")
    return invalidArgument(
        "Restart policy cannot be updated because AutoRemove is enabled for the container");
  return okStatus();
}

}  // namespace

Status ContainerManager::updateContainer(const std::string& idOrName, const ContainerUpdate& u,
                                         std::vector<std::string>* warnings) {
  WHARF_ASSIGN_OR_RETURN(const ContainerPtr& c, find(idOrName));
  ContainerInfo& i = c->rec.info;
  // As dockerd: the values asked for are checked as at create (update mode), then merged.
  ResourceLimits asked = u.resources;
  WHARF_TRY(checkResources(asked, HostResources::current(), true, warnings));
  auto cannot = [&](const Error& e) {
    return Error(e.category(), "Cannot update container " + i.id + ": " + e.message());
  };
  if (i.state.status == ContainerStatus::kRemoving || i.state.status == ContainerStatus::kDead)
    return cannot(conflict("container is marked for removal and cannot be \"update\""));
  WHARF_TRY(checkRestartPolicy(u, i.spec));
  auto merged = mergeUpdate(i.spec.resources, asked);
  if (!merged.ok()) return cannot(merged.error());

  // A running (or paused) container gets them now; a stopped one at its next start. Nothing
  // is persisted when the kernel refuses them (docker restores its old config then).
  bool live = c->shim && (i.state.status == ContainerStatus::kRunning ||
                          i.state.status == ContainerStatus::kPaused);
  if (live) {
    if (Status st = c->shim->update(updateResources(*merged)); !st.ok()) return cannot(st.error());
  }
  ContainerSpec before = i.spec;
  i.spec.resources = *merged;
  if (u.restartPolicy && !u.restartPolicy->empty()) {
    i.spec.restartPolicy = *u.restartPolicy;
    i.spec.restartMaxRetries = u.restartMaxRetries;
  }
  if (Status st = persist(*c); !st.ok()) {
    i.spec = std::move(before);
    return st;
  }
  publish(*c, "update");
  return okStatus();
}

}  // namespace wharf::engine
