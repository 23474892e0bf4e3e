#pragma once
// IPv6 addresses and prefixes (network byte order, 16 bytes), parsed as Go's netip does
// (what dockerd accepts): up to eight groups of 1-4 hex digits, one "::", an embedded dotted
// IPv4 tail, no zone; a prefix length 0..128. formatIpv6 writes RFC 5952's canonical form
// (lower case, the longest run of zero groups as "::"), as docker prints them.
// The ULA pool docker 27+ draws IPv6 subnets from when a network asks for IPv6 without one is
// derived here too (ulaBasePool).

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wharf::network {

struct Ipv6 {
  std::array<uint8_t, 16> bytes{};
  bool isZero() const;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
  auto operator<=>(const Ipv6&) const = default;
  bool operator==(const Ipv6&) const = default;
};

std::optional<Ipv6> parseIpv6(std::string_view s);
std::string formatIpv6(const Ipv6& ip);
// `ip` + `offset` (carried through all 128 bits).
Ipv6 addToIpv6(const Ipv6& ip, uint64_t offset);
// The low 64 bits of `a` - `b` (the caller knows both are in one prefix of /64 or longer).
uint64_t ipv6Distance(const Ipv6& a, const Ipv6& b);

struct Prefix6 {
  Ipv6 addr;  // as written (may have host bits set: see masked())
  int bits = 0;

  static std::optional<Prefix6> parse(std::string_view s);
  Ipv6 network() const;
  Prefix6 masked() const { return {network(), bits}; }
  bool isMasked() const { return network() == addr; }
  bool contains(const Ipv6& ip) const;
  bool overlaps(const Prefix6& o) const;
  std::string toString() const;  // "fd00:1::/64"
  bool operator==(const Prefix6&) const = default;
};

// docker's deriveULABaseNetwork: fd00::/8 with the low 40 bits of the first 8 bytes of
// sha256(hostId) as Global ID -> a /48 unique to the host (its engine id), split into /64s.
Prefix6 ulaBasePool(std::string_view hostId);

// "fd00::1" or "172.18.0.1" -> which family a string is in.
inline bool looksIpv6(std::string_view s) { return s.find(':') != std::string_view::npos; }

}  // namespace wharf::network
