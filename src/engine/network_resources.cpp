#include "engine/network_resources.h"

#include <string>

#include "engine/container_links.h"
#include "network/network_mode.h"

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
  // Legacy links on the default bridge: the linked containers must run; their variables and
  // hosts lines come from them now (as docker, at each start).
  std::vector<network::HostsEntry> linkHosts;
  if (!c.spec.links.empty()) {
    WHARF_ASSIGN_OR_RETURN(network::NetworkMode m, network::NetworkMode::parse(mode));
    if (m.kind == network::NetworkMode::Kind::kBridge) {
      WHARF_ASSIGN_OR_RETURN(auto linked, linkedContainers(c, lookup_, networking_));
      if (spec.process) addLinkEnv(spec.process->env, linked);
      for (const auto& l : linked) {
        for (auto& e : network::linkHostsEntries(l)) linkHosts.push_back(std::move(e));
      }
    }
  }
  WHARF_ASSIGN_OR_RETURN(std::string path, networking_.prepare(c, join, linkHosts));
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

Status NetworkResources::create(ContainerInfo& c, const ImageDefaults& image,
                                const ContainerLookup& lookup) {
  (void)image;
  return resolveLinks(c.spec, c.name, lookup);
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
