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

namespace wharf::network {

std::vector<Prefix6> hostRoutes6() {
  std::vector<Prefix6> out;
  std::ifstream f("/proc/net/ipv6_route");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream ss(line);
    std::string dest, len;
    if (!(ss >> dest >> len) || dest.size() != 32 || len.size() != 2) continue;
    Ipv6 d;
    bool ok = true;
    for (size_t k = 0; k < 16 && ok; ++k) {
      try {
        d.bytes[k] = static_cast<uint8_t>(std::stoul(dest.substr(k * 2, 2), nullptr, 16));
      } catch (...) {
        ok = false;
      }
    }
    int bits = 0;
    try {
      bits = static_cast<int>(std::stoul(len, nullptr, 16));
    } catch (...) {
      ok = false;
    }
    if (!ok || bits == 0 || bits > 128) continue;
    // Link-local (fe80::/10) and multicast (ff00::/8) are on every interface: they shadow
    // nothing a pool hands out.
    if (d.bytes[0] == 0xff || (d.bytes[0] == 0xfe && (d.bytes[1] & 0xc0) == 0x80)) continue;
    out.push_back(Prefix6{d, bits});
  }
  return out;
}

Result<Prefix6> chooseSubnet6(const Prefix6& pool, int size, const std::vector<Prefix6>& taken) {
  if (size >= pool.bits && size <= 126 && size - pool.bits <= 24) {
    uint64_t count = uint64_t{1} << (size - pool.bits);
    // Candidate i: the pool's network with i in the bits just above the subnet's host part.
    for (uint64_t i = 0; i < count; ++i) {
      Ipv6 a = pool.network();
      uint64_t v = i;
      int bit = size - 1;  // the lowest network bit of the candidate
      for (; v; v >>= 1, --bit) {
        if (v & 1) a.bytes[bit / 8] = static_cast<uint8_t>(a.bytes[bit / 8] | (0x80 >> (bit % 8)));
      }
      Prefix6 candidate{a, size};
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
      "could not find an available, non-overlapping IPv6 address pool among the defaults to "
      "assign to the network");
}

Result<Ipv6> allocateAddress6(const AddressRange6& r, const std::set<Ipv6>& used,
                              std::optional<Ipv6> requested, const Ipv6& last) {
  const Prefix6& s = r.subnet;
  auto reserved = [&](const Ipv6& ip) { return ip == s.network() || ip == r.gateway; };
  if (requested) {
    if (!s.contains(*requested) || reserved(*requested)) {
      return invalidArgument("no configured subnet or ip-range contain the IP address " +
                             formatIpv6(*requested));
    }
    if (used.count(*requested)) return conflict("Address already in use");
    return *requested;
  }
  Prefix6 pool = r.ipRange ? *r.ipRange : s;
  int hostBits = 128 - pool.bits;
  // Offsets wrap at the pool's size, or at 2^64 for a pool of /64 or more.
  uint64_t size = hostBits >= 64 ? 0 : uint64_t{1} << hostBits;  // 0: 2^64
  auto wrap = [&](uint64_t v) { return size ? v % size : v; };
  uint64_t start = pool.contains(last) ? wrap(ipv6Distance(last, pool.network()) + 1) : 0;
  // Every address tried is either used, reserved (2) or free: one more than those suffices.
  uint64_t tries = used.size() + 3;
  if (size && size < tries) tries = size;
  for (uint64_t i = 0; i < tries; ++i) {
    Ipv6 ip = addToIpv6(pool.network(), wrap(start + i));
    if (!s.contains(ip) || reserved(ip) || used.count(ip)) continue;
    return ip;
  }
  return unavailable("no available IPv6 addresses on this network's address pools: " +
                     s.toString());
}

namespace {
std::optional<Ipv4> parseAddress(std::string_view s, Ipv4*) { return parseIpv4(s); }
std::optional<Ipv6> parseAddress(std::string_view s, Ipv6*) { return parseIpv6(s); }
}  // namespace

template <class PrefixT, class AddrT>
Result<IpamConfig<PrefixT, AddrT>> validateIpamConfig(const std::string& subnet,
                                                      const std::string& ipRange,
                                                      const std::string& gateway, int maxBits) {
  IpamConfig<PrefixT, AddrT> out;
  std::vector<std::string> errs;
  if (!subnet.empty()) {
    out.subnet = PrefixT::parse(subnet);
    if (!out.subnet) {
      errs.push_back("invalid subnet " + subnet + ": invalid CIDR block notation");
    } else if (!out.subnet->isMasked()) {
      errs.push_back("invalid subnet " + subnet + ": it should be " +
                     out.subnet->masked().toString());
    }
  }
  if (!ipRange.empty()) {
    out.range = PrefixT::parse(ipRange);
    const auto& sub = out.subnet;
    const auto& range = out.range;
    if (!range) {
      errs.push_back("invalid ip-range " + ipRange + ": invalid CIDR block notation");
    } else if (sub) {
      if (range->bits < sub->bits)
        errs.push_back("invalid ip-range " + ipRange +
                       ": CIDR block is bigger than its parent subnet " + sub->toString());
      if (!range->isMasked())
        errs.push_back("invalid ip-range " + ipRange + ": it should be " +
                       range->masked().toString());
      if (!sub->overlaps(*range))
        errs.push_back("invalid ip-range " + ipRange + ": parent subnet " + sub->toString() +
                       " doesn't contain ip-range");
    }
  }
  if (!gateway.empty()) {
    out.gateway = parseAddress(gateway, static_cast<AddrT*>(nullptr));
    if (!out.gateway) {
      errs.push_back("invalid gateway " + gateway + ": invalid address");
    } else if (out.subnet && !out.subnet->contains(*out.gateway)) {
      errs.push_back("invalid gateway " + gateway + ": parent subnet " + out.subnet->toString() +
                     " doesn't contain this address");
    }
  }
  if (!out.subnet && (out.range || out.gateway) && errs.empty())
    return invalidArgument(
        "invalid network config:\ninvalid pool request: a subnet is needed "
        "for --ip-range and --gateway");
  if (!errs.empty()) {
    std::string msg = "invalid network config:";
    for (const auto& e : errs) msg += "\n" + e;
    return invalidArgument(msg);
  }
  if (out.subnet && out.subnet->bits > maxBits)
    return invalidArgument("invalid network config:\ninvalid subnet " + subnet +
                           ": too small for a bridge network (at least /" +
                           std::to_string(maxBits) + ")");
  return out;
}

template Result<IpamConfig<Prefix, Ipv4>> validateIpamConfig<Prefix, Ipv4>(const std::string&,
                                                                           const std::string&,
                                                                           const std::string&, int);
template Result<IpamConfig<Prefix6, Ipv6>> validateIpamConfig<Prefix6, Ipv6>(const std::string&,
                                                                             const std::string&,
                                                                             const std::string&,
                                                                             int);

}  // namespace wharf::network
