#include "network/ipam.h"

#include <fstream>
#include <sstream>

namespace wharf::network {

std::vector<AddressPool> defaultAddressPools() {
  std::vector<AddressPool> pools;
  for (uint32_t b = 17; b <= 31; ++b) pools.push_back({Prefix{(172u << 24) | (b << 16), 16}, 16});
  pools.push_back({Prefix{(192u << 24) | (168u << 16), 16}, 20});
  return pools;
}

std::vector<Prefix> hostRoutes() {
  std::vector<Prefix> out;
  std::ifstream f("/proc/net/route");
  std::string line;
  std::getline(f, line);  // header
  while (std::getline(f, line)) {
    std::istringstream ss(line);
    std::string iface, dest, gw, flags, refcnt, use, metric, mask;
    if (!(ss >> iface >> dest >> gw >> flags >> refcnt >> use >> metric >> mask)) continue;
    // The kernel prints the addresses as native-endian hex of network-order words.
    uint32_t d = 0, m = 0;
    try {
      d = __builtin_bswap32(static_cast<uint32_t>(std::stoul(dest, nullptr, 16)));
      m = __builtin_bswap32(static_cast<uint32_t>(std::stoul(mask, nullptr, 16)));
    } catch (...) {
      continue;
    }
    if (m == 0) continue;  // the default route shadows nothing
    out.push_back(Prefix{d, __builtin_popcount(m)});
  }
  return out;
}

Result<Prefix> chooseSubnet(const std::vector<AddressPool>& pools,
                            const std::vector<Prefix>& taken) {
  for (const auto& pool : pools) {
    if (pool.size < pool.base.bits || pool.size > 30) continue;
    uint64_t count = uint64_t{1} << (pool.size - pool.base.bits);
    uint64_t step = uint64_t{1} << (32 - pool.size);
    for (uint64_t i = 0; i < count; ++i) {
      Prefix candidate{static_cast<Ipv4>(pool.base.network() + i * step), pool.size};
      bool clash = false;
      for (const auto& t : taken) {
        if (candidate.overlaps(t)) {
          clash = true;
          break;
        }
      }
      if (!clash) return candidate;
    }
  }
  return unavailable(
      "could not find an available, non-overlapping IPv4 address pool among the defaults to "
      "assign to the network");
}

Result<Ipv4> allocateAddress(const AddressRange& r, const std::set<Ipv4>& used,
                             std::optional<Ipv4> requested, Ipv4 last) {
  const Prefix& s = r.subnet;
  auto reserved = [&](Ipv4 ip) {
    return (s.bits < 31 && (ip == s.network() || ip == s.broadcast())) || ip == r.gateway;
  };
  if (requested) {
    if (!s.contains(*requested) || reserved(*requested)) {
      return invalidArgument("no configured subnet or ip-range contain the IP address " +
                             formatIpv4(*requested));
    }
    if (used.count(*requested)) return conflict("Address already in use");
    return *requested;
  }
  Prefix pool = r.ipRange ? *r.ipRange : s;
  uint64_t size = uint64_t{1} << (32 - pool.bits);
  uint64_t start = pool.contains(last) ? (last - pool.network() + 1) % size : 0;
  for (uint64_t i = 0; i < size; ++i) {
    Ipv4 ip = static_cast<Ipv4>(pool.network() + (start + i) % size);
    if (!s.contains(ip) || reserved(ip) || used.count(ip)) continue;
    return ip;
  }
  return unavailable("no available IPv4 addresses on this network's address pools: " +
                     s.toString());
}

}  // namespace wharf::network
