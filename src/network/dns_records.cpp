#include "network/dns_records.h"

#include <algorithm>

namespace wharf::network {

namespace {

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Networks whose containers have names: user-defined bridges the container is on.
bool named(const Network& n, const std::string& self) {
  return n.isBridge() && !n.predefined() && n.endpoints.count(self) > 0;
}

// `name` among the containers of the named networks of `self`; only on the network called
// `network` (lower case) when given.
template <typename Ip, typename Get>
std::vector<Ip> lookupOn(const std::vector<Network>& nets, const std::string& self,
                         const std::string& name, const std::string* network, Get get) {
  std::vector<Ip> out;
  if (name.empty()) return out;
  for (const auto& n : nets) {
    if (!named(n, self) || (network && lower(n.name) != *network)) continue;
    // The asker's --link aliases on this network stand for the names they link to.
    std::string target = name;
    for (const auto& [alias, linked] : n.endpoints.at(self).links) {
      if (lower(alias) == name) target = lower(linked);
    }
    for (const auto& [cid, ep] : n.endpoints) {
      bool match = lower(ep.containerName) == target || target == cid ||
                   (target.size() == 12 && cid.rfind(target, 0) == 0);
      for (const auto& a : ep.aliases) match = match || lower(a) == target;
      std::optional<Ip> ip = get(ep);
      if (match && ip && std::find(out.begin(), out.end(), *ip) == out.end()) out.push_back(*ip);
    }
  }
  return out;
}

template <typename Ip, typename Get>
std::vector<Ip> lookupName(const std::vector<Network>& nets, const std::string& self,
                           const std::string& name, Get get) {
  std::vector<Ip> out = lookupOn<Ip>(nets, self, name, nullptr, get);
  // As docker's resolver (libnetwork Sandbox.ResolveName): "a.b.c" is also "a.b" on network
  // "c", then "a" on network "b.c" (names and networks may both hold dots).
  for (size_t dot = name.rfind('.'); out.empty() && dot != std::string::npos && dot > 0;
       dot = name.rfind('.', dot - 1)) {
    std::string network = name.substr(dot + 1);
    out = lookupOn<Ip>(nets, self, name.substr(0, dot), &network, get);
  }
  return out;
}

}  // namespace

std::vector<Ipv4> lookupContainerName(const std::vector<Network>& nets, const std::string& self,
                                      const std::string& name) {
  return lookupName<Ipv4>(nets, self, name, [](const Endpoint& ep) -> std::optional<Ipv4> {
    if (ep.ip == 0) return std::nullopt;
    return ep.ip;
  });
}

std::vector<Ipv6> lookupContainerName6(const std::vector<Network>& nets, const std::string& self,
                                       const std::string& name) {
  return lookupName<Ipv6>(nets, self, name, [](const Endpoint& ep) { return ep.ip6; });
}

std::optional<std::string> lookupContainerAddress(const std::vector<Network>& nets,
                                                  const std::string& self, Ipv4 ip) {
  for (const auto& n : nets) {
    if (!named(n, self)) continue;
    for (const auto& [cid, ep] : n.endpoints) {
      if (ep.ip == ip) return ep.containerName + "." + n.name;
    }
  }
  return std::nullopt;
}

std::optional<std::string> lookupContainerAddress6(const std::vector<Network>& nets,
                                                   const std::string& self, const Ipv6& ip) {
  for (const auto& n : nets) {
    if (!named(n, self)) continue;
    for (const auto& [cid, ep] : n.endpoints) {
      if (ep.ip6 && *ep.ip6 == ip) return ep.containerName + "." + n.name;
    }
  }
  return std::nullopt;
}

bool hasExternalAccess(const std::vector<Network>& nets) {
  return std::any_of(nets.begin(), nets.end(),
                     [](const Network& n) { return n.isBridge() && !n.internal; });
}

}  // namespace wharf::network
