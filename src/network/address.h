#pragma once
// IPv4 addresses and prefixes as plain integers (host byte order), parsed strictly: four
// decimal octets without leading zeros ("010.0.0.1" is refused, as Go's netip does), a prefix
// length 0..32. IPv6 is designed in (docs/networking.md) but not implemented.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace wharf::network {

using Ipv4 = uint32_t;

std::optional<Ipv4> parseIpv4(std::string_view s);
std::string formatIpv4(Ipv4 ip);

struct Prefix {
  Ipv4 addr = 0;  // as written (may have host bits set: see masked())
  int bits = 0;

  static std::optional<Prefix> parse(std::string_view s);
  Ipv4 mask() const { return bits == 0 ? 0 : ~uint32_t{0} << (32 - bits); }
  Prefix masked() const { return {addr & mask(), bits}; }
  bool isMasked() const { return addr == (addr & mask()); }
  Ipv4 network() const { return addr & mask(); }
  Ipv4 broadcast() const { return network() | ~mask(); }
  bool contains(Ipv4 ip) const { return (ip & mask()) == network(); }
  bool overlaps(const Prefix& o) const {
    int b = bits < o.bits ? bits : o.bits;
    Ipv4 m = b == 0 ? 0 : ~uint32_t{0} << (32 - b);
    return (addr & m) == (o.addr & m);
  }
  std::string toString() const;  // "172.18.0.0/16"
  bool operator==(const Prefix&) const = default;
};

// A MAC derived from the address, as docker does (02:42 followed by the four octets), so an
// address always carries the same MAC and ARP caches stay right across restarts.
std::string macForIpv4(Ipv4 ip);
// "02:42:ac:11:00:02" -> 6 bytes; nullopt when malformed.
std::optional<std::array<uint8_t, 6>> parseMac(std::string_view s);

}  // namespace wharf::network
