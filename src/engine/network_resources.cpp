#include "engine/network_resources.h"

#include <string>

namespace wharf::engine {

Status NetworkResources::prepareSpec(const ContainerInfo& c, oci::Spec& spec) {
  // container:<x> joins x's namespace, which exists only while x runs (as docker).
  std::string join;
  const std::string& mode = c.spec.networkMode;
  if (mode.rfind("container:", 0) == 0) {
    WHARF_ASSIGN_OR_RETURN(ContainerInfo other, lookup_(mode.substr(10)));
    if (other.state.status != ContainerStatus::kRunning)
      return conflict("cannot join network namespace of a non running container: container " +
                      other.id + " is " + statusName(other.state.status));
    join = "/proc/" + std::to_string(other.state.pid) + "/ns/net";
  }
  WHARF_ASSIGN_OR_RETURN(std::string path, networking_.prepare(c, join));
  if (path.empty()) return okStatus();  // host: the spec keeps the host's namespace
  oci::Linux& lx = spec.linux ? *spec.linux : spec.linux.emplace();
  bool found = false;
  for (auto& ns : lx.namespaces) {
    if (ns.type == "network") {
      ns.path = path;
      found = true;
    }
  }
  if (!found) lx.namespaces.push_back(oci::Namespace{"network", path});
  return okStatus();
}

void NetworkResources::prepare(const ContainerInfo& c, std::shared_ptr<oci::Spec> spec,
                               std::function<void(Status)> done) {
  done(prepareSpec(c, *spec));
}

void NetworkResources::release(const ContainerInfo& c, std::function<void()> done) {
  networking_.release(c.id);
  done();
}

void NetworkResources::remove(const ContainerInfo& c, bool removeVolumes,
                              std::function<void()> done) {
  (void)removeVolumes;
  networking_.release(c.id);
  done();
}

}  // namespace wharf::engine
