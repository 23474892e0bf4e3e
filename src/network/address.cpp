#include "network/address.h"

#include <array>
#include <cstdio>

namespace wharf::network {

namespace {

// One decimal octet without leading zeros: bounded loop, no regex on client input.
std::optional<uint32_t> parseOctet(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v > 255) return std::nullopt;
  return v;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Ipv4> parseIpv4(std::string_view s) {
  if (s.size() > 15) return std::nullopt;
  Ipv4 out = 0;
  for (int i = 0; i < 4; ++i) {
    size_t dot = s.find('.');
    if ((i < 3) != (dot != std::string_view::npos)) return std::nullopt;
    auto octet = parseOctet(s.substr(0, dot));
    if (!octet) return std::nullopt;
    out = (out << 8) | *octet;
    s = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  }
  return out;
}

std::string formatIpv4(Ipv4 ip) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
                ip & 255);
  return buf;
}

std::optional<Prefix> Prefix::parse(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = parseIpv4(s.substr(0, slash));
  std::string_view len = s.substr(slash + 1);
  if (!ip || len.empty() || len.size() > 2 || (len.size() > 1 && len[0] == '0'))
    return std::nullopt;
  int bits = 0;
  for (char c : len) {
    if (c < '0' || c > '9') return std::nullopt;
    bits = bits * 10 + (c - '0');
  }
  if (bits > 32) return std::nullopt;
  return Prefix{*ip, bits};
}

std::string Prefix::toString() const { return formatIpv4(addr) + "/" + std::to_string(bits); }

std::string macForIpv4(Ipv4 ip) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "02:42:%02x:%02x:%02x:%02x", ip >> 24, (ip >> 16) & 255,
                (ip >> 8) & 255, ip & 255);
  return buf;
}

std::optional<std::array<uint8_t, 6>> parseMac(std::string_view s) {
  if (s.size() != 17) return std::nullopt;
  std::array<uint8_t, 6> out{};
  for (size_t i = 0; i < 6; ++i) {
    int hi = hexDigit(s[i * 3]), lo = hexDigit(s[i * 3 + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':')) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return out;
}

}  // namespace wharf::network
