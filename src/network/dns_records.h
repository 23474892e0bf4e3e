#pragma once
// What the embedded DNS server answers from its own records (docs/networking.md): a container
// on user-defined networks resolves the containers on those same networks, and only those, by
// name, network alias (compose's service names are aliases) and short id (12 hex); and their
// addresses back to `<name>.<network>` (docker's PTR answers). The default bridge has no
// names, as docker's. Names compare case-insensitively.

#include <optional>
#include <string>
#include <vector>

#include "network/address.h"
#include "network/network.h"

namespace wharf::network {

// `nets`: the networks container `self` has an endpoint on (Manager::networksOf). `name`: as
// dns::Question::name (lower case, no trailing dot): a name, alias or short id, or one of them
// followed by `.<network>` (docker's `web.mynet`: only that network's containers). Empty: not
// a container's name.
std::vector<Ipv4> lookupContainerName(const std::vector<Network>& nets, const std::string& self,
                                      const std::string& name);
// The IPv6 addresses of the same names (AAAA), from the endpoints on IPv6 networks.
std::vector<Ipv6> lookupContainerName6(const std::vector<Network>& nets, const std::string& self,
                                       const std::string& name);
// PTR of an IPv6 address of such a container: `<name>.<network>`, as for IPv4.
std::optional<std::string> lookupContainerAddress6(const std::vector<Network>& nets,
                                                   const std::string& self, const Ipv6& ip);
std::optional<std::string> lookupContainerAddress(const std::vector<Network>& nets,
                                                  const std::string& self, Ipv4 ip);
// Whether the container may reach the outside (one of its networks is not --internal):
// docker's embedded server forwards nothing for a container that cannot.
bool hasExternalAccess(const std::vector<Network>& nets);

}  // namespace wharf::network
