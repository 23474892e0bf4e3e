#pragma once
// IP address management for bridge networks (docker's default IPAM, as it behaves):
//  - a network without --subnet gets the first pool subnet that overlaps neither another
//    network nor a route of the host (so a VPN's or the LAN's range is never shadowed);
//  - addresses are handed out from the --ip-range (or the subnet) without the network,
//    broadcast and gateway addresses, round-robin after the last one given, so an address
//    just released is not reused at once (a peer's ARP cache may still name it).
// The functions are pure: the caller (network::Manager) persists what was allocated in the
// network's record before using it, so a restarted daemon never hands out an address in use.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "network/address.h"
#include "network/address6.h"

namespace wharf::network {

// A bridge network's --subnet / --ip-range / --gateway of one address family, validated as
// docker's ValidateIPAM does: every message at once ("invalid network config:\n..."), a
// subnet required for the others, and at most `maxBits` bits (/30 for IPv4, /126 for IPv6).
template <class PrefixT, class AddrT>
struct IpamConfig {
  std::optional<PrefixT> subnet, range;
  std::optional<AddrT> gateway;
};
template <class PrefixT, class AddrT>
Result<IpamConfig<PrefixT, AddrT>> validateIpamConfig(const std::string& subnet,
                                                      const std::string& ipRange,
                                                      const std::string& gateway, int maxBits);

// A pool the daemon carves subnets of `size` bits from (daemon.json default-address-pools).
struct AddressPool {
  Prefix base;
  int size = 16;
};

// Docker's defaults: 172.17.0.0/16 ... 172.31.0.0/16, then 192.168.0.0/16 in /20s.
std::vector<AddressPool> defaultAddressPools();

// The IPv4 destinations routed on the host (/proc/net/route), without the default route.
std::vector<Prefix> hostRoutes();

// The first subnet of the pools overlapping none of `taken`; Unavailable when all are.
Result<Prefix> chooseSubnet(const std::vector<AddressPool>& pools,
                            const std::vector<Prefix>& taken);

struct AddressRange {
  Prefix subnet;
  std::optional<Prefix> ipRange;  // --ip-range: dynamic addresses come from here
  Ipv4 gateway = 0;
};

// An address for an endpoint: `requested` (--ip) if free and in the subnet; else the next
// free dynamic one after `last`. `used` holds every address in use (gateway included).
Result<Ipv4> allocateAddress(const AddressRange& r, const std::set<Ipv4>& used,
                             std::optional<Ipv4> requested, Ipv4 last);

// ---- IPv6 (docs/networking.md) ----
// The IPv6 destinations routed on the host (/proc/net/ipv6_route), without the default route,
// link-local and multicast ones.
std::vector<Prefix6> hostRoutes6();

// The first /`size` of `pool` overlapping none of `taken` (docker splits its ULA /48 into
// /64s); Unavailable when all are.
Result<Prefix6> chooseSubnet6(const Prefix6& pool, int size, const std::vector<Prefix6>& taken);

struct AddressRange6 {
  Prefix6 subnet;
  std::optional<Prefix6> ipRange;
  Ipv6 gateway;
};

// As allocateAddress for IPv6: never the subnet-router anycast address (the subnet's first)
// nor the gateway; round-robin after `last`. The search is bounded by the number of
// addresses in use, however large the subnet.
Result<Ipv6> allocateAddress6(const AddressRange6& r, const std::set<Ipv6>& used,
                              std::optional<Ipv6> requested, const Ipv6& last);

}  // namespace wharf::network
