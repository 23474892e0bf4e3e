#include "engine/container_links.h"

#include <set>

#include "engine/container_network.h"
#include "network/network_mode.h"

namespace wharf::engine {

namespace {

using network::NetworkMode;

constexpr const char* kHostAndLinks =
    "conflicting options: host type networking can't be used with links. This would result in "
    "undefined behavior";
constexpr const char* kContainerAndLinks =
    "conflicting options: container type network can't be used with links. This would result "
    "in undefined behavior";
constexpr size_t kMaxLinks = 64;  // bounded: each one is a lookup and hosts lines at each start

}  // namespace

Status resolveLinks(ContainerSpec& spec, const std::string& myName,
                    const ContainerResources::ContainerLookup& lookup) {
  if (spec.links.empty()) return okStatus();
  if (spec.links.size() > kMaxLinks)
    return invalidArgument("HostConfig.Links: more than " + std::to_string(kMaxLinks) + " links");
  WHARF_ASSIGN_OR_RETURN(NetworkMode mode, NetworkMode::parse(spec.networkMode));
  if (mode.kind == NetworkMode::Kind::kHost) return invalidArgument(kHostAndLinks);
  if (mode.kind == NetworkMode::Kind::kContainer) return invalidArgument(kContainerAndLinks);
  std::vector<std::string> out;
  std::set<std::string> aliases;
  for (const auto& l : spec.links) {
    WHARF_ASSIGN_OR_RETURN(auto link, network::parseLink(l));
    auto& [name, alias] = link;
    if (name.empty() || alias.empty()) return invalidArgument("bad format for links: " + l);
    if (!aliases.insert(alias).second)
      return conflict("conflicting link alias " + alias + " for container " + myName);
    if (mode.kind == NetworkMode::Kind::kUser) {
      out.push_back(name + ":" + alias);
      continue;
    }
    auto child = lookup(name);
    if (!child.ok()) {
      // docker: an invalid parameter (400), not a 404 (the CLI would then pull an image).
      return invalidArgument("could not get container for " + name +
                             ": No such container: " + name);
    }
    auto childMode = NetworkMode::parse(child->spec.networkMode);
    if (childMode.ok() && childMode->kind == NetworkMode::Kind::kHost)
      return invalidArgument(kHostAndLinks);
    out.push_back("/" + child->name + ":/" + myName + "/" + alias);
  }
  spec.links = std::move(out);
  return okStatus();
}

Result<std::vector<network::LinkedContainer>> linkedContainers(
    const ContainerInfo& c, const ContainerResources::ContainerLookup& lookup,
    const ContainerNetworking& networking) {
  std::vector<network::LinkedContainer> out;
  for (const auto& l : c.spec.links) {
    WHARF_ASSIGN_OR_RETURN(auto link, network::parseLink(l));
    const auto& [name, alias] = link;
    auto child = lookup(name);
    if (!child.ok())
      return invalidArgument("could not get container for " + name +
                             ": No such container: " + name);
    const std::string linkName = "/" + c.name + "/" + alias;
    if (child->state.status != ContainerStatus::kRunning)
      return invalidArgument("Cannot link to a non running container: /" + child->name + " AS " +
                             linkName);
    network::LinkedContainer lc;
    lc.alias = alias;
    lc.parentName = c.name;
    lc.name = child->name;
    lc.hostname = child->spec.hostname.empty() ? child->id.substr(0, 12) : child->spec.hostname;
    lc.env = child->spec.env;
    lc.exposedPorts = child->spec.exposedPorts;
    for (const auto& e : networking.endpoints(child->id)) {
      if (e.network != "bridge") continue;
      lc.ip = e.ipAddress;
      lc.ip6 = e.globalIpv6Address;
    }
    if (lc.ip.empty())
      return invalidArgument("Cannot link to /" + child->name +
                             ", as it does not belong to the default network");
    out.push_back(std::move(lc));
  }
  return out;
}

std::map<std::string, std::string> linkAliases(const ContainerSpec& spec) {
  std::map<std::string, std::string> out;
  for (const auto& l : spec.links) {
    auto link = network::parseLink(l);
    if (link.ok()) out[link->second] = link->first;
  }
  return out;
}

void addLinkEnv(std::vector<std::string>& env, const std::vector<network::LinkedContainer>& links) {
  std::set<std::string> own;
  for (const auto& kv : env) own.insert(kv.substr(0, kv.find('=')));
  for (const auto& l : links) {
    for (auto& kv : network::linkEnv(l)) {
      if (own.insert(kv.substr(0, kv.find('='))).second) env.push_back(std::move(kv));
    }
  }
}

}  // namespace wharf::engine
