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

}  // namespace

std::vector<Ipv4> lookupContainerName(const std::vector<Network>& nets, const std::string& self,
                                      const std::string& name) {
  std::vector<Ipv4> out;
  if (name.empty()) return out;
  for (const auto& n : nets) {
    if (!named(n, self)) continue;
    for (const auto& [cid, ep] : n.endpoints) {
      bool match =
          lower(ep.containerName) == name || (name.size() == 12 && cid.rfind(name, 0) == 0);
      for (const auto& a : ep.aliases) match = match || lower(a) == name;
      if (match && ep.ip != 0 && std::find(out.begin(), out.end(), ep.ip) == out.end())
        out.push_back(ep.ip);
    }
  }
  return out;
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

bool hasExternalAccess(const std::vector<Network>& nets) {
  return std::any_of(nets.begin(), nets.end(),
                     [](const Network& n) { return n.isBridge() && !n.internal; });
}

}  // namespace wharf::network
